/*
 * What the hypervisor learns about the machine from the boot device tree.
 * Portable (libfdt): parsed on the host in unit tests from QEMU's own DTBs.
 */
#ifndef PALISADE_PLATFORM_INFO_H
#define PALISADE_PLATFORM_INFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PI_MAX_MEM_REGIONS 8
#define PI_MAX_CPUS 8
#define PI_BOOTARGS_MAX 256

struct pi_range {
	uint64_t base;
	uint64_t size;
};

struct platform_info {
	struct pi_range mem[PI_MAX_MEM_REGIONS];
	unsigned mem_count;
	uint64_t mem_total;

	uint64_t cpu_mpidr[PI_MAX_CPUS];
	unsigned cpu_count;

	struct pi_range gicd;        /* GICv3 distributor */
	struct pi_range gicr;        /* GICv3 redistributor region */
	struct pi_range uart;        /* PL011 console */
	bool psci_smc;               /* PSCI conduit is SMC (required at EL2) */
	char bootargs[PI_BOOTARGS_MAX];
};

/*
 * Parses the device tree at 'fdt' (at most 'max_size' bytes may be read). On failure
 * returns a negative value and writes a one-line reason into err.
 */
int platform_info_parse(const void *fdt, size_t max_size, struct platform_info *pi,
			char *err, size_t err_size);

#endif
