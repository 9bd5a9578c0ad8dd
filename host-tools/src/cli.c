/* CLI plumbing shared by the subcommands. */
#include <stdarg.h>
#include <stdio.h>
#include "cli.h"

int usage_error(const struct command *cmd, const char *fmt, ...)
{
	va_list ap;

	fputs("palisade: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (cmd)
		fprintf(stderr, "usage: palisade %s %s\n", cmd->name, cmd->usage);
	else
		fputs("usage: palisade <command> [options]   (palisade --help lists commands)\n", stderr);
	return EXIT_USAGE;
}

void json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}
