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
			return usage_error(&commands[0], "bad option");
		}
	}
	if (optind != argc)
		return usage_error(&commands[0], "unexpected argument '%s'", argv[optind]);
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
		printf("  %-14s %s\n", c->name, c->summary);
	printf("\n'palisade <command> --help' describes each command.\n"
	       "Exit status: 0 success, 1 a check failed, 2 usage error or malformed input.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage_error(NULL, "no command given");
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		print_help();
		return EXIT_OK;
	}
	for (const struct command *c = commands; c->name; c++)
		if (!strcmp(argv[1], c->name))
			return c->run(argc - 1, argv + 1);
	return usage_error(NULL, "unknown command '%s'", argv[1]);
}
