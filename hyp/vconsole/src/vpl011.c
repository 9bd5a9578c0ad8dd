/*
 * Emulated PL011: see palisade/vpl011.h and docs/console.md.
 *
 * Transmission is instant (the byte goes to ops->tx during the DR write), so the TX
 * FIFO is always empty: FR.TXFE set, TXFF and BUSY clear. The RX FIFO is real and
 * VPL011_FIFO_DEPTH deep (1 deep while LCR_H.FEN is clear, as on hardware).
 * Lock: u->lock; the callbacks run with it held.
 */
#include <string.h>

#include "palisade/error.h"
#include "palisade/vpl011.h"

/* Hardware reset values (PL011 TRM r1p5). */
#define CR_RESET   (VPL011_CR_TXE | VPL011_CR_RXE)
#define IFLS_RESET 0x12u  /* both FIFOs at 1/2 */

/* Writable bits of each register. CR bits 6:3 are reserved in r1p5. */
#define CR_MASK    0xff87u
#define IBRD_MASK  0xffffu
#define FBRD_MASK  0x3fu
#define IFLS_MASK  0x3fu
#define DMACR_MASK 0x7u

/* Modem inputs as a terminal would drive them: carrier, DSR and CTS present. */
#define FR_MODEM (VPL011_FR_CTS | VPL011_FR_DSR | VPL011_FR_DCD)

/* ARM PL011 r1p5: Linux's AMBA bus reads these to bind amba-pl011 (revision 3). */
static const uint8_t periph_id[4] = { 0x11, 0x10, 0x34, 0x00 };
static const uint8_t cell_id[4] = { 0x0d, 0xf0, 0x05, 0xb1 };

static unsigned rx_depth(const struct vpl011 *u)
{
	return (u->lcr_h & VPL011_LCR_H_FEN) ? VPL011_FIFO_DEPTH : 1;
}

/* RX FIFO level at which RXIS is raised (UARTIFLS.RXIFLSEL). */
static unsigned rx_trigger(const struct vpl011 *u)
{
	static const uint8_t eighths[8] = { 1, 2, 4, 6, 7, 4, 4, 4 };  /* 5..7 reserved */

	if (!(u->lcr_h & VPL011_LCR_H_FEN))
		return 1;
	return VPL011_FIFO_DEPTH * eighths[(u->ifls >> 3) & 7] / 8;
}

static bool tx_enabled(uint16_t cr)
{
	return (cr & VPL011_CR_UARTEN) && (cr & VPL011_CR_TXE);
}

static void update_irq(struct vpl011 *u)
{
	bool level = (u->ris & u->imsc) != 0;

	if (level != u->irq_level) {
		u->irq_level = level;
		u->ops->set_irq_level(u->cookie, level);
	}
}

static bool rx_in(struct vpl011 *u, uint8_t c)
{
	if (u->rx_count >= rx_depth(u)) {
		/* Overrun: the hardware keeps the FIFO and loses the new byte. */
		u->rx_dropped++;
		u->rsr |= VPL011_RSR_OE;
		u->ris |= VPL011_INT_OE;
		return false;
	}
	u->rx_fifo[(u->rx_head + u->rx_count) % VPL011_FIFO_DEPTH] = c;
	u->rx_count++;
	u->rx_bytes++;
	if (u->rx_count >= rx_trigger(u))
		u->ris |= VPL011_INT_RX;
	/*
	 * No clock here, so the receive timeout "expires" at once: a non-empty FIFO always
	 * raises RTIS and a driver waiting for the trigger level still drains a short input.
	 */
	u->ris |= VPL011_INT_RT;
	return true;
}

static uint32_t rx_pop(struct vpl011 *u)
{
	uint8_t c;

	if (!u->rx_count)
		return 0;
	c = u->rx_fifo[u->rx_head];
	u->rx_head = (u->rx_head + 1) % VPL011_FIFO_DEPTH;
	u->rx_count--;
	if (u->rx_count < rx_trigger(u))
		u->ris &= ~VPL011_INT_RX;
	if (!u->rx_count)
		u->ris &= ~VPL011_INT_RT;
	return c;  /* error bits 11:8 are always clear: the link has no errors */
}

static uint32_t read_fr(const struct vpl011 *u)
{
	uint32_t fr = VPL011_FR_TXFE | FR_MODEM;

	if (!u->rx_count)
		fr |= VPL011_FR_RXFE;
	if (u->rx_count >= rx_depth(u))
		fr |= VPL011_FR_RXFF;
	return fr;
}

/* A full register read; pop says whether a DR read consumes the byte. */
static uint32_t read_reg(struct vpl011 *u, uint32_t reg, bool pop)
{
	if (reg >= VPL011_PERIPHID0 && reg < VPL011_PCELLID0)
		return periph_id[(reg - VPL011_PERIPHID0) / 4];
	if (reg >= VPL011_PCELLID0)
		return cell_id[(reg - VPL011_PCELLID0) / 4];

	switch (reg) {
	case VPL011_DR:
		return pop ? rx_pop(u) : 0;
	case VPL011_RSR:
		return u->rsr;
	case VPL011_FR:
		return read_fr(u);
	case VPL011_ILPR:
		return u->ilpr;
	case VPL011_IBRD:
		return u->ibrd;
	case VPL011_FBRD:
		return u->fbrd;
	case VPL011_LCR_H:
		return u->lcr_h;
	case VPL011_CR:
		return u->cr;
	case VPL011_IFLS:
		return u->ifls;
	case VPL011_IMSC:
		return u->imsc;
	case VPL011_RIS:
		return u->ris;
	case VPL011_MIS:
		return u->ris & u->imsc;
	case VPL011_DMACR:
		return u->dmacr;
	default:
		return 0;  /* ICR is write-only; reserved offsets read as zero */
	}
}

/* Merge the written bytes (mask) of val into a register's current value. */
static uint32_t merge(uint32_t cur, uint32_t val, uint32_t mask)
{
	return (cur & ~mask) | (val & mask);
}

static void write_reg(struct vpl011 *u, uint32_t reg, uint32_t val, uint32_t mask)
{
	bool was_enabled;

	switch (reg) {
	case VPL011_DR:
		if (!(mask & 0xff))
			break;  /* only the data byte transmits; bits 11:8 are read-only */
		if (u->cr & VPL011_CR_LBE) {
			rx_in(u, (uint8_t)val);
		} else {
			u->ops->tx(u->cookie, (uint8_t)val);
			u->tx_bytes++;
		}
		/* The byte left at once: the TX FIFO is back below its trigger level. */
		u->ris |= VPL011_INT_TX;
		break;
	case VPL011_RSR:
		u->rsr = 0;  /* ECR: any write clears the error flags */
		break;
	case VPL011_ILPR:
		u->ilpr = (uint8_t)merge(u->ilpr, val, mask);
		break;
	case VPL011_IBRD:
		u->ibrd = (uint16_t)(merge(u->ibrd, val, mask) & IBRD_MASK);
		break;
	case VPL011_FBRD:
		u->fbrd = (uint8_t)(merge(u->fbrd, val, mask) & FBRD_MASK);
		break;
	case VPL011_LCR_H:
		u->lcr_h = (uint8_t)merge(u->lcr_h, val, mask);
		break;
	case VPL011_CR:
		was_enabled = tx_enabled(u->cr);
		u->cr = (uint16_t)(merge(u->cr, val, mask) & CR_MASK);
		/* An enabled, empty transmitter is below any trigger level. */
		if (!was_enabled && tx_enabled(u->cr))
			u->ris |= VPL011_INT_TX;
		break;
	case VPL011_IFLS:
		u->ifls = (uint8_t)(merge(u->ifls, val, mask) & IFLS_MASK);
		break;
	case VPL011_IMSC:
		u->imsc = (uint16_t)(merge(u->imsc, val, mask) & VPL011_INT_ALL);
		break;
	case VPL011_ICR:
		u->ris &= (uint16_t)~(val & mask & VPL011_INT_ALL);
		break;
	case VPL011_DMACR:
		/* Kept for read-back; there is no DMA engine behind it. */
		u->dmacr = (uint8_t)(merge(u->dmacr, val, mask) & DMACR_MASK);
		break;
	default:
		break;  /* FR, RIS, MIS, IDs are read-only; reserved offsets ignore writes */
	}
}

static void reset_regs(struct vpl011 *u)
{
	u->rx_head = 0;
	u->rx_count = 0;
	u->cr = CR_RESET;
	u->ifls = IFLS_RESET;
	u->imsc = 0;
	u->ris = 0;
	u->ibrd = 0;
	u->fbrd = 0;
	u->lcr_h = 0;
	u->ilpr = 0;
	u->dmacr = 0;
	u->rsr = 0;
}

int vpl011_init(struct vpl011 *u, const struct vpl011_ops *ops, void *cookie)
{
	if (!u || !ops || !ops->tx || !ops->set_irq_level)
		return PAL_E_INVALID;
	memset(u, 0, sizeof(*u));
	u->lock = (spinlock_t)SPINLOCK_INIT;
	u->ops = ops;
	u->cookie = cookie;
	reset_regs(u);
	return PAL_OK;
}

void vpl011_reset(struct vpl011 *u)
{
	spin_lock(&u->lock);
	reset_regs(u);
	update_irq(u);
	spin_unlock(&u->lock);
}

int vpl011_mmio(struct vpl011 *u, uint64_t offset, unsigned size, bool write, uint64_t *value)
{
	uint32_t reg, shift, mask;

	if (!value || (size != 1 && size != 2 && size != 4) || (offset & (size - 1)))
		return PAL_E_INVALID;
	if (offset >= VPL011_MMIO_SIZE)
		return PAL_E_RANGE;

	/*
	 * The PL011 sits on a 32-bit APB bus and decodes PADDR[11:2]: a narrower access
	 * addresses the whole register. Reads return the addressed bytes; writes change
	 * only them (every PL011 register is at most 16 bits, the rest reserved).
	 */
	reg = (uint32_t)offset & ~3u;
	shift = ((uint32_t)offset & 3u) * 8;
	mask = (size == 4 ? 0xffffffffu : ((1u << (size * 8)) - 1)) << shift;

	spin_lock(&u->lock);
	if (write) {
		write_reg(u, reg, (uint32_t)*value << shift, mask);
	} else {
		/* A DR read pops only if it covers the data byte. */
		uint32_t v = read_reg(u, reg, shift == 0);

		*value = (v & mask) >> shift;
	}
	update_irq(u);
	spin_unlock(&u->lock);
	return PAL_OK;
}

bool vpl011_rx_push(struct vpl011 *u, uint8_t c)
{
	bool ok;

	spin_lock(&u->lock);
	ok = rx_in(u, c);
	update_irq(u);
	spin_unlock(&u->lock);
	return ok;
}

bool vpl011_irq_level(struct vpl011 *u)
{
	bool level;

	spin_lock(&u->lock);
	level = u->irq_level;
	spin_unlock(&u->lock);
	return level;
}

void vpl011_get_stats(struct vpl011 *u, struct vpl011_stats *out)
{
	spin_lock(&u->lock);
	out->tx_bytes = u->tx_bytes;
	out->rx_bytes = u->rx_bytes;
	out->rx_dropped = u->rx_dropped;
	spin_unlock(&u->lock);
}
