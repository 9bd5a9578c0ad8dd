/* The emulated PL011 of `palisade run`: see run_uart.h. */
#include <string.h>
#include "run_uart.h"

static const uint8_t pl011_id[8] = { 0x11, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1 };

uint32_t pl011_ris(const struct pl011 *u)
{
	uint32_t ris = u->tx_latch;

	if (u->rx_count)
		ris |= PL011_INT_RX | PL011_INT_RT;
	return ris;
}

static void update_irq(struct pl011 *u)
{
	int level = (pl011_ris(u) & u->imsc) != 0;

	if (level != u->level && u->irq && u->irq(u->ctx, level) == 0)
		u->level = level;
}

void pl011_init(struct pl011 *u, void (*tx)(void *, uint8_t), int (*irq)(void *, int),
		void *ctx)
{
	memset(u, 0, sizeof(*u));
	u->cr = 0x300;                  /* TXE | RXE, as after reset */
	u->ifls = 0x12;
	u->tx = tx;
	u->irq = irq;
	u->ctx = ctx;
}

uint64_t pl011_read(struct pl011 *u, uint64_t off, unsigned size)
{
	uint64_t v = 0;

	(void)size;
	switch (off) {
	case PL011_DR:
		if (u->rx_count) {
			v = u->rx[u->rx_head];
			u->rx_head = (u->rx_head + 1) % PL011_RX_FIFO;
			u->rx_count--;
			update_irq(u);
		}
		break;
	case PL011_FR:
		v = PL011_FR_TXFE;
		if (!u->rx_count)
			v |= PL011_FR_RXFE;
		if (u->rx_count == PL011_RX_FIFO)
			v |= PL011_FR_RXFF;
		break;
	case PL011_ILPR: v = u->ilpr; break;
	case PL011_IBRD: v = u->ibrd; break;
	case PL011_FBRD: v = u->fbrd; break;
	case PL011_LCRH: v = u->lcrh; break;
	case PL011_CR:   v = u->cr; break;
	case PL011_IFLS: v = u->ifls; break;
	case PL011_IMSC: v = u->imsc; break;
	case PL011_RIS:  v = pl011_ris(u); break;
	case PL011_MIS:  v = pl011_ris(u) & u->imsc; break;
	case PL011_DMACR: v = u->dmacr; break;
	default:
		if (off >= 0xfe0 && off <= 0xffc && !(off & 3))
			v = pl011_id[(off - 0xfe0) >> 2];
		break;
	}
	return v;
}

void pl011_write(struct pl011 *u, uint64_t off, unsigned size, uint64_t value)
{
	uint32_t v = (uint32_t)value;

	(void)size;
	switch (off) {
	case PL011_DR:
		if (u->tx)
			u->tx(u->ctx, (uint8_t)v);
		u->tx_latch = PL011_INT_TX;
		break;
	case PL011_RSR:  break;                 /* clears errors: there are none */
	case PL011_ILPR: u->ilpr = v & 0xff; break;
	case PL011_IBRD: u->ibrd = v & 0xffff; break;
	case PL011_FBRD: u->fbrd = v & 0x3f; break;
	case PL011_LCRH: u->lcrh = v & 0xff; break;
	case PL011_CR:   u->cr = v & 0xffff; break;
	case PL011_IFLS: u->ifls = v & 0x3f; break;
	case PL011_IMSC: u->imsc = v & PL011_INT_ALL; break;
	case PL011_ICR:
		if (v & PL011_INT_TX)
			u->tx_latch = 0;
		break;
	case PL011_DMACR: u->dmacr = v & 7; break;
	default: break;
	}
	update_irq(u);
}

bool pl011_receive(struct pl011 *u, uint8_t c)
{
	if (u->rx_count == PL011_RX_FIFO)
		return false;
	u->rx[(u->rx_head + u->rx_count) % PL011_RX_FIFO] = c;
	u->rx_count++;
	update_irq(u);
	return true;
}
