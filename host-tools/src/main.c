/*
 * palisade: the host-side tool. Dispatches to subcommands listed in commands[].
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <openssl/crypto.h>
#include "cli.h"

static int cmd_version(int argc, char **argv);

const struct command commands[] = {
	{ "provision ca", "make the manufacturer CA (its key and certificate) in a directory of its own",
	  "--out DIR [--json]", cmd_provision_ca },
	{ "provision device", "make a device's UDS and its device certificate, issued by that CA",
	  "--ca DIR --out DIR [--uds FILE] [--json]", cmd_provision_device },
	{ "measure", "compute the expected hypervisor and VM launch measurements",
	  "--hyp palisade-hyp.bin [--kernel Image [--initrd F] [--cmdline STR] | --elf FILE | "
	  "--raw FILE@ADDR] [--with-dtb] [--mem SIZE] [--mem-base ADDR] [--vcpus N] [--debug] "
	  "[--out reference.json] [--dtb-out FILE] [--records FILE] [--json]", cmd_measure },
	{ "verify", "verify attestation evidence against the CA, reference values and a nonce",
	  "--ca CA.pem --device-cert DEVICE.pem --reference REF.json --nonce HEX [--min-svn N] "
	  "[--allow-debug] [--rmr INDEX=HEX ...] [--json] EVIDENCE", cmd_verify },
	{ "report show", "print every field of an evidence file (unverified)", "[--json] EVIDENCE",
	  cmd_report_show },
	{ "run", "launch and run a protected VM through /dev/palisade (host VM only)",
	  "(--kernel Image [--initrd F] | --elf FILE [--with-dtb]) [--cmdline STR] [--mem SIZE] "
	  "[--mem-base ADDR] [--vcpus N] [--debug] [--device PATH] [--verbose]", cmd_run },
	{ "version", "print the tool's version and the OpenSSL it uses", "[--json]", cmd_version },
	{ NULL, NULL, NULL, NULL },
};

static int cmd_version(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool json = false;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'h':
			printf("usage: palisade version [--json]\n\n"
			       "Prints the tool's version and the OpenSSL library it runs with.\n");
			return EXIT_OK;
		default:
			return usage_error(command_find("version"), "bad option");
		}
	}
	if (optind != argc)
		return usage_error(command_find("version"), "unexpected argument '%s'", argv[optind]);
	if (json) {
		printf("{\"palisade\": ");
		json_string(PALISADE_VERSION_STRING);
		printf(", \"openssl\": ");
		json_string(OpenSSL_version(OPENSSL_VERSION));
		printf("}\n");
	} else {
		printf("palisade %s (%s)\n", PALISADE_VERSION_STRING, OpenSSL_version(OPENSSL_VERSION));
	}
	return EXIT_OK;
}

static void print_help(void)
{
	printf("usage: palisade <command> [options]\n\n"
	       "Palisade host tool: provisions devices, computes reference measurements and\n"
	       "verifies attestation evidence from the Palisade hypervisor.\n\ncommands:\n");
	for (const struct command *c = commands; c->name; c++)
		printf("  %-16s %s\n", c->name, c->summary);
	printf("\n'palisade <command> --help' describes each command.\n"
	       "Exit status: 0 success, 1 a check failed, 2 usage error or malformed input.\n");
}

int main(int argc, char **argv)
{
	const struct command *c;
	bool group = false;

	if (argc < 2)
		return usage_error(NULL, "no command given");
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		print_help();
		return EXIT_OK;
	}
	if (argc >= 3) {
		char two[64];

		snprintf(two, sizeof(two), "%s %s", argv[1], argv[2]);
		if ((c = command_find(two)))
			return c->run(argc - 2, argv + 2);
	}
	if ((c = command_find(argv[1])))
		return c->run(argc - 1, argv + 1);
	/* A group of two-word commands ("report"): list its commands. */
	for (c = commands; c->name; c++) {
		size_t n = strlen(argv[1]);

		if (!strncmp(c->name, argv[1], n) && c->name[n] == ' ')
			group = true;
	}
	if (group) {
		bool help = argc >= 3 && (!strcmp(argv[2], "--help") || !strcmp(argv[2], "-h"));
		FILE *f = help ? stdout : stderr;

		if (argc >= 3 && !help)
			fprintf(stderr, "palisade: unknown command '%s %s'\n", argv[1], argv[2]);
		if (!help && !strcmp(argv[1], "provision"))
			fputs("palisade: the CA and each device have directories of their own: "
			      "'provision ca', then 'provision device'\n", stderr);
		for (c = commands; c->name; c++)
			if (!strncmp(c->name, argv[1], strlen(argv[1])) && c->name[strlen(argv[1])] == ' ')
				fprintf(f, "usage: palisade %s %s\n", c->name, c->usage);
		return help ? EXIT_OK : EXIT_USAGE;
	}
	return usage_error(NULL, "unknown command '%s'", argv[1]);
}
