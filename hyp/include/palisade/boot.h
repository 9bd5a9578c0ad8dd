/* State the boot path leaves for the rest of the hypervisor. */
#ifndef PALISADE_BOOT_H
#define PALISADE_BOOT_H

#include "palisade/cmdline.h"
#include "palisade/cpu.h"
#include "palisade/page_alloc.h"
#include "palisade/platform_info.h"

extern struct platform_info boot_platform;
extern struct hyp_options boot_options;
extern struct page_pool hyp_pool;

/* Linker-script symbols bounding the image's permission classes. */
extern char __hyp_start[], __text_end[], __rodata_end[], __bss_start[], __bss_end[], __hyp_end[];

/* The RAM region holding all of [base, base + size), or NULL. */
const struct pi_range *ram_region_containing(uint64_t base, uint64_t size);

/* Runs the boot self-tests, prints their verdicts; returns the number that failed. */
unsigned selftest_run(void);

/* Checks this CPU runs with the translation regime and protections it must have. */
void selftest_cpu_checks(struct cpu *c);

#endif
