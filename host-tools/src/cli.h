/*
 * The `palisade` CLI framework: a table of subcommands, each with its own getopt_long
 * options and --help. Exit status everywhere: 0 success, 1 a check failed,
 * 2 usage error or unreadable/malformed input.
 */
#ifndef PALISADE_CLI_H
#define PALISADE_CLI_H

#include <stdbool.h>

enum { EXIT_OK = 0, EXIT_CHECK_FAILED = 1, EXIT_USAGE = 2 };

struct command {
	const char *name;         /* may contain a space: "report show" */
	const char *summary;
	const char *usage;        /* the synopsis after "usage: palisade <name>" */
	int (*run)(int argc, char **argv);
};

extern const struct command commands[];

/* Prints "palisade: <message>" to stderr and returns EXIT_USAGE. */
int usage_error(const struct command *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Prints a JSON string literal, escaped. */
void json_string(const char *s);

#endif
