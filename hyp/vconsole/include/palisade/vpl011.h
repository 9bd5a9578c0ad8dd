/*
 * An emulated ARM PL011 UART (PrimeCell r1p5) for one VM's console.
 *
 * Portable (EL2 and host unit tests): the model knows nothing of traps, stage-2 or the
 * GIC. The integrator decodes a guest's MMIO abort into vpl011_mmio() and wires the two
 * callbacks: tx() receives every byte the guest transmits (in practice it calls
 * console_mux_output()), set_irq_level() drives the VM's level-triggered SPI.
 * docs/console.md describes the registers and where the model differs from hardware.
 *
 * Lock: struct vpl011.lock serialises all entry points. Both callbacks are invoked with
 * it held, so they must not call back into the same vpl011 (no vpl011_mmio(),
 * vpl011_rx_push(), ... on it). Lock order: console_mux input lock -> vpl011 lock ->
 * console_mux output lock -> physical console lock.
 */
#ifndef PALISADE_VPL011_H
#define PALISADE_VPL011_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <palisade/spinlock.h>

#define VPL011_MMIO_SIZE  0x1000u  /* the register window a VM's device tree must give */
#define VPL011_FIFO_DEPTH 32u      /* r1p5 FIFOs; Linux derives 32 from the revision */

/* Register offsets. */
#define VPL011_DR      0x000u
#define VPL011_RSR     0x004u  /* read: RSR; write: ECR */
#define VPL011_FR      0x018u
#define VPL011_ILPR    0x020u
#define VPL011_IBRD    0x024u
#define VPL011_FBRD    0x028u
#define VPL011_LCR_H   0x02cu
#define VPL011_CR      0x030u
#define VPL011_IFLS    0x034u
#define VPL011_IMSC    0x038u
#define VPL011_RIS     0x03cu
#define VPL011_MIS     0x040u
#define VPL011_ICR     0x044u
#define VPL011_DMACR   0x048u
#define VPL011_PERIPHID0 0xfe0u
#define VPL011_PCELLID0  0xff0u

/* UARTFR */
#define VPL011_FR_CTS  (1u << 0)
#define VPL011_FR_DSR  (1u << 1)
#define VPL011_FR_DCD  (1u << 2)
#define VPL011_FR_BUSY (1u << 3)
#define VPL011_FR_RXFE (1u << 4)
#define VPL011_FR_TXFF (1u << 5)
#define VPL011_FR_RXFF (1u << 6)
#define VPL011_FR_TXFE (1u << 7)
#define VPL011_FR_RI   (1u << 8)

/* UARTRSR/UARTECR */
#define VPL011_RSR_OE  (1u << 3)

/* UARTLCR_H */
#define VPL011_LCR_H_FEN (1u << 4)

/* UARTCR */
#define VPL011_CR_UARTEN (1u << 0)
#define VPL011_CR_LBE    (1u << 7)
#define VPL011_CR_TXE    (1u << 8)
#define VPL011_CR_RXE    (1u << 9)

/* Interrupt bits: UARTIMSC, UARTRIS, UARTMIS, UARTICR */
#define VPL011_INT_RI  (1u << 0)
#define VPL011_INT_CTS (1u << 1)
#define VPL011_INT_DCD (1u << 2)
#define VPL011_INT_DSR (1u << 3)
#define VPL011_INT_RX  (1u << 4)
#define VPL011_INT_TX  (1u << 5)
#define VPL011_INT_RT  (1u << 6)
#define VPL011_INT_FE  (1u << 7)
#define VPL011_INT_PE  (1u << 8)
#define VPL011_INT_BE  (1u << 9)
#define VPL011_INT_OE  (1u << 10)
#define VPL011_INT_ALL 0x7ffu

struct vpl011_ops {
	/* A byte the guest transmitted (not called in loopback mode). */
	void (*tx)(void *cookie, uint8_t c);
	/* The interrupt line changed level (called only on a change). */
	void (*set_irq_level)(void *cookie, bool level);
};

/* Caller-allocated; treat the fields as private and use the functions below. */
struct vpl011 {
	spinlock_t lock;
	const struct vpl011_ops *ops;
	void *cookie;

	uint8_t rx_fifo[VPL011_FIFO_DEPTH];
	uint8_t rx_head;        /* index of the oldest byte */
	uint8_t rx_count;

	uint16_t cr;
	uint16_t imsc;
	uint16_t ris;
	uint16_t ibrd;
	uint8_t fbrd;
	uint8_t lcr_h;
	uint8_t ifls;
	uint8_t ilpr;
	uint8_t dmacr;
	uint8_t rsr;
	bool irq_level;

	uint64_t tx_bytes;      /* bytes handed to ops->tx */
	uint64_t rx_bytes;      /* bytes accepted into the RX FIFO */
	uint64_t rx_dropped;    /* bytes refused because the RX FIFO was full */
};

struct vpl011_stats {
	uint64_t tx_bytes;
	uint64_t rx_bytes;
	uint64_t rx_dropped;
};

/*
 * Put the UART in its reset state (as the hardware after reset: disabled, FIFOs off,
 * baud divisors zero). ops->tx and ops->set_irq_level must be non-NULL.
 * Returns PAL_OK or PAL_E_INVALID.
 */
int vpl011_init(struct vpl011 *u, const struct vpl011_ops *ops, void *cookie);

/*
 * Reset the registers and the RX FIFO (a guest reboot) keeping ops, cookie and
 * statistics. Lowers the interrupt line if it was high.
 */
void vpl011_reset(struct vpl011 *u);

/*
 * One guest access at `offset` within the VPL011_MMIO_SIZE window. size is 1, 2 or 4
 * and offset must be a multiple of it. For a read, *value receives the zero-extended
 * data (sign extension, if the instruction asks for it, is the integrator's); for a
 * write, the low `size` bytes of *value are written.
 * Returns PAL_OK; PAL_E_INVALID for a size or alignment the bus cannot take, or a NULL
 * value; PAL_E_RANGE for an offset outside the window. On error nothing changed and
 * the integrator should inject a synchronous external abort into the guest.
 */
int vpl011_mmio(struct vpl011 *u, uint64_t offset, unsigned size, bool write, uint64_t *value);

/*
 * Deliver one received byte into the RX FIFO. Returns false when the FIFO is full:
 * the byte is dropped and counted, and the overrun error (RSR.OE, RIS.OEIS) is raised
 * as the hardware would.
 */
bool vpl011_rx_push(struct vpl011 *u, uint8_t c);

/* Current level of the interrupt line (UARTMIS != 0). */
bool vpl011_irq_level(struct vpl011 *u);

void vpl011_get_stats(struct vpl011 *u, struct vpl011_stats *out);

#endif /* PALISADE_VPL011_H */
