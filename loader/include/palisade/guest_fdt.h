/*
 * A guest's device tree, generated from scratch with libfdt's sequential-write API:
 * /memory, /cpus (PSCI), /psci (HVC), the GICv3, the architected timer, one PL011
 * console with its 24 MHz clock, /chosen and /aliases. Nothing of the real machine
 * appears in it. Portable; writes only into the caller's buffer.
 */
#ifndef PALISADE_GUEST_FDT_H
#define PALISADE_GUEST_FDT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "palisade/addr.h"
#include "palisade/linux_image.h"
#include "palisade/manifest.h"

/* The devices every guest sees, at the IPAs QEMU virt uses, so a guest kernel meets a
 * familiar machine. The hypervisor emulates them there. */
#define GUEST_GICD_IPA          0x08000000ull
#define GUEST_GICD_SIZE         0x00010000ull
#define GUEST_GICR_IPA          0x080a0000ull
#define GUEST_GICR_STRIDE       0x00020000ull   /* per vCPU: RD_base + SGI_base frames */
#define GUEST_UART_IPA          0x09000000ull
#define GUEST_UART_SIZE         0x00001000ull
#define GUEST_UART_SPI          1u              /* INTID 33 */
#define GUEST_UART_CLOCK_HZ     24000000u

#define GUEST_FDT_PHANDLE_GIC   1u
#define GUEST_FDT_PHANDLE_CLK   2u
#define GUEST_FDT_MAX_VCPUS     MANIFEST_MAX_VCPUS
#define GUEST_FDT_BOOTARGS_MAX  2048            /* Linux arm64 COMMAND_LINE_SIZE */

struct guest_fdt_config {
	ipaddr_t mem_base;
	uint64_t mem_size;
	unsigned vcpus;                 /* cpu@0 .. cpu@N-1, MPIDR Aff0 = index */
	ipaddr_t gicd_base;
	uint64_t gicd_size;
	ipaddr_t gicr_base;
	uint64_t gicr_size;             /* at least vcpus * GUEST_GICR_STRIDE */
	ipaddr_t uart_base;
	uint64_t uart_size;
	uint32_t uart_spi;              /* SPI number: INTID - 32 */
	const char *bootargs;           /* NULL or "": no bootargs property */
	bool has_initrd;
	ipaddr_t initrd_start;
	ipaddr_t initrd_end;            /* exclusive, as Linux reads linux,initrd-end */
};

/* Fills cfg for a manifest guest with the standard device IPAs above. */
void guest_fdt_config_init(struct guest_fdt_config *cfg, const struct manifest_vm *vm,
			   const struct vm_boot_layout *layout);

/*
 * Writes the device tree into buf (8-byte aligned, 'size' bytes) and checks the result
 * with fdt_check_full. Returns 0, or a negative pal_status_t with a reason in err:
 *   PAL_E_INVALID   the configuration is inconsistent (sizes, overlaps, counts, strings)
 *   PAL_E_NO_MEMORY the buffer is too small
 */
int guest_fdt_build(const struct guest_fdt_config *cfg, void *buf, size_t size,
		    char *err, size_t err_size);

#endif /* PALISADE_GUEST_FDT_H */
