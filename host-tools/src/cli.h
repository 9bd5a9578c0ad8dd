/*
 * The `palisade` CLI framework: a table of subcommands, each with its own getopt_long
 * options and --help. Exit status everywhere: 0 success, 1 a check failed,
 * 2 usage error or unreadable/malformed input.
 */
#ifndef PALISADE_CLI_H
#define PALISADE_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { EXIT_OK = 0, EXIT_CHECK_FAILED = 1, EXIT_USAGE = 2 };

struct command {
	const char *name;         /* may contain a space: "report show" */
	const char *summary;
	const char *usage;        /* the synopsis after "usage: palisade <name>" */
	int (*run)(int argc, char **argv);
};

extern const struct command commands[];

/* The subcommands (cmd_*.c). argv[0] is the command's last word. */
int cmd_provision_ca(int argc, char **argv);
int cmd_provision_device(int argc, char **argv);
int cmd_measure(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_report_show(int argc, char **argv);
int cmd_run(int argc, char **argv);       /* cmd_run.c: inside the host VM */

/* The table entry of a command, by its full name ("report show"). */
const struct command *command_find(const char *name);

/* Prints "palisade: <message>" and the command's usage line to stderr; returns EXIT_USAGE. */
int usage_error(const struct command *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Prints "palisade: <message>" to stderr and returns 'status'. */
int fail_with(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prints a JSON string literal, escaped. */
void json_string(const char *s);

/*
 * Parses an unsigned number: decimal, or hex with 0x. With 'suffixes', K, M, G, T
 * (binary multiples; also KiB, MiB, GiB, TiB) may follow. Returns 0, or -1 for
 * anything else, including overflow.
 */
int parse_u64(const char *s, bool suffixes, uint64_t *out);
int parse_u32(const char *s, uint32_t *out);

#endif
