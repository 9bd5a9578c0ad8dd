/*
 * palisade-arm64: the `palisade` tool as built for the host VM's Linux (arm64, static,
 * no OpenSSL): the subcommands that run inside the host. The full tool (main.c) has
 * these and the OpenSSL ones (provision, measure, verify, report show).
 */
#include <stdio.h>
#include <string.h>
#include "cli.h"

#ifndef PALISADE_VERSION_STRING   /* the arm64 build passes the bare version */
#define PAL_STR2(x) #x
#define PAL_STR(x) PAL_STR2(x)
#define PALISADE_VERSION_STRING PAL_STR(PALISADE_VERSION_RAW)
#endif

static int cmd_version(int argc, char **argv)
{
	(void)argv;
	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("usage: palisade version\n\nPrints the tool's version.\n");
		return EXIT_OK;
	}
	if (argc > 1)
		return usage_error(command_find("version"), "unexpected argument '%s'", argv[1]);
	printf("palisade %s (arm64, host VM build: run)\n", PALISADE_VERSION_STRING);
	return EXIT_OK;
}

const struct command commands[] = {
	{ "run", "launch and run a protected VM through /dev/palisade (host VM only)",
	  "(--kernel Image [--initrd F] | --elf FILE [--with-dtb]) [--cmdline STR] [--mem SIZE] "
	  "[--mem-base ADDR] [--vcpus N] [--debug] [--device PATH] [--verbose]", cmd_run },
	{ "version", "print the tool's version", "", cmd_version },
	{ NULL, NULL, NULL, NULL },
};

int main(int argc, char **argv)
{
	const struct command *c;

	if (argc < 2)
		return usage_error(NULL, "no command given");
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		printf("usage: palisade <command> [options]\n\nPalisade host tool (host VM build)."
		       "\n\ncommands:\n");
		for (c = commands; c->name; c++)
			printf("  %-14s %s\n", c->name, c->summary);
		printf("\n'palisade <command> --help' describes each command.\n");
		return EXIT_OK;
	}
	if ((c = command_find(argv[1])))
		return c->run(argc - 1, argv + 1);
	return usage_error(NULL, "unknown command '%s'", argv[1]);
}
