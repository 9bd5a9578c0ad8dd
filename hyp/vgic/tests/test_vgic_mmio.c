/*
 * Register emulation: every distributor and redistributor register Linux's GICv3 driver
 * uses, the RAZ/WI rule for everything else, and the size and alignment checks. Writes
 * that must be ignored and accesses that must be refused are checked byte for byte
 * against a snapshot of the whole struct vgic.
 */
#include "vgic_test.h"

static struct vgic snap;

#define UNCHANGED_AFTER(stmt) do {                                 \
	memcpy(&snap, &V, sizeof(V));                              \
	stmt;                                                      \
	assert_memory_equal(&snap, &V, sizeof(V));                 \
} while (0)

static void test_init_refuses_bad_counts(void **state)
{
	struct vgic g;

	(void)state;
	assert_int_equal(vgic_init(&g, 0), PAL_E_INVALID);
	assert_int_equal(vgic_init(&g, VGIC_MAX_VCPUS + 1), PAL_E_INVALID);
	assert_int_equal(vgic_init(&g, VGIC_MAX_VCPUS), PAL_OK);
	assert_int_equal(vgic_init(&g, 1), PAL_OK);
}

static void test_gicd_ctlr(void **state)
{
	(void)state;
	/* Reset: disabled; ARE and DS read as one; RWP never set. */
	assert_int_equal(d_rd32(GICD_CTLR), 0x50);
	d_wr32(GICD_CTLR, 0);                   /* ARE cannot be cleared */
	assert_int_equal(d_rd32(GICD_CTLR), 0x50);
	dist_enable();                          /* Linux: ARE_NS | G1A | G1 */
	assert_int_equal(d_rd32(GICD_CTLR), 0x52);
	d_wr32(GICD_CTLR, 0x1);                 /* group 0 is not implemented */
	assert_int_equal(d_rd32(GICD_CTLR), 0x50);
	d_wr32(GICD_CTLR, 0xffffffff);
	assert_int_equal(d_rd32(GICD_CTLR), 0x52);
	assert_int_equal(d_rd32(GICD_CTLR) & 0x80000000u, 0);
}

static void test_gicd_id_registers(void **state)
{
	uint32_t typer;

	(void)state;
	typer = d_rd32(GICD_TYPER);
	assert_int_equal(32 * ((typer & 0x1f) + 1), VGIC_NR_IRQS);     /* ITLinesNumber */
	assert_int_equal((typer >> 19) & 0x1f, 9);                      /* IDbits: 10 bits */
	assert_int_equal(typer & (1u << 17), 0);                        /* no LPIS */
	assert_int_equal(typer & (1u << 16), 0);                        /* no MBIS */
	assert_int_equal(typer & (1u << 8), 0);                         /* no ESPI */
	assert_int_equal(typer & (1u << 10), 0);                        /* no SecurityExtn */
	assert_int_equal(typer & (1u << 26), 0);                        /* no RSS */
	assert_int_equal(d_rd32(GICD_IIDR), 0x5000143b);
	assert_int_equal(d_rd32(GICD_TYPER2), 0);
	assert_int_equal(d_rd32(GICD_STATUSR), 0);
	assert_int_equal((d_rd32(GICD_PIDR2) >> 4) & 0xf, 3);           /* ArchRev: GICv3 */
	assert_int_equal(d_rd32(0xffd0), 0);                            /* other ID regs RAZ */
	/* Read-only: writes change nothing. */
	UNCHANGED_AFTER(d_wr32(GICD_TYPER, 0xffffffff));
	UNCHANGED_AFTER(d_wr32(GICD_IIDR, 0));
	UNCHANGED_AFTER(d_wr32(GICD_PIDR2, 0));
	UNCHANGED_AFTER(d_wr32(GICD_TYPER2, ~0u));
	assert_int_equal(d_rd32(GICD_TYPER), typer);
}

static void test_gicd_igroupr_rao_wi(void **state)
{
	(void)state;
	assert_int_equal(d_rd32(GICD_IGROUPR), 0);          /* INTIDs 0-31 live in the GICR */
	for (uint32_t i = 32; i < VGIC_NR_IRQS; i += 32)
		assert_int_equal(d_rd32(REG_OF(GICD_IGROUPR, i)), 0xffffffff);
	assert_int_equal(d_rd32(REG_OF(GICD_IGROUPR, VGIC_NR_IRQS)), 0);
	UNCHANGED_AFTER(d_wr32(REG_OF(GICD_IGROUPR, 32), 0));
	UNCHANGED_AFTER(d_wr32(REG_OF(GICD_IGROUPR, 64), ~0u));
	assert_int_equal(d_rd32(REG_OF(GICD_IGROUPR, 32)), 0xffffffff);
}

/* A set/clear pair: writing ones sets or clears, zeros do nothing, both read the state. */
static void check_pair(uint32_t set, uint32_t clr, uint32_t intid, bool (*get)(uint32_t))
{
	uint32_t bit = BIT_OF(intid), other = BIT_OF(intid + 2);

	assert_int_equal(d_rd32(REG_OF(set, intid)) & (bit | other), 0);
	d_wr32(REG_OF(set, intid), bit | other);
	assert_int_equal(d_rd32(REG_OF(set, intid)) & (bit | other), bit | other);
	assert_int_equal(d_rd32(REG_OF(clr, intid)) & (bit | other), bit | other);
	assert_true(get(intid));
	UNCHANGED_AFTER(d_wr32(REG_OF(set, intid), 0));
	UNCHANGED_AFTER(d_wr32(REG_OF(clr, intid), 0));
	d_wr32(REG_OF(clr, intid), bit);
	assert_int_equal(d_rd32(REG_OF(set, intid)) & (bit | other), other);
	assert_int_equal(d_rd32(REG_OF(clr, intid)) & (bit | other), other);
	assert_false(get(intid));
	assert_true(get(intid + 2));
}

static bool get_enabled(uint32_t i) { return info(0, i).enabled; }
static bool get_pending(uint32_t i) { return info(0, i).pending; }
static bool get_active(uint32_t i) { return info(0, i).active; }

static void test_gicd_enable_pairs(void **state)
{
	(void)state;
	check_pair(GICD_ISENABLER, GICD_ICENABLER, 40, get_enabled);
	check_pair(GICD_ISENABLER, GICD_ICENABLER, VGIC_NR_IRQS - 3, get_enabled);
	/* Linux's gic_dist_config: clear everything at once. */
	d_wr32(REG_OF(GICD_ICENABLER, 40), ~0u);
	assert_int_equal(d_rd32(REG_OF(GICD_ISENABLER, 40)), 0);
	/* Distributor register 0 is RES0 with ARE: RAZ/WI. */
	UNCHANGED_AFTER(d_wr32(GICD_ISENABLER, ~0u));
	assert_int_equal(d_rd32(GICD_ISENABLER), 0);
	assert_false(info(0, 5).enabled);
}

static void test_gicd_pending_pairs(void **state)
{
	(void)state;
	check_pair(GICD_ISPENDR, GICD_ICPENDR, 33, get_pending);
	/* A level line that is high keeps its interrupt pending through ICPENDR. */
	assert_true(vgic_set_level(&V, 0, 50, true) >= 0);
	assert_true(d_rd32(REG_OF(GICD_ISPENDR, 50)) & BIT_OF(50));
	d_wr32(REG_OF(GICD_ICPENDR, 50), BIT_OF(50));
	assert_true(d_rd32(REG_OF(GICD_ISPENDR, 50)) & BIT_OF(50));
	assert_true(vgic_set_level(&V, 0, 50, false) >= 0);
	assert_false(d_rd32(REG_OF(GICD_ISPENDR, 50)) & BIT_OF(50));
	/* ISPENDR on a level interrupt latches it until ICPENDR. */
	d_wr32(REG_OF(GICD_ISPENDR, 50), BIT_OF(50));
	assert_true(info(0, 50).pending);
	d_wr32(REG_OF(GICD_ICPENDR, 50), BIT_OF(50));
	assert_false(info(0, 50).pending);
	UNCHANGED_AFTER(d_wr32(GICD_ISPENDR, ~0u));
}

static void test_gicd_active_pairs(void **state)
{
	(void)state;
	check_pair(GICD_ISACTIVER, GICD_ICACTIVER, 100, get_active);
	UNCHANGED_AFTER(d_wr32(GICD_ISACTIVER, ~0u));
}

static void test_gicd_priority_bytes(void **state)
{
	uint64_t val = 0;

	(void)state;
	/* Word write, byte reads. */
	d_wr32(GICD_IPRIORITYR + 32, 0xa0b0c0d0);
	assert_int_equal(d_rd(GICD_IPRIORITYR + 32, 1), 0xd0);
	assert_int_equal(d_rd(GICD_IPRIORITYR + 33, 1), 0xc0);
	assert_int_equal(d_rd(GICD_IPRIORITYR + 35, 1), 0xa0);
	assert_int_equal(info(0, 34).priority, 0xb0);
	/* Byte write touches one interrupt. */
	d_wr(GICD_IPRIORITYR + 33, 1, 0x40);
	assert_int_equal(d_rd32(GICD_IPRIORITYR + 32), 0xa0b040d0);
	/* Only the top VGIC_PRI_BITS bits are kept. */
	d_wr(GICD_IPRIORITYR + 287, 1, 0xff);
	assert_int_equal(d_rd(GICD_IPRIORITYR + 287, 1), 0xf8);
	d_wr(GICD_IPRIORITYR + 286, 1, 0x0f);
	assert_int_equal(d_rd(GICD_IPRIORITYR + 286, 1), 0x08);
	/* INTIDs 0-31 are banked in the redistributors; past the last SPI is reserved. */
	UNCHANGED_AFTER(d_wr32(GICD_IPRIORITYR + 0, ~0u));
	UNCHANGED_AFTER(d_wr(GICD_IPRIORITYR + 31, 1, 0xff));
	assert_int_equal(d_rd32(GICD_IPRIORITYR + 28), 0);
	UNCHANGED_AFTER(d_wr32(GICD_IPRIORITYR + VGIC_NR_IRQS, ~0u));
	assert_int_equal(d_rd32(GICD_IPRIORITYR + VGIC_NR_IRQS), 0);
	/* Halfword and doubleword accesses are not allowed. */
	UNCHANGED_AFTER(assert_int_equal(vgic_dist_access(&V, 0, GICD_IPRIORITYR + 32, 2, true,
							  &val), PAL_E_INVALID));
	assert_int_equal(vgic_dist_access(&V, 0, GICD_IPRIORITYR + 32, 8, false, &val),
			 PAL_E_INVALID);
}

static void test_gicd_icfgr(void **state)
{
	(void)state;
	/* Reset: SPIs level. */
	assert_int_equal(d_rd32(GICD_ICFGR + 8), 0);
	d_wr32(GICD_ICFGR + 8, 0xffffffff);     /* INTIDs 32..47 edge; RES0 bits dropped */
	assert_int_equal(d_rd32(GICD_ICFGR + 8), 0xaaaaaaaa);
	assert_true(info(0, 40).edge);
	d_wr32(GICD_ICFGR + 8, 0x00000008);     /* only INTID 33 edge */
	assert_int_equal(d_rd32(GICD_ICFGR + 8), 0x8);
	assert_true(info(0, 33).edge);
	assert_false(info(0, 32).edge);
	/* ICFGR0/1 (INTIDs 0-31) are in the redistributor. */
	UNCHANGED_AFTER(d_wr32(GICD_ICFGR, 0));
	UNCHANGED_AFTER(d_wr32(GICD_ICFGR + 4, ~0u));
	assert_int_equal(d_rd32(GICD_ICFGR), 0);
	/* Linux's gic_configure_irq reads back what it wrote. */
	d_wr32(GICD_ICFGR + 4 * (VGIC_NR_IRQS / 16 - 1), 0x80000000);
	assert_int_equal(d_rd32(GICD_ICFGR + 4 * (VGIC_NR_IRQS / 16 - 1)), 0x80000000);
	assert_true(info(0, VGIC_NR_IRQS - 1).edge);
}

static void test_gicd_irouter(void **state)
{
	uint64_t off = GICD_IROUTER + 8 * 40, val;

	(void)state;
	assert_int_equal(d_rd(off, 8), 0);
	assert_int_equal(info(0, 40).target, 0);
	/* 64-bit access, as Linux's gic_write_irouter (writeq). */
	d_wr(off, 8, 2);
	assert_int_equal(d_rd(off, 8), 2);
	assert_int_equal(info(0, 40).target, 2);
	/* Reserved bits are dropped. */
	d_wr(off, 8, ~0ull);
	assert_int_equal(d_rd(off, 8), 0xff80ffffffull);
	/* 32-bit halves. */
	d_wr32(off, 3);
	d_wr32(off + 4, 0);
	assert_int_equal(d_rd(off, 8), 3);
	assert_int_equal(info(0, 40).target, 3);
	d_wr32(off + 4, 1);                         /* Aff3 = 1: no such vCPU */
	assert_int_equal(d_rd32(off + 4), 1);
	assert_int_equal(d_rd32(off), 3);
	assert_int_equal(info(0, 40).target, -1);
	d_wr(off, 8, 0x100);                        /* Aff1 = 1: none either */
	assert_int_equal(info(0, 40).target, -1);
	d_wr(off, 8, NR_VCPUS);                     /* Aff0 past the last vCPU */
	assert_int_equal(info(0, 40).target, -1);
	/* IRM = 1: any vCPU; this one picks the first awake. */
	d_wr(off, 8, 1ull << 31);
	assert_int_equal(info(0, 40).target, 0);
	r_wr32(1, GICR_WAKER, 0);
	r_wr32(0, GICR_WAKER, 0);
	r_wr32(0, GICR_WAKER, 2);                   /* vCPU 0 goes to sleep */
	assert_int_equal(info(0, 40).target, 1);
	/* The last SPI's router; INTIDs 0-31 and past the last SPI are reserved. */
	d_wr(GICD_IROUTER + 8 * (VGIC_NR_IRQS - 1), 8, 1);
	assert_int_equal(info(0, VGIC_NR_IRQS - 1).target, 1);
	UNCHANGED_AFTER(d_wr(GICD_IROUTER + 8 * 31, 8, 1));
	UNCHANGED_AFTER(d_wr(GICD_IROUTER + 8 * VGIC_NR_IRQS, 8, 1));
	assert_int_equal(d_rd(GICD_IROUTER + 8 * VGIC_NR_IRQS, 8), 0);
	/* Byte and halfword accesses are refused. */
	assert_int_equal(vgic_dist_access(&V, 0, off, 2, false, &val), PAL_E_INVALID);
	assert_int_equal(vgic_dist_access(&V, 0, off, 1, true, &val), PAL_E_INVALID);
}

static void test_gicd_reserved_raz_wi(void **state)
{
	static const uint64_t offs[] = {
		0x0014, 0x0040, 0x0048, 0x0050, 0x0068, 0x007c,   /* reserved, SETSPI (no MBIS) */
		GICD_ITARGETSR + 32, GICD_ITARGETSR + 0x3f8,     /* RES0 with ARE */
		GICD_IGRPMODR + 4, GICD_IGRPMODR + 0x80,
		GICD_NSACR + 8,
		GICD_SGIR, 0x0f10, 0x0f20, 0x0f80,
		0x1000, 0x4000, 0x5ff8, 0x8000, 0xc000, 0xffc8,
		REG_OF(GICD_ISENABLER, VGIC_NR_IRQS), REG_OF(GICD_ICACTIVER, 1000),
	};

	(void)state;
	for (size_t i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		assert_int_equal(d_rd32(offs[i]), 0);
		UNCHANGED_AFTER(d_wr32(offs[i], ~0u));
		assert_int_equal(d_rd32(offs[i]), 0);
	}
	/* Unimplemented offsets accept any aligned size. */
	for (unsigned int s = 1; s <= 8; s *= 2) {
		assert_int_equal(d_rd(0x8000, s), 0);
		assert_int_equal(d_rd(0x0020, s), 0);
		UNCHANGED_AFTER(d_wr(0x0020, s, ~0ull));
	}
	/* IGRPMODR and NSACR: RAZ/WI for implemented interrupts too. */
	UNCHANGED_AFTER(d_wr32(GICD_IGRPMODR + 4, ~0u));
	assert_int_equal(d_rd32(GICD_IGRPMODR + 4), 0);
}

static void test_gicd_bad_accesses(void **state)
{
	uint64_t val = 0;

	(void)state;
	memcpy(&snap, &V, sizeof(V));
	/* Wrong sizes for 32-bit registers. */
	assert_int_equal(vgic_dist_access(&V, 0, GICD_CTLR, 1, true, &val), PAL_E_INVALID);
	assert_int_equal(vgic_dist_access(&V, 0, GICD_CTLR, 2, false, &val), PAL_E_INVALID);
	assert_int_equal(vgic_dist_access(&V, 0, GICD_CTLR, 8, true, &val), PAL_E_INVALID);
	assert_int_equal(vgic_dist_access(&V, 0, GICD_TYPER, 1, false, &val), PAL_E_INVALID);
	assert_int_equal(vgic_dist_access(&V, 0, REG_OF(GICD_ISENABLER, 32), 8, true, &val),
			 PAL_E_INVALID);
	assert_int_equal(vgic_dist_access(&V, 0, REG_OF(GICD_ICENABLER, 32) + 1, 1, true, &val),
			 PAL_E_INVALID);
	assert_int_equal(vgic_dist_access(&V, 0, GICD_ICFGR + 8, 2, true, &val), PAL_E_INVALID);
	assert_int_equal(vgic_dist_access(&V, 0, GICD_PIDR2, 1, false, &val), PAL_E_INVALID);
	/* Misaligned, odd sizes. */
	assert_int_equal(vgic_dist_access(&V, 0, 0x0102, 4, true, &val), PAL_E_INVALID);
	assert_int_equal(vgic_dist_access(&V, 0, GICD_IROUTER + 8 * 40 + 4, 8, true, &val),
			 PAL_E_INVALID);
	assert_int_equal(vgic_dist_access(&V, 0, 0x8000, 3, false, &val), PAL_E_INVALID);
	assert_int_equal(vgic_dist_access(&V, 0, 0x8000, 16, false, &val), PAL_E_INVALID);
	assert_int_equal(vgic_dist_access(&V, 0, 0x8000, 0, false, &val), PAL_E_INVALID);
	/* Outside the frame, or from a vCPU the VM does not have. */
	assert_int_equal(vgic_dist_access(&V, 0, VGIC_DIST_SIZE, 4, false, &val), PAL_E_RANGE);
	assert_int_equal(vgic_dist_access(&V, NR_VCPUS, GICD_CTLR, 4, false, &val), PAL_E_RANGE);
	assert_memory_equal(&snap, &V, sizeof(V));
	/* A refused read leaves the destination alone. */
	val = 0x1234;
	assert_int_equal(vgic_dist_access(&V, 0, GICD_CTLR, 2, false, &val), PAL_E_INVALID);
	assert_int_equal(val, 0x1234);
}

static void test_gicr_typer_and_last(void **state)
{
	struct vgic one;
	uint64_t val;

	(void)state;
	for (unsigned int c = 0; c < NR_VCPUS; c++) {
		uint64_t t = r_rd(c, GICR_TYPER, 8);

		/* Linux matches (typer >> 32) against the MPIDR's Aff3.Aff2.Aff1.Aff0. */
		assert_int_equal(t >> 32, vgic_vcpu_mpidr(c) & 0xffffff);
		assert_int_equal((t >> 8) & 0xffff, c);                 /* Processor_Number */
		assert_int_equal(!!(t & (1u << 4)), c == NR_VCPUS - 1); /* Last */
		assert_int_equal(t & 0x3, 0);                           /* no PLPIS, VLPIS */
		assert_int_equal(t & (1u << 3), 0);                     /* no DirectLPI */
		assert_int_equal((t >> 27) & 0x1f, 0);                  /* PPInum: 16 PPIs */
		assert_int_equal(r_rd32(c, GICR_TYPER), (uint32_t)t);
		assert_int_equal(r_rd32(c, GICR_TYPER + 4), t >> 32);
		UNCHANGED_AFTER(r_wr(c, GICR_TYPER, 8, 0));
	}
	assert_int_equal(vgic_redist_access(&V, NR_VCPUS, GICR_TYPER, 8, false, &val), PAL_E_RANGE);
	assert_int_equal(vgic_redist_access(&V, 0, VGIC_REDIST_STRIDE, 4, false, &val),
			 PAL_E_RANGE);
	assert_int_equal(vgic_redist_access(&V, 0, GICR_TYPER, 2, false, &val), PAL_E_INVALID);
	/* A one-vCPU VM: its only frame is the last. */
	assert_int_equal(vgic_init(&one, 1), PAL_OK);
	assert_int_equal(vgic_redist_access(&one, 0, GICR_TYPER, 8, false, &val), PAL_OK);
	assert_true(val & (1u << 4));
}

static void test_gicr_waker_handshake(void **state)
{
	(void)state;
	/* Out of reset: ProcessorSleep and ChildrenAsleep. */
	assert_int_equal(r_rd32(1, GICR_WAKER), 0x6);
	/* Linux's gic_enable_redist: clear ProcessorSleep, wait for ChildrenAsleep clear. */
	r_wr32(1, GICR_WAKER, r_rd32(1, GICR_WAKER) & ~2u);
	assert_int_equal(r_rd32(1, GICR_WAKER) & 4, 0);
	assert_int_equal(r_rd32(1, GICR_WAKER), 0);
	assert_int_equal(r_rd32(0, GICR_WAKER), 0x6);       /* per redistributor */
	/* And back to sleep. */
	r_wr32(1, GICR_WAKER, 2);
	assert_int_equal(r_rd32(1, GICR_WAKER), 0x6);
	/* ChildrenAsleep is read-only. */
	r_wr32(2, GICR_WAKER, 4);
	assert_int_equal(r_rd32(2, GICR_WAKER), 0);
}

static void test_gicr_rd_frame_misc(void **state)
{
	uint64_t val;

	(void)state;
	assert_int_equal(r_rd32(0, GICR_CTLR), 0);
	UNCHANGED_AFTER(r_wr32(0, GICR_CTLR, ~0u));         /* EnableLPIs: no LPIs */
	assert_int_equal(r_rd32(0, GICR_CTLR), 0);
	assert_int_equal(r_rd32(2, GICR_IIDR), 0x5000143b);
	assert_int_equal(r_rd32(2, GICR_STATUSR), 0);
	assert_int_equal((r_rd32(3, GICR_PIDR2) >> 4) & 0xf, 3);
	for (unsigned int s = 4; s <= 8; s *= 2) {
		UNCHANGED_AFTER(r_wr(0, GICR_PROPBASER, s, ~0ull));
		UNCHANGED_AFTER(r_wr(0, GICR_PENDBASER, s, ~0ull));
		assert_int_equal(r_rd(0, GICR_PROPBASER, s), 0);
		assert_int_equal(r_rd(0, GICR_PENDBASER, s), 0);
	}
	assert_int_equal(r_rd32(0, GICR_PENDBASER + 4), 0);
	assert_int_equal(vgic_redist_access(&V, 0, GICR_PROPBASER, 2, false, &val), PAL_E_INVALID);
	assert_int_equal(vgic_redist_access(&V, 0, GICR_WAKER, 8, false, &val), PAL_E_INVALID);
	assert_int_equal(vgic_redist_access(&V, 0, GICR_CTLR, 1, false, &val), PAL_E_INVALID);
	/* Reserved RD_base offsets: RAZ/WI at any aligned size. */
	for (unsigned int s = 1; s <= 8; s *= 2) {
		assert_int_equal(r_rd(0, 0x0040, s), 0);        /* SETLPIR */
		assert_int_equal(r_rd(0, 0x8000, s), 0);
		UNCHANGED_AFTER(r_wr(0, 0x00a0, s, ~0ull));     /* INVLPIR */
	}
}

static void test_gicr_sgi_frame(void **state)
{
	uint64_t val;

	(void)state;
	/* IGROUPR0: all group 1, RAO/WI. */
	assert_int_equal(r_rd32(0, SGI_BASE + GICD_IGROUPR), 0xffffffff);
	UNCHANGED_AFTER(r_wr32(0, SGI_BASE + GICD_IGROUPR, 0));
	/* Enables are banked per vCPU. */
	r_wr32(1, SGI_BASE + GICD_ISENABLER, 0x0800ffff);   /* SGIs and PPI 27 */
	assert_int_equal(r_rd32(1, SGI_BASE + GICD_ISENABLER), 0x0800ffff);
	assert_int_equal(r_rd32(1, SGI_BASE + GICD_ICENABLER), 0x0800ffff);
	assert_int_equal(r_rd32(0, SGI_BASE + GICD_ISENABLER), 0);
	r_wr32(1, SGI_BASE + GICD_ICENABLER, 0x00000001);
	assert_int_equal(r_rd32(1, SGI_BASE + GICD_ISENABLER), 0x0800fffe);
	assert_true(info(1, 27).enabled);
	assert_false(info(0, 27).enabled);
	/* Pending and active pairs. */
	r_wr32(2, SGI_BASE + GICD_ISPENDR, 0x00010002);
	assert_int_equal(r_rd32(2, SGI_BASE + GICD_ISPENDR), 0x00010002);
	r_wr32(2, SGI_BASE + GICD_ICPENDR, 0x00000002);
	assert_int_equal(r_rd32(2, SGI_BASE + GICD_ICPENDR), 0x00010000);
	r_wr32(3, SGI_BASE + GICD_ISACTIVER, 0x80000000);
	assert_int_equal(r_rd32(3, SGI_BASE + GICD_ICACTIVER), 0x80000000);
	r_wr32(3, SGI_BASE + GICD_ICACTIVER, ~0u);           /* Linux's gic_cpu_config */
	assert_int_equal(r_rd32(3, SGI_BASE + GICD_ISACTIVER), 0);
	/* IPRIORITYR0..7: bytes and words. */
	for (unsigned int i = 0; i < 8; i++)
		r_wr32(0, SGI_BASE + GICD_IPRIORITYR + 4 * i, 0xa0a0a0a0);
	r_wr(0, SGI_BASE + GICD_IPRIORITYR + 27, 1, 0x10);
	assert_int_equal(r_rd32(0, SGI_BASE + GICD_IPRIORITYR + 24), 0x10a0a0a0);
	assert_int_equal(info(0, 27).priority, 0x10);
	assert_int_equal(info(1, 27).priority, 0);
	/* ICFGR0: SGIs are edge, read-only. ICFGR1: PPIs configurable. */
	assert_int_equal(r_rd32(0, SGI_BASE + GICD_ICFGR), 0xaaaaaaaa);
	UNCHANGED_AFTER(r_wr32(0, SGI_BASE + GICD_ICFGR, 0));
	assert_int_equal(r_rd32(0, SGI_BASE + GICD_ICFGR + 4), 0);
	r_wr32(0, SGI_BASE + GICD_ICFGR + 4, 0x00800000);   /* PPI 27 edge */
	assert_int_equal(r_rd32(0, SGI_BASE + GICD_ICFGR + 4), 0x00800000);
	assert_true(info(0, 27).edge);
	/* IGRPMODR0, NSACR: RAZ/WI. Registers for INTIDs >= 32: reserved here. */
	UNCHANGED_AFTER(r_wr32(0, SGI_BASE + GICD_IGRPMODR, ~0u));
	assert_int_equal(r_rd32(0, SGI_BASE + GICD_IGRPMODR), 0);
	UNCHANGED_AFTER(r_wr32(0, SGI_BASE + GICD_NSACR, ~0u));
	assert_int_equal(r_rd32(0, SGI_BASE + GICD_NSACR), 0);
	UNCHANGED_AFTER(r_wr32(0, SGI_BASE + GICD_ISENABLER + 4, ~0u));
	assert_int_equal(r_rd32(0, SGI_BASE + GICD_ISENABLER + 4), 0);
	UNCHANGED_AFTER(r_wr32(0, SGI_BASE + GICD_IPRIORITYR + 32, ~0u));
	UNCHANGED_AFTER(r_wr(0, SGI_BASE + GICD_IROUTER + 8 * 40, 8, 1));
	assert_int_equal(r_rd32(0, SGI_BASE + GICD_CTLR), 0);
	/* Sizes. */
	assert_int_equal(vgic_redist_access(&V, 0, SGI_BASE + GICD_ISENABLER, 2, true, &val),
			 PAL_E_INVALID);
	assert_int_equal(vgic_redist_access(&V, 0, SGI_BASE + GICD_IPRIORITYR, 8, false, &val),
			 PAL_E_INVALID);
}

/*
 * Linux 6.1's irq-gic-v3 boot path, register by register: gic_validate_dist_version,
 * gic_dist_init, then for each CPU gic_iterate_rdists/gic_populate_rdist,
 * gic_enable_redist and gic_cpu_init.
 */
static void test_linux_boot_sequence(void **state)
{
	uint32_t typer, lines;
	unsigned int found[NR_VCPUS] = { 0 };

	(void)state;
	assert_true(((d_rd32(GICD_PIDR2) & 0xf0) == 0x30));
	typer = d_rd32(GICD_TYPER);
	lines = 32 * ((typer & 0x1f) + 1);
	if (lines > 1020)
		lines = 1020;
	d_rd32(GICD_IIDR);
	d_rd32(GICD_TYPER2);
	assert_false(d_rd32(GICD_CTLR) & (1u << 31));
	d_wr32(GICD_CTLR, 0);
	for (uint32_t i = 32; i < lines; i += 32)
		d_wr32(GICD_IGROUPR + i / 8, ~0u);
	for (uint32_t i = 32; i < lines; i += 16)
		d_wr32(GICD_ICFGR + i / 4, 0);
	for (uint32_t i = 32; i < lines; i += 4)
		d_wr32(GICD_IPRIORITYR + i, 0xa0a0a0a0);
	for (uint32_t i = 32; i < lines; i += 32) {
		d_wr32(GICD_ICACTIVER + i / 8, ~0u);
		d_wr32(GICD_ICENABLER + i / 8, ~0u);
	}
	assert_false(d_rd32(GICD_CTLR) & (1u << 31));
	d_wr32(GICD_CTLR, 0x13);
	assert_false(d_rd32(GICD_CTLR) & (1u << 31));
	for (uint32_t i = 32; i < lines; i++)
		d_wr(GICD_IROUTER + i * 8, 8, 0);
	assert_int_equal(d_rd32(GICD_CTLR), 0x52);

	for (unsigned int cpu = 0; cpu < NR_VCPUS; cpu++) {
		uint32_t aff = (uint32_t)(vgic_vcpu_mpidr(cpu) & 0xff);
		unsigned int frame = 0;
		uint64_t t;
		int tries;

		/* gic_iterate_rdists over the one region. */
		assert_int_equal(r_rd32(0, GICR_PIDR2) & 0xf0, 0x30);
		do {
			t = r_rd(frame, GICR_TYPER, 8);
			if ((t >> 32) == aff)
				break;
			frame++;
		} while (!(t & (1u << 4)));
		assert_int_equal((t >> 32), aff);
		found[frame]++;
		/* gic_enable_redist(true) */
		r_wr32(frame, GICR_WAKER, r_rd32(frame, GICR_WAKER) & ~2u);
		for (tries = 0; tries < 3 && (r_rd32(frame, GICR_WAKER) & 4); tries++)
			;
		assert_int_equal(tries, 0);
		/* gic_cpu_init and gic_cpu_config */
		r_wr32(frame, SGI_BASE + GICD_IGROUPR, ~0u);
		r_wr32(frame, SGI_BASE + GICD_ICACTIVER, ~0u);
		r_wr32(frame, SGI_BASE + GICD_ICENABLER, ~0u);
		for (unsigned int i = 0; i < 32; i += 4)
			r_wr32(frame, SGI_BASE + GICD_IPRIORITYR + i, 0xa0a0a0a0);
		r_wr32(frame, SGI_BASE + GICD_ISENABLER, 0x0000ffff);
		assert_false(r_rd32(frame, GICR_CTLR) & (1u << 3));     /* RWP */
	}
	for (unsigned int c = 0; c < NR_VCPUS; c++)
		assert_int_equal(found[c], 1);
	assert_true(info(2, 3).enabled);
	assert_int_equal(info(2, 3).priority, 0xa0);
	assert_int_equal(info(0, 100).priority, 0xa0);
	assert_int_equal(info(0, 100).target, 0);
}

#define T(fn) cmocka_unit_test_setup(fn, vgic_setup)
const struct CMUnitTest vgic_mmio_tests[] = {
	T(test_init_refuses_bad_counts),
	T(test_gicd_ctlr),
	T(test_gicd_id_registers),
	T(test_gicd_igroupr_rao_wi),
	T(test_gicd_enable_pairs),
	T(test_gicd_pending_pairs),
	T(test_gicd_active_pairs),
	T(test_gicd_priority_bytes),
	T(test_gicd_icfgr),
	T(test_gicd_irouter),
	T(test_gicd_reserved_raz_wi),
	T(test_gicd_bad_accesses),
	T(test_gicr_typer_and_last),
	T(test_gicr_waker_handshake),
	T(test_gicr_rd_frame_misc),
	T(test_gicr_sgi_frame),
	T(test_linux_boot_sequence),
};
const size_t vgic_mmio_tests_count = sizeof(vgic_mmio_tests) / sizeof(vgic_mmio_tests[0]);
