/*
 * The hypervisor's command line (/chosen/bootargs): space-separated palisade.KEY=VALUE
 * words; other words (meant for someone else) are ignored. Portable.
 */
#ifndef PALISADE_CMDLINE_H
#define PALISADE_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum selftest_mode {
	SELFTEST_OFF = 0,
	SELFTEST_RUN,            /* run the boot self-tests, report, power off */
	SELFTEST_FAULT_DATA,     /* deliberately take a data abort (harness check) */
	SELFTEST_FAULT_UNDEF,    /* deliberately execute an undefined instruction */
	SELFTEST_HANG,           /* deliberately never finish (harness timeout check) */
};

struct hyp_options {
	enum selftest_mode selftest;
	uint64_t manifest;       /* palisade.manifest=<address>: boot manifest blob, 0 = none */
};

/* Returns 0, or a negative value with a reason in err for an unknown palisade.* word. */
int cmdline_parse(const char *cmdline, struct hyp_options *opts, char *err, size_t err_size);

#endif
