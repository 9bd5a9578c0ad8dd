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

/* Where the hypervisor's reserved RAM starts and how large it is (image + page pool). */
uint64_t platform_hyp_reserved_base(void);
uint64_t platform_hyp_reserved_size(void);

#endif
