/*
 * Unit tests of the emulated PL011: what Linux 6.1's amba-pl011 driver and earlycon do
 * to it (accesses sized as they are there: the AMBA bus probe uses readl, the driver
 * readw/writew for ARM's PL011, earlycon writeb to DR and readl of FR), the interrupt
 * model, the FIFO limits and the bus errors.
 */
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "palisade/error.h"
#include "palisade/vpl011.h"

/* The sink and the interrupt line, as the integrator's callbacks would see them. */
struct env {
	struct vpl011 u;
	char out[4096];
	size_t out_len;
	bool level;
	unsigned irq_changes;
};

static void sink_tx(void *cookie, uint8_t c)
{
	struct env *e = cookie;

	if (e->out_len < sizeof(e->out))
		e->out[e->out_len++] = (char)c;
}

static void sink_irq(void *cookie, bool level)
{
	struct env *e = cookie;

	assert_true(level != e->level);  /* called only on a change */
	e->level = level;
	e->irq_changes++;
}

static const struct vpl011_ops ops = { .tx = sink_tx, .set_irq_level = sink_irq };

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));

	assert_non_null(e);
	assert_int_equal(vpl011_init(&e->u, &ops, e), PAL_OK);
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	free(*state);
	return 0;
}

static uint32_t rd(struct env *e, uint64_t off, unsigned size)
{
	uint64_t v = 0xdeadbeefdeadbeefull;

	assert_int_equal(vpl011_mmio(&e->u, off, size, false, &v), PAL_OK);
	assert_true(size == 8 || v < (1ull << (size * 8)));
	return (uint32_t)v;
}

static void wr(struct env *e, uint64_t off, unsigned size, uint64_t v)
{
	assert_int_equal(vpl011_mmio(&e->u, off, size, true, &v), PAL_OK);
}

/* Linux: pl011_read/pl011_write with iotype UPIO_MEM (16-bit) for ARM's PL011. */
static uint32_t readw(struct env *e, uint64_t off) { return rd(e, off, 2); }
static void writew(struct env *e, uint64_t off, uint32_t v) { wr(e, off, 2, v); }

/* ---- probe and setup ---- */

static void test_init_rejects_bad_ops(void **state)
{
	struct env *e = *state;
	struct vpl011_ops no_tx = { .set_irq_level = sink_irq };
	struct vpl011_ops no_irq = { .tx = sink_tx };

	assert_int_equal(vpl011_init(&e->u, NULL, e), PAL_E_INVALID);
	assert_int_equal(vpl011_init(&e->u, &no_tx, e), PAL_E_INVALID);
	assert_int_equal(vpl011_init(&e->u, &no_irq, e), PAL_E_INVALID);
	assert_int_equal(vpl011_init(NULL, &ops, e), PAL_E_INVALID);
}

/* drivers/amba/bus.c: amba_read_periphid() reads the last 32 bytes with readl. */
static void test_amba_probe_ids(void **state)
{
	struct env *e = *state;
	uint32_t pid = 0, cid = 0;

	for (int i = 0; i < 4; i++) {
		pid |= (rd(e, VPL011_MMIO_SIZE - 0x20 + 4 * i, 4) & 255) << (i * 8);
		cid |= (rd(e, VPL011_MMIO_SIZE - 0x10 + 4 * i, 4) & 255) << (i * 8);
	}
	assert_int_equal(cid, 0xb105f00d);             /* AMBA_CID */
	assert_int_equal(pid, 0x00341011);
	assert_int_equal(pid & 0x000fffff, 0x00041011); /* amba-pl011's id for ARM's PL011 */
	assert_int_equal((pid >> 20) & 0xf, 3);         /* revision 3 (r1p5): 32-deep FIFOs */
	/* Byte and halfword reads of an ID register see the same value. */
	assert_int_equal(rd(e, 0xfe8, 1), 0x34);
	assert_int_equal(rd(e, 0xff0, 2), 0x0d);
	assert_int_equal(rd(e, 0xffc, 4), 0xb1);
	assert_int_equal(e->irq_changes, 0);
}

static void test_reset_values(void **state)
{
	struct env *e = *state;

	assert_int_equal(readw(e, VPL011_CR), VPL011_CR_TXE | VPL011_CR_RXE);
	assert_int_equal(readw(e, VPL011_IFLS), 0x12);
	assert_int_equal(readw(e, VPL011_FR) & 0xf8, VPL011_FR_TXFE | VPL011_FR_RXFE);
	assert_int_equal(readw(e, VPL011_IMSC), 0);
	assert_int_equal(readw(e, VPL011_RIS), 0);
	assert_int_equal(readw(e, VPL011_LCR_H), 0);
	/*
	 * UARTEN is clear: pl011_console_get_options() divides by IBRD/FBRD (both zero
	 * here) only when it finds the UART enabled.
	 */
	assert_false(readw(e, VPL011_CR) & VPL011_CR_UARTEN);
	assert_false(vpl011_irq_level(&e->u));
}

/* pl011_hwinit, pl011_startup, pl011_set_termios and pl011_enable_interrupts. */
static void linux_startup(struct env *e)
{
	uint32_t cr, lcr_h;

	/* pl011_hwinit */
	writew(e, VPL011_ICR, VPL011_INT_OE | VPL011_INT_BE | VPL011_INT_PE | VPL011_INT_FE |
	       VPL011_INT_RT | VPL011_INT_RX);
	(void)readw(e, VPL011_IMSC);
	writew(e, VPL011_IMSC, VPL011_INT_RT | VPL011_INT_RX);
	/* pl011_startup */
	writew(e, VPL011_IFLS, 0x12);  /* RX4_8 | TX4_8 */
	cr = readw(e, VPL011_CR);
	cr &= (1u << 11) | (1u << 10);  /* RTS | DTR */
	cr |= VPL011_CR_UARTEN | VPL011_CR_RXE | VPL011_CR_TXE;
	writew(e, VPL011_CR, cr);
	(void)readw(e, VPL011_FR);
	/* pl011_set_termios: 115200 8N1 with FIFOs at uartclk 24 MHz */
	cr = readw(e, VPL011_CR);
	writew(e, VPL011_CR, 0);
	writew(e, VPL011_FBRD, 1);
	writew(e, VPL011_IBRD, 13);
	lcr_h = (3u << 5) | VPL011_LCR_H_FEN;  /* WLEN_8 | FEN */
	writew(e, VPL011_LCR_H, lcr_h);
	writew(e, VPL011_CR, cr);
	/* pl011_enable_interrupts */
	writew(e, VPL011_ICR, VPL011_INT_RT | VPL011_INT_RX);
	for (int i = 0; i < 2 * 32; i++) {
		if (readw(e, VPL011_FR) & VPL011_FR_RXFE)
			break;
		(void)readw(e, VPL011_DR);
	}
	writew(e, VPL011_IMSC, VPL011_INT_RT | VPL011_INT_RX);
}

static void test_linux_probe_and_startup(void **state)
{
	struct env *e = *state;

	linux_startup(e);
	assert_int_equal(readw(e, VPL011_IBRD), 13);
	assert_int_equal(readw(e, VPL011_FBRD), 1);
	assert_int_equal(readw(e, VPL011_LCR_H), (3u << 5) | VPL011_LCR_H_FEN);
	assert_int_equal(readw(e, VPL011_CR),
			 VPL011_CR_UARTEN | VPL011_CR_TXE | VPL011_CR_RXE);
	assert_int_equal(readw(e, VPL011_IMSC), VPL011_INT_RT | VPL011_INT_RX);
	/* Enabling the transmitter raised TXIS, masked: the line stays low. */
	assert_int_equal(readw(e, VPL011_RIS), VPL011_INT_TX);
	assert_int_equal(readw(e, VPL011_MIS), 0);
	assert_false(e->level);
	assert_int_equal(e->irq_changes, 0);
	/* Field widths: FBRD is 6 bits, IBRD 16, IFLS 6, IMSC 11, CR has no bits 6:3. */
	wr(e, VPL011_FBRD, 4, 0xffffffff);
	assert_int_equal(rd(e, VPL011_FBRD, 4), 0x3f);
	wr(e, VPL011_IBRD, 4, 0xffffffff);
	assert_int_equal(rd(e, VPL011_IBRD, 4), 0xffff);
	wr(e, VPL011_IFLS, 4, 0xffffffff);
	assert_int_equal(rd(e, VPL011_IFLS, 4), 0x3f);
	wr(e, VPL011_CR, 4, 0xffffffff);
	assert_int_equal(rd(e, VPL011_CR, 4), 0xff87);
	wr(e, VPL011_DMACR, 4, 0xffffffff);
	assert_int_equal(rd(e, VPL011_DMACR, 4), 0x7);
	wr(e, VPL011_ILPR, 4, 0x1ff);
	assert_int_equal(rd(e, VPL011_ILPR, 4), 0xff);
}

/* ---- transmit ---- */

/* earlycon=pl011,<addr>: readl FR until !TXFF, writeb DR, readl FR until !BUSY. */
static void test_earlycon_tx_before_enable(void **state)
{
	struct env *e = *state;
	const char *msg = "Booting Linux\r\n";

	for (const char *p = msg; *p; p++) {
		assert_false(rd(e, VPL011_FR, 4) & VPL011_FR_TXFF);
		wr(e, VPL011_DR, 1, (uint8_t)*p);
		assert_false(rd(e, VPL011_FR, 4) & VPL011_FR_BUSY);
	}
	assert_int_equal(e->out_len, strlen(msg));
	assert_memory_equal(e->out, msg, strlen(msg));
	/* earlycon=pl011,mmio32,<addr> uses writel. */
	wr(e, VPL011_DR, 4, 0x100 | 'x');  /* bits above the data byte are ignored */
	assert_int_equal(e->out[e->out_len - 1], 'x');
}

static void test_tx_bytes_reach_sink(void **state)
{
	struct env *e = *state;
	struct vpl011_stats st;

	linux_startup(e);
	for (int i = 0; i < 256; i++) {
		assert_false(readw(e, VPL011_FR) & VPL011_FR_TXFF);
		writew(e, VPL011_DR, (uint32_t)i);
	}
	assert_int_equal(e->out_len, 256);
	for (int i = 0; i < 256; i++)
		assert_int_equal((uint8_t)e->out[i], i);
	assert_true(readw(e, VPL011_FR) & VPL011_FR_TXFE);
	vpl011_get_stats(&e->u, &st);
	assert_int_equal(st.tx_bytes, 256);
	/* A write to the upper half of DR transmits nothing (bits 31:16 are reserved). */
	wr(e, VPL011_DR + 2, 2, 'y');
	wr(e, VPL011_DR + 1, 1, 'y');
	assert_int_equal(e->out_len, 256);
}

static void test_tx_interrupt_raise_and_clear(void **state)
{
	struct env *e = *state;

	linux_startup(e);
	assert_true(readw(e, VPL011_RIS) & VPL011_INT_TX);
	/* pl011_start_tx_pio: enable TXIM -> the line goes up. */
	writew(e, VPL011_IMSC, VPL011_INT_RT | VPL011_INT_RX | VPL011_INT_TX);
	assert_true(e->level);
	assert_true(vpl011_irq_level(&e->u));
	assert_int_equal(readw(e, VPL011_MIS), VPL011_INT_TX);
	/* ICR clears TXIS -> the line goes down. */
	writew(e, VPL011_ICR, VPL011_INT_TX);
	assert_false(e->level);
	assert_int_equal(readw(e, VPL011_RIS) & VPL011_INT_TX, 0);
	/* Each write empties the FIFO at once and raises TXIS again. */
	writew(e, VPL011_DR, 'a');
	assert_true(e->level);
	assert_int_equal(readw(e, VPL011_MIS), VPL011_INT_TX);
	/* pl011_stop_tx masks TXIM: down, though TXIS stays raw-pending. */
	writew(e, VPL011_IMSC, VPL011_INT_RT | VPL011_INT_RX);
	assert_false(e->level);
	assert_true(readw(e, VPL011_RIS) & VPL011_INT_TX);
	assert_int_equal(e->irq_changes, 4);
}

static void test_tx_enable_edge_raises_txis(void **state)
{
	struct env *e = *state;

	writew(e, VPL011_CR, VPL011_CR_TXE);  /* UARTEN still clear */
	assert_int_equal(readw(e, VPL011_RIS), 0);
	writew(e, VPL011_CR, VPL011_CR_TXE | VPL011_CR_UARTEN);
	assert_int_equal(readw(e, VPL011_RIS), VPL011_INT_TX);
	writew(e, VPL011_ICR, VPL011_INT_ALL);
	/* Re-writing an already enabled CR is not an edge. */
	writew(e, VPL011_CR, VPL011_CR_TXE | VPL011_CR_UARTEN | VPL011_CR_RXE);
	assert_int_equal(readw(e, VPL011_RIS), 0);
}

/*
 * Linux's interrupt-driven TX: pl011_int writes fifosize/2 bytes per pass while TXIM is
 * set, and masks TXIM when its buffer is empty. The handler must make progress and the
 * line must end low.
 */
static void test_linux_irq_driven_tx(void **state)
{
	struct env *e = *state;
	const unsigned total = 100;
	unsigned sent = 0, passes = 0;
	uint32_t im = VPL011_INT_RT | VPL011_INT_RX | VPL011_INT_TX;

	linux_startup(e);
	writew(e, VPL011_IMSC, im);
	while (e->level && passes < 256) {
		uint32_t status = readw(e, VPL011_RIS) & im;

		passes++;
		writew(e, VPL011_ICR, status & ~(VPL011_INT_TX | VPL011_INT_RT | VPL011_INT_RX));
		if (status & VPL011_INT_TX) {
			for (int n = 32 / 2; n && sent < total; n--)
				writew(e, VPL011_DR, 'A' + sent++ % 26);
			if (sent == total) {
				im &= ~VPL011_INT_TX;
				writew(e, VPL011_IMSC, im);
			}
		}
	}
	assert_int_equal(sent, total);
	assert_int_equal(e->out_len, total);
	assert_false(e->level);
	assert_int_equal(passes, (total + 15) / 16);
}

/* ---- receive ---- */

static void test_rx_push_and_read(void **state)
{
	struct env *e = *state;
	struct vpl011_stats st;

	linux_startup(e);
	assert_true(readw(e, VPL011_FR) & VPL011_FR_RXFE);
	assert_true(vpl011_rx_push(&e->u, 'o'));
	assert_true(vpl011_rx_push(&e->u, 'k'));
	/* Receive timeout (immediate here) is raised; below the 1/2 trigger, RXIS is not. */
	assert_int_equal(readw(e, VPL011_RIS) & (VPL011_INT_RX | VPL011_INT_RT), VPL011_INT_RT);
	assert_true(e->level);
	assert_int_equal(readw(e, VPL011_FR) & (VPL011_FR_RXFE | VPL011_FR_RXFF), 0);
	/* pl011_fifo_to_tty: read FR, then DR, until RXFE. */
	assert_int_equal(readw(e, VPL011_DR), 'o');
	assert_true(e->level);
	assert_int_equal(readw(e, VPL011_DR), 'k');
	assert_true(readw(e, VPL011_FR) & VPL011_FR_RXFE);
	assert_false(e->level);
	assert_int_equal(readw(e, VPL011_RIS) & (VPL011_INT_RX | VPL011_INT_RT), 0);
	/* An empty FIFO reads as zero and changes nothing. */
	assert_int_equal(readw(e, VPL011_DR), 0);
	vpl011_get_stats(&e->u, &st);
	assert_int_equal(st.rx_bytes, 2);
	assert_int_equal(st.rx_dropped, 0);
	assert_int_equal(e->irq_changes, 2);
}

static void test_rx_trigger_level(void **state)
{
	struct env *e = *state;

	linux_startup(e);  /* IFLS RX 1/2 of 32 = 16 */
	for (int i = 0; i < 15; i++)
		assert_true(vpl011_rx_push(&e->u, (uint8_t)i));
	assert_false(readw(e, VPL011_RIS) & VPL011_INT_RX);
	assert_true(vpl011_rx_push(&e->u, 15));
	assert_true(readw(e, VPL011_RIS) & VPL011_INT_RX);
	/* Reading below the trigger clears RXIS; RTIS stays while data remains. */
	assert_int_equal(readw(e, VPL011_DR), 0);
	assert_int_equal(readw(e, VPL011_RIS) & (VPL011_INT_RX | VPL011_INT_RT), VPL011_INT_RT);
	/* ICR clears both even with data left, as on hardware... */
	writew(e, VPL011_ICR, VPL011_INT_RT | VPL011_INT_RX);
	assert_false(e->level);
	/* ...and the next byte raises the timeout again. */
	assert_true(vpl011_rx_push(&e->u, 16));
	assert_true(e->level);
	for (int i = 1; i <= 16; i++)
		assert_int_equal(readw(e, VPL011_DR), i);
	assert_false(e->level);

	/* 1/8 trigger: RXIS from 4 bytes. */
	writew(e, VPL011_IFLS, 0 << 3);
	for (int i = 0; i < 4; i++)
		vpl011_rx_push(&e->u, 'x');
	assert_true(readw(e, VPL011_RIS) & VPL011_INT_RX);
	/* Only RXIM unmasked: the line follows RXIS alone. */
	writew(e, VPL011_IMSC, VPL011_INT_RX);
	assert_true(e->level);
	(void)readw(e, VPL011_DR);
	assert_false(e->level);
}

static void test_rx_fifo_full_drops_and_counts(void **state)
{
	struct env *e = *state;
	struct vpl011_stats st;

	linux_startup(e);
	for (int i = 0; i < 32; i++)
		assert_true(vpl011_rx_push(&e->u, (uint8_t)('a' + i % 26)));
	assert_true(readw(e, VPL011_FR) & VPL011_FR_RXFF);
	assert_int_equal(readw(e, VPL011_RSR), 0);
	assert_false(vpl011_rx_push(&e->u, '!'));
	assert_false(vpl011_rx_push(&e->u, '!'));
	vpl011_get_stats(&e->u, &st);
	assert_int_equal(st.rx_bytes, 32);
	assert_int_equal(st.rx_dropped, 2);
	/* Overrun error, as the hardware reports it. */
	assert_int_equal(readw(e, VPL011_RSR), VPL011_RSR_OE);
	assert_true(readw(e, VPL011_RIS) & VPL011_INT_OE);
	writew(e, VPL011_RSR, 0);  /* ECR */
	assert_int_equal(readw(e, VPL011_RSR), 0);
	writew(e, VPL011_ICR, VPL011_INT_OE);
	assert_false(readw(e, VPL011_RIS) & VPL011_INT_OE);
	/* The FIFO kept the first 32 bytes in order. */
	for (int i = 0; i < 32; i++)
		assert_int_equal(readw(e, VPL011_DR), 'a' + i % 26);
	assert_true(readw(e, VPL011_FR) & VPL011_FR_RXFE);
}

static void test_rx_without_fifo_holds_one_byte(void **state)
{
	struct env *e = *state;

	/* Reset: LCR_H.FEN clear, a one-character holding register. */
	assert_true(vpl011_rx_push(&e->u, '1'));
	assert_true(rd(e, VPL011_FR, 4) & VPL011_FR_RXFF);
	assert_true(rd(e, VPL011_RIS, 4) & VPL011_INT_RX);  /* trigger is 1 */
	assert_false(vpl011_rx_push(&e->u, '2'));
	assert_int_equal(rd(e, VPL011_DR, 4), '1');
	assert_true(rd(e, VPL011_FR, 4) & VPL011_FR_RXFE);
}

static void test_mis_is_ris_masked(void **state)
{
	struct env *e = *state;

	linux_startup(e);
	writew(e, VPL011_IMSC, 0);
	vpl011_rx_push(&e->u, 'q');
	assert_int_equal(readw(e, VPL011_RIS), VPL011_INT_TX | VPL011_INT_RT);
	assert_int_equal(readw(e, VPL011_MIS), 0);
	assert_false(e->level);
	writew(e, VPL011_IMSC, VPL011_INT_RT);
	assert_int_equal(readw(e, VPL011_MIS), VPL011_INT_RT);
	assert_true(e->level);
	writew(e, VPL011_IMSC, VPL011_INT_TX | VPL011_INT_RX);
	assert_int_equal(readw(e, VPL011_MIS), VPL011_INT_TX);
	assert_true(e->level);
	writew(e, VPL011_IMSC, VPL011_INT_RX | VPL011_INT_OE);
	assert_int_equal(readw(e, VPL011_MIS), 0);
	assert_false(e->level);
	/* RIS and MIS are read-only. */
	writew(e, VPL011_RIS, 0);
	writew(e, VPL011_MIS, 0);
	assert_int_equal(readw(e, VPL011_RIS), VPL011_INT_TX | VPL011_INT_RT);
	/* Writes to IMSC's upper half do not disturb it. */
	wr(e, VPL011_IMSC + 2, 2, 0xffff);
	assert_int_equal(readw(e, VPL011_IMSC), VPL011_INT_RX | VPL011_INT_OE);
}

static void test_loopback(void **state)
{
	struct env *e = *state;

	linux_startup(e);
	writew(e, VPL011_CR, readw(e, VPL011_CR) | VPL011_CR_LBE);
	writew(e, VPL011_DR, 'L');
	assert_int_equal(e->out_len, 0);
	assert_int_equal(readw(e, VPL011_DR), 'L');
}

/* ---- the bus ---- */

static void test_unknown_offsets_raz_wi(void **state)
{
	static const uint64_t holes[] = { 0x008, 0x00c, 0x010, 0x014, 0x01c, 0x04c,
					  0x100, 0x800, 0xfdc };
	struct env *e = *state;

	linux_startup(e);
	for (size_t i = 0; i < sizeof(holes) / sizeof(holes[0]); i++) {
		wr(e, holes[i], 4, 0xffffffff);
		assert_int_equal(rd(e, holes[i], 4), 0);
		assert_int_equal(rd(e, holes[i], 1), 0);
	}
	/* ICR is write-only, the IDs and FR read-only. */
	assert_int_equal(rd(e, VPL011_ICR, 4), 0);
	wr(e, 0xfe0, 4, 0);
	assert_int_equal(rd(e, 0xfe0, 4), 0x11);
	wr(e, VPL011_FR, 4, 0);
	assert_true(rd(e, VPL011_FR, 4) & VPL011_FR_TXFE);
	assert_int_equal(e->out_len, 0);
	assert_int_equal(readw(e, VPL011_CR), VPL011_CR_UARTEN | VPL011_CR_TXE | VPL011_CR_RXE);
}

static void test_bad_accesses_rejected(void **state)
{
	struct env *e = *state;
	uint64_t v = 'z';

	vpl011_rx_push(&e->u, 'r');
	/* Sizes the APB bus cannot take. */
	assert_int_equal(vpl011_mmio(&e->u, VPL011_DR, 8, true, &v), PAL_E_INVALID);
	assert_int_equal(vpl011_mmio(&e->u, VPL011_DR, 8, false, &v), PAL_E_INVALID);
	assert_int_equal(vpl011_mmio(&e->u, VPL011_DR, 0, false, &v), PAL_E_INVALID);
	assert_int_equal(vpl011_mmio(&e->u, VPL011_DR, 3, false, &v), PAL_E_INVALID);
	assert_int_equal(vpl011_mmio(&e->u, VPL011_DR, 16, false, &v), PAL_E_INVALID);
	/* Misaligned. */
	assert_int_equal(vpl011_mmio(&e->u, VPL011_DR + 2, 4, true, &v), PAL_E_INVALID);
	assert_int_equal(vpl011_mmio(&e->u, VPL011_FR + 1, 2, false, &v), PAL_E_INVALID);
	/* Outside the window. */
	assert_int_equal(vpl011_mmio(&e->u, VPL011_MMIO_SIZE, 4, false, &v), PAL_E_RANGE);
	assert_int_equal(vpl011_mmio(&e->u, UINT64_MAX - 3, 4, false, &v), PAL_E_RANGE);
	assert_int_equal(vpl011_mmio(&e->u, VPL011_DR, 4, false, NULL), PAL_E_INVALID);
	/* None of that transmitted, popped or changed anything. */
	assert_int_equal(e->out_len, 0);
	assert_int_equal(v, 'z');
	assert_int_equal(rd(e, VPL011_DR, 4), 'r');
}

static void test_subword_access(void **state)
{
	struct env *e = *state;

	linux_startup(e);
	/* Byte reads of FR as a driver polling with ldrb would do. */
	assert_int_equal(rd(e, VPL011_FR, 1), rd(e, VPL011_FR, 4) & 0xff);
	assert_int_equal(rd(e, VPL011_FR + 1, 1), (rd(e, VPL011_FR, 4) >> 8) & 0xff);
	assert_int_equal(rd(e, VPL011_CR + 2, 2), 0);
	/* A byte write changes only its byte: CR's high byte (TXE, RXE) survives. */
	wr(e, VPL011_CR, 1, VPL011_CR_UARTEN | VPL011_CR_LBE);
	assert_int_equal(readw(e, VPL011_CR), VPL011_CR_UARTEN | VPL011_CR_LBE |
			 VPL011_CR_TXE | VPL011_CR_RXE);
	wr(e, VPL011_CR + 1, 1, 0x00);
	assert_int_equal(readw(e, VPL011_CR), VPL011_CR_UARTEN | VPL011_CR_LBE);
	/* A DR read that misses the data byte does not consume it. */
	vpl011_rx_push(&e->u, 'd');
	assert_int_equal(rd(e, VPL011_DR + 1, 1), 0);
	assert_int_equal(rd(e, VPL011_DR, 1), 'd');
}

static void test_reset_lowers_line(void **state)
{
	struct env *e = *state;
	struct vpl011_stats st;

	linux_startup(e);
	vpl011_rx_push(&e->u, 'x');
	assert_true(e->level);
	vpl011_reset(&e->u);
	assert_false(e->level);
	assert_true(rd(e, VPL011_FR, 4) & VPL011_FR_RXFE);
	assert_int_equal(rd(e, VPL011_CR, 4), VPL011_CR_TXE | VPL011_CR_RXE);
	vpl011_get_stats(&e->u, &st);
	assert_int_equal(st.rx_bytes, 1);  /* statistics survive */
}

/* ---- concurrency: a vCPU reads while the input path pushes ---- */

#define STRESS_BYTES 50000

static void *stress_reader(void *arg)
{
	struct env *e = arg;
	unsigned expect = 0;

	while (expect < STRESS_BYTES) {
		uint64_t fr, dr;

		vpl011_mmio(&e->u, VPL011_FR, 2, false, &fr);
		if (fr & VPL011_FR_RXFE) {
			sched_yield();  /* let the pusher run even on one CPU */
			continue;
		}
		vpl011_mmio(&e->u, VPL011_DR, 2, false, &dr);
		if (dr != (expect & 0xff))
			return (void *)1;
		expect++;
	}
	return NULL;
}

static void test_concurrent_push_and_read(void **state)
{
	struct env *e = *state;
	pthread_t t;
	void *ret;
	struct vpl011_stats st;

	linux_startup(e);
	assert_int_equal(pthread_create(&t, NULL, stress_reader, e), 0);
	for (unsigned i = 0; i < STRESS_BYTES; i++) {
		while (!vpl011_rx_push(&e->u, (uint8_t)i))
			sched_yield();
	}
	assert_int_equal(pthread_join(t, &ret), 0);
	assert_null(ret);
	vpl011_get_stats(&e->u, &st);
	assert_int_equal(st.rx_bytes, STRESS_BYTES);
	assert_true(rd(e, VPL011_FR, 4) & VPL011_FR_RXFE);
	assert_false(e->level);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_init_rejects_bad_ops, setup, teardown),
		cmocka_unit_test_setup_teardown(test_amba_probe_ids, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reset_values, setup, teardown),
		cmocka_unit_test_setup_teardown(test_linux_probe_and_startup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_earlycon_tx_before_enable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tx_bytes_reach_sink, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tx_interrupt_raise_and_clear, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tx_enable_edge_raises_txis, setup, teardown),
		cmocka_unit_test_setup_teardown(test_linux_irq_driven_tx, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rx_push_and_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rx_trigger_level, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rx_fifo_full_drops_and_counts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rx_without_fifo_holds_one_byte, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mis_is_ris_masked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_loopback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_offsets_raz_wi, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_accesses_rejected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_subword_access, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reset_lowers_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_push_and_read, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
