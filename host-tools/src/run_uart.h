/*
 * The pVM's console as `palisade run` emulates it: an Arm PL011 (PrimeCell UART) at the
 * guest address 0x09000000, reached through MMIO exits of VCPU_RUN. Portable (no I/O):
 * the caller serialises the calls, sends transmitted bytes where it likes through
 * 'tx', and raises the interrupt line (INTID 33) through 'irq' when its level changes.
 *
 * Modelled: DR, RSR/ECR, FR, ILPR, IBRD, FBRD, LCR_H, CR, IFLS, IMSC, RIS, MIS, ICR,
 * DMACR and the PrimeCell ID registers 0xFE0-0xFFC (0x11 0x10 0x14 0x00, 0x0d 0xf0 0x05
 * 0xb1, as QEMU's pl011). Transmission is instant (TX FIFO always empty, never busy);
 * receive has a 32-byte FIFO. Interrupts: RX and RX-timeout are asserted while the
 * receive FIFO holds data (the way QEMU's model makes Linux's driver read it), TX is
 * latched by each write to DR and cleared through ICR. Error and modem interrupts never
 * assert. Unknown offsets read as zero and ignore writes.
 */
#ifndef PALISADE_RUN_UART_H
#define PALISADE_RUN_UART_H

#include <stdbool.h>
#include <stdint.h>

#define PL011_BASE      0x09000000ull
#define PL011_SIZE      0x1000ull
#define PL011_INTID     33u
#define PL011_RX_FIFO   32u

#define PL011_DR        0x000
#define PL011_RSR       0x004
#define PL011_FR        0x018
#define PL011_ILPR      0x020
#define PL011_IBRD      0x024
#define PL011_FBRD      0x028
#define PL011_LCRH      0x02c
#define PL011_CR        0x030
#define PL011_IFLS      0x034
#define PL011_IMSC      0x038
#define PL011_RIS       0x03c
#define PL011_MIS       0x040
#define PL011_ICR       0x044
#define PL011_DMACR     0x048

#define PL011_FR_RXFE   (1u << 4)
#define PL011_FR_TXFF   (1u << 5)
#define PL011_FR_RXFF   (1u << 6)
#define PL011_FR_TXFE   (1u << 7)

#define PL011_INT_RX    (1u << 4)
#define PL011_INT_TX    (1u << 5)
#define PL011_INT_RT    (1u << 6)
#define PL011_INT_ALL   0x7ffu

struct pl011 {
	uint8_t rx[PL011_RX_FIFO];
	unsigned rx_head, rx_count;
	uint32_t cr, lcrh, ibrd, fbrd, ifls, imsc, dmacr, ilpr;
	uint32_t tx_latch;              /* INT_TX until cleared */
	int level;                      /* last level sent through irq */
	void (*tx)(void *ctx, uint8_t c);
	int (*irq)(void *ctx, int level);
	void *ctx;
};

void pl011_init(struct pl011 *u, void (*tx)(void *, uint8_t), int (*irq)(void *, int),
		void *ctx);
/* A guest access at offset 'off' (0..0xfff) of 'size' bytes. */
uint64_t pl011_read(struct pl011 *u, uint64_t off, unsigned size);
void pl011_write(struct pl011 *u, uint64_t off, unsigned size, uint64_t value);
/* A byte from the host's input; false (nothing changed) when the FIFO is full. */
bool pl011_receive(struct pl011 *u, uint8_t c);
uint32_t pl011_ris(const struct pl011 *u);

#endif
