/*
 * The platform interface: what the core needs from a board. One implementation per
 * folder under hyp/platform/ (today: qemu-virt).
 */
#ifndef PALISADE_PLATFORM_H
#define PALISADE_PLATFORM_H

#include <stdint.h>

/* Console address to use before the device tree is parsed. */
uint64_t platform_early_console_base(void);
void platform_console_init(uint64_t base);
void platform_console_putc(char c);

/* Console input, for the hypervisor's console multiplexer: the UART's INTID, turning on
 * its receive interrupts, and reading one byte (-1 when none is waiting). */
uint32_t platform_console_irq(void);
void platform_console_rx_enable(void);
int platform_console_getc(void);
uint64_t platform_boot_cpu_mpidr(void);

/* The boot device tree's address, given what the boot loader left in x0 (0 if none). */
uint64_t platform_boot_dtb(uint64_t x0);

/*
 * The hypervisor's reserved RAM: the boot secrets page and the boot stage below the
 * image, then the image and the page pool. No VM ever maps any of it, and the host's
 * device tree leaves it out.
 */
uint64_t platform_hyp_reserved_base(void);
uint64_t platform_hyp_reserved_size(void);

/*
 * The boot secrets page (4 KiB, inside the reserved region): the platform puts the UDS
 * in its first 64 bytes and the boot stage writes the handoff block at
 * platform_boot_handoff(). 0 if the platform has none. docs/attestation.md section 6.
 */
uint64_t platform_boot_secrets_page(void);
uint64_t platform_boot_handoff(void);

#endif
