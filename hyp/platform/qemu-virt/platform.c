/*
 * QEMU 'virt' board: PL011 console and the hypervisor's reserved RAM.
 * The reserved region [0x40100000, 0x40900000) holds the boot secrets page (UDS placed
 * by QEMU's -device loader, then the boot stage's handoff block), the boot stage
 * (0x40110000), and from 0x40200000 (hyp.ld's link address) the image followed by the
 * page pool; the boot code checks it lies in RAM. docs/attestation.md section 6.
 */
#include <stdint.h>
#include "palisade/platform.h"

#define VIRT_UART0          0x09000000ull
#define VIRT_RAM_BASE       0x40000000ull
#define FDT_MAGIC_BE        0xedfe0dd0u   /* 0xd00dfeed as read little-endian */
#define HYP_RESERVED_BASE   0x40100000ull
#define HYP_RESERVED_SIZE   (8ull << 20)
#define BOOT_SECRETS_PAGE   0x40100000ull   /* UDS at +0 */
#define BOOT_HANDOFF        0x40100800ull

#define PL011_DR    0x00
#define PL011_FR    0x18
#define PL011_IMSC  0x38
#define PL011_ICR   0x44
#define PL011_FR_TXFF (1u << 5)
#define PL011_FR_RXFE (1u << 4)
#define PL011_INT_RX  ((1u << 4) | (1u << 6))   /* RXIM | RTIM */
#define VIRT_UART0_INTID 33                       /* SPI 1 on QEMU virt */

static volatile uint32_t *uart;

uint64_t platform_early_console_base(void) { return VIRT_UART0; }

void platform_console_init(uint64_t base)
{
	uart = (volatile uint32_t *)(uintptr_t)base;
}

/* The wait for FIFO room is bounded: when the host owns the UART it can stall it (a
 * full FIFO, a disabled UART), and this runs under the console lock with interrupts
 * masked. A character that cannot go out in time is dropped, never waited for. */
#define PL011_TX_SPINS 100000u

void platform_console_putc(char c)
{
	unsigned spins = 0;

	if (!uart)
		return;
	while (uart[PL011_FR / 4] & PL011_FR_TXFF)
		if (++spins == PL011_TX_SPINS)
			return;
	uart[PL011_DR / 4] = (uint8_t)c;
}

/*
 * QEMU passes the DTB in x0 only to Linux-style images; for an ELF it places the DTB
 * at the start of RAM (below the image) and leaves x0 zero.
 */
uint64_t platform_boot_dtb(uint64_t x0)
{
	if (x0)
		return x0;
	if (*(volatile uint32_t *)(uintptr_t)VIRT_RAM_BASE == FDT_MAGIC_BE)
		return VIRT_RAM_BASE;
	return 0;
}

uint32_t platform_console_irq(void) { return VIRT_UART0_INTID; }

void platform_console_rx_enable(void)
{
	uart[PL011_ICR / 4] = 0x7ff;
	uart[PL011_IMSC / 4] = PL011_INT_RX;
}

int platform_console_getc(void)
{
	if (!uart || (uart[PL011_FR / 4] & PL011_FR_RXFE))
		return -1;
	return (int)(uart[PL011_DR / 4] & 0xff);
}

uint64_t platform_boot_cpu_mpidr(void) { return 0; }

uint64_t platform_hyp_reserved_base(void) { return HYP_RESERVED_BASE; }
uint64_t platform_hyp_reserved_size(void) { return HYP_RESERVED_SIZE; }
uint64_t platform_boot_secrets_page(void) { return BOOT_SECRETS_PAGE; }
uint64_t platform_boot_handoff(void) { return BOOT_HANDOFF; }
