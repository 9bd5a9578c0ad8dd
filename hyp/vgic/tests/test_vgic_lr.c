/*
 * Injection, SGIs and list registers: SGI decoding, routing, priority order and limits
 * of fill, every sync case (EOIed, still active, still pending, re-latched while in
 * flight, level lines, hardware-mapped), kicks and WFI wake-up.
 */
#include "vgic_test.h"

#define NR_LRS 4

static uint64_t lrs[VGIC_MAX_LRS];

static unsigned int fill(unsigned int vcpu)
{
	return vgic_fill_lrs(&V, vcpu, lrs, NR_LRS);
}

static void sync_(unsigned int vcpu, unsigned int n)
{
	vgic_sync_lrs(&V, vcpu, lrs, n);
}

/* Everything Linux enables: distributor, and the given interrupt on its vCPU. */
static void ready(unsigned int vcpu, uint32_t intid, uint8_t prio)
{
	dist_enable();
	enable(vcpu, intid);
	set_prio(vcpu, intid, prio);
}

static uint64_t sgi1r(unsigned int intid, uint16_t targets, unsigned int aff1, unsigned int rs,
		      bool irm)
{
	return (uint64_t)targets | (uint64_t)aff1 << 16 | (uint64_t)intid << 24 |
	       (uint64_t)rs << 44 | (irm ? 1ull << 40 : 0);
}

static void test_sgi_targeted(void **state)
{
	(void)state;
	dist_enable();
	for (unsigned int c = 0; c < NR_VCPUS; c++)
		r_wr32(c, SGI_BASE + GICD_ISENABLER, 0xffff);
	/* vCPU 0 sends SGI 5 to vCPUs 1 and 2. */
	assert_int_equal(vgic_sgi1r_write(&V, 0, sgi1r(5, 0x6, 0, 0, false)), 0x6);
	assert_false(info(0, 5).pending);
	assert_true(info(1, 5).pending);
	assert_true(info(2, 5).pending);
	assert_false(info(3, 5).pending);
	/* To itself. */
	assert_int_equal(vgic_sgi1r_write(&V, 3, sgi1r(1, 0x8, 0, 0, false)), 0x8);
	assert_true(info(3, 1).pending);
	/* Targets the VM does not have are ignored. */
	assert_int_equal(vgic_sgi1r_write(&V, 0, sgi1r(2, 0xfff0, 0, 0, false)), 0);
	assert_int_equal(vgic_sgi1r_write(&V, 0, sgi1r(2, 0x1, 1, 0, false)), 0);   /* Aff1 */
	assert_int_equal(vgic_sgi1r_write(&V, 0, sgi1r(2, 0x1, 0, 1, false)), 0);   /* RS */
	assert_int_equal(vgic_sgi1r_write(&V, 0, sgi1r(2, 0x1, 0, 0, false) | 1ull << 32), 0);
	assert_int_equal(vgic_sgi1r_write(&V, 0, sgi1r(2, 0x1, 0, 0, false) | 1ull << 48), 0);
	for (unsigned int c = 0; c < NR_VCPUS; c++)
		assert_false(info(c, 2).pending);
	/* A disabled SGI latches pending but kicks no one. */
	r_wr32(1, SGI_BASE + GICD_ICENABLER, 1u << 9);
	assert_int_equal(vgic_sgi1r_write(&V, 0, sgi1r(9, 0x2, 0, 0, false)), 0);
	assert_true(info(1, 9).pending);
	assert_int_equal(fill(1), 1);                   /* only SGI 5 */
	assert_int_equal(lr_intid(lrs[0]), 5);
	/* Bad sender. */
	assert_int_equal(vgic_sgi1r_write(&V, NR_VCPUS, sgi1r(1, 1, 0, 0, false)), PAL_E_INVALID);
}

static void test_sgi_broadcast_irm(void **state)
{
	(void)state;
	dist_enable();
	for (unsigned int c = 0; c < NR_VCPUS; c++)
		r_wr32(c, SGI_BASE + GICD_ISENABLER, 0xffff);
	/* IRM: every vCPU but the sender; the TargetList is ignored. */
	assert_int_equal(vgic_sgi1r_write(&V, 2, sgi1r(7, 0x4, 0, 0, true)), 0xb);
	assert_true(info(0, 7).pending);
	assert_true(info(1, 7).pending);
	assert_false(info(2, 7).pending);
	assert_true(info(3, 7).pending);
	/* Even with Aff fields set. */
	assert_int_equal(vgic_sgi1r_write(&V, 0, sgi1r(8, 0, 5, 3, true) | 7ull << 48), 0xe);
	assert_false(info(0, 8).pending);
	/* A one-vCPU VM: nobody. */
	{
		struct vgic one;

		assert_int_equal(vgic_init(&one, 1), PAL_OK);
		assert_int_equal(vgic_sgi1r_write(&one, 0, sgi1r(1, 0, 0, 0, true)), 0);
	}
}

static void test_fill_lr_format(void **state)
{
	unsigned int n;
	int i;

	(void)state;
	ready(0, 40, 0xa0);                             /* level SPI */
	ready(0, 41, 0x30);
	set_edge(0, 41);
	assert_int_equal(vgic_inject(&V, 0, 40, true), 1);
	assert_int_equal(vgic_inject(&V, 0, 41, false), 1);
	n = fill(0);
	assert_int_equal(n, 2);
	i = find_lr(lrs, n, 40);
	assert_true(i >= 0);
	assert_int_equal(lr_prio(lrs[i]), 0xa0);
	assert_int_equal(lr_state(lrs[i]), ST_PENDING);
	assert_true(lrs[i] & VGIC_LR_GROUP1);
	assert_false(lrs[i] & VGIC_LR_HW);
	assert_true(lrs[i] & VGIC_LR_EOI);              /* level: resample on EOI */
	assert_int_equal(lrs[i] & ~(VGIC_LR_VINTID_MASK | 0xffull << 48 | 3ull << 62 |
				    VGIC_LR_GROUP1 | VGIC_LR_EOI), 0);
	i = find_lr(lrs, n, 41);
	assert_true(i >= 0);
	assert_false(lrs[i] & VGIC_LR_EOI);             /* edge: no maintenance needed */
	assert_int_equal(lr_prio(lrs[i]), 0x30);
	/* Unused entries are cleared. */
	for (unsigned int k = n; k < NR_LRS; k++)
		assert_int_equal(lrs[k], 0);
	assert_int_equal(vgic_ich_hcr(&V, 0), VGIC_HCR_EN);
	assert_true(info(0, 40).in_flight);
}

static void test_fill_priority_order_and_limit(void **state)
{
	static const struct { uint32_t intid; uint8_t prio; } irqs[] = {
		{ 50, 0xa0 }, { 33, 0x80 }, { 60, 0x20 }, { 34, 0x80 }, { 45, 0xf0 }, { 70, 0x00 },
	};
	static const uint32_t want[] = { 70, 60, 33, 34 };
	unsigned int n;

	(void)state;
	for (size_t k = 0; k < 6; k++) {
		ready(0, irqs[k].intid, irqs[k].prio);
		set_edge(0, irqs[k].intid);
		assert_true(vgic_inject(&V, 0, irqs[k].intid, false) >= 0);
	}
	n = fill(0);
	assert_int_equal(n, NR_LRS);
	for (unsigned int k = 0; k < NR_LRS; k++)
		assert_int_equal(lr_intid(lrs[k]), want[k]);    /* ties: lower INTID first */
	/* More were deliverable than fit: ask for the underflow maintenance interrupt. */
	assert_int_equal(vgic_ich_hcr(&V, 0), VGIC_HCR_EN | VGIC_HCR_UIE);
	assert_false(info(0, 50).in_flight);
	/* The guest takes and completes all four. */
	for (unsigned int k = 0; k < n; k++)
		lrs[k] = guest_eoi(guest_ack(lrs[k]));
	sync_(0, n);
	n = fill(0);
	assert_int_equal(n, 2);
	assert_int_equal(lr_intid(lrs[0]), 50);
	assert_int_equal(lr_intid(lrs[1]), 45);
	assert_int_equal(vgic_ich_hcr(&V, 0), VGIC_HCR_EN);
	/* A fill with fewer LRs than the hardware allows, and with none. */
	assert_int_equal(vgic_fill_lrs(&V, 0, lrs, 1), 1);
	assert_int_equal(lr_intid(lrs[0]), 50);
	assert_int_equal(vgic_fill_lrs(&V, 0, lrs, 0), 0);
	assert_int_equal(vgic_ich_hcr(&V, 0), VGIC_HCR_EN | VGIC_HCR_UIE);
}

static void test_active_goes_first(void **state)
{
	unsigned int n;

	(void)state;
	/* Five pending at high priority, one active at low: the active one keeps an LR. */
	for (uint32_t i = 32; i < 37; i++) {
		ready(0, i, 0x10);
		set_edge(0, i);
		vgic_inject(&V, 0, i, false);
	}
	ready(0, 99, 0xf0);
	d_wr32(REG_OF(GICD_ISACTIVER, 99), BIT_OF(99));
	n = fill(0);
	assert_int_equal(n, NR_LRS);
	assert_int_equal(lr_intid(lrs[0]), 99);
	assert_int_equal(lr_state(lrs[0]), ST_ACTIVE);
}

static void test_disabled_never_in_lrs(void **state)
{
	(void)state;
	/* Pending but disabled. */
	set_prio(0, 40, 0x80);
	dist_enable();
	vgic_inject(&V, 0, 40, false);
	assert_int_equal(fill(0), 0);
	assert_false(vgic_has_pending(&V, 0));
	assert_int_equal(vgic_ich_hcr(&V, 0), VGIC_HCR_EN);
	/* Enabled, but the distributor's group 1 is off. */
	enable(0, 40);
	d_wr32(GICD_CTLR, 0);
	assert_int_equal(fill(0), 0);
	assert_false(vgic_has_pending(&V, 0));
	/* Distributor on: delivered, and the enabling write asked for a kick. */
	vgic_take_kicks(&V);
	dist_enable();
	assert_int_equal(vgic_take_kicks(&V), 1);
	assert_true(vgic_has_pending(&V, 0));
	assert_int_equal(fill(0), 1);
	/* Disabled while pending in an LR: the next fill drops it. */
	sync_(0, 1);
	d_wr32(REG_OF(GICD_ICENABLER, 40), BIT_OF(40));
	assert_int_equal(fill(0), 0);
	/* Private interrupts too. */
	r_wr32(1, SGI_BASE + GICD_ISPENDR, 1u << 20);
	assert_int_equal(fill(1), 0);
	assert_false(vgic_has_pending(&V, 1));
	/* Active and disabled: listed as active only, so the guest can deactivate it. */
	d_wr32(REG_OF(GICD_ISACTIVER, 40), BIT_OF(40));
	assert_int_equal(fill(0), 1);
	assert_int_equal(lrs[0] & ~VGIC_LR_EOI,
			 40 | 0x80ull << VGIC_LR_PRIO_SHIFT | VGIC_LR_GROUP1 | VGIC_LR_ACTIVE);
}

static void test_sync_states(void **state)
{
	unsigned int n;

	(void)state;
	ready(0, 64, 0x40);
	set_edge(0, 64);
	vgic_inject(&V, 0, 64, false);
	/* Exit before the guest looked at it: still pending. */
	assert_int_equal(fill(0), 1);
	sync_(0, 1);
	assert_true(info(0, 64).pending);
	assert_false(info(0, 64).in_flight);
	/* Acknowledged: active, no longer pending. */
	assert_int_equal(fill(0), 1);
	lrs[0] = guest_ack(lrs[0]);
	sync_(0, 1);
	assert_true(info(0, 64).active);
	assert_false(info(0, 64).pending);
	/* Still active: it goes back into an LR as active. */
	n = fill(0);
	assert_int_equal(n, 1);
	assert_int_equal(lr_state(lrs[0]), ST_ACTIVE);
	/* EOIed: gone. */
	lrs[0] = guest_eoi(lrs[0]);
	sync_(0, 1);
	assert_false(info(0, 64).active);
	assert_false(info(0, 64).pending);
	assert_int_equal(fill(0), 0);
	assert_false(vgic_has_pending(&V, 0));
	/* What a guest reads back while nothing is in flight. */
	assert_int_equal(d_rd32(REG_OF(GICD_ISACTIVER, 64)) & BIT_OF(64), 0);
}

static void test_sync_sees_all_lrs_or_fewer(void **state)
{
	(void)state;
	ready(0, 64, 0x40);
	set_edge(0, 64);
	vgic_inject(&V, 0, 64, false);
	/* The integrator may pass every LR it has, not only the ones fill used. */
	assert_int_equal(fill(0), 1);
	lrs[0] = guest_eoi(guest_ack(lrs[0]));
	vgic_sync_lrs(&V, 0, lrs, NR_LRS);
	assert_false(info(0, 64).pending);
	/* An LR it did not pass, or one with another vINTID, counts as untouched. */
	vgic_inject(&V, 0, 64, false);
	assert_int_equal(fill(0), 1);
	vgic_sync_lrs(&V, 0, lrs, 0);
	assert_true(info(0, 64).pending);
	assert_int_equal(fill(0), 1);
	lrs[0] = 65 | VGIC_LR_GROUP1;
	sync_(0, 1);
	assert_true(info(0, 64).pending);
	/* Fill twice without a sync: the same LRs again. */
	assert_int_equal(fill(0), 1);
	assert_int_equal(fill(0), 1);
	assert_int_equal(lr_intid(lrs[0]), 64);
	assert_int_equal(lr_state(lrs[0]), ST_PENDING);
}

static void test_edge_relatched_in_flight(void **state)
{
	(void)state;
	ready(1, 80, 0x40);
	set_edge(1, 80);
	d_wr(GICD_IROUTER + 8 * 80, 8, 1);
	assert_int_equal(vgic_inject(&V, 0, 80, false), 1 << 1);
	assert_int_equal(fill(1), 1);
	/* A new edge while vCPU 1 holds it: vCPU 1 must come out and refill. */
	assert_int_equal(vgic_inject(&V, 0, 80, false), 1 << 1);
	lrs[0] = guest_ack(lrs[0]);
	sync_(1, 1);
	assert_true(info(1, 80).active);
	assert_true(info(1, 80).pending);
	/* Next entry: pending and active in one LR. */
	assert_int_equal(fill(1), 1);
	assert_int_equal(lr_state(lrs[0]), ST_PA);
	lrs[0] = guest_eoi(lrs[0]);                     /* -> pending */
	sync_(1, 1);
	assert_int_equal(fill(1), 1);
	assert_int_equal(lr_state(lrs[0]), ST_PENDING);
	lrs[0] = guest_eoi(guest_ack(lrs[0]));
	sync_(1, 1);
	assert_int_equal(fill(1), 0);
	/* The edge arrives while in flight and the guest completes the first one. */
	vgic_inject(&V, 0, 80, false);
	assert_int_equal(fill(1), 1);
	vgic_inject(&V, 0, 80, false);
	lrs[0] = guest_eoi(guest_ack(lrs[0]));
	sync_(1, 1);
	assert_true(info(1, 80).pending);
	assert_int_equal(fill(1), 1);
	assert_int_equal(lr_state(lrs[0]), ST_PENDING);
	/* Two edges before the guest looked: they coalesce into one. */
	lrs[0] = guest_eoi(guest_ack(lrs[0]));
	sync_(1, 1);
	vgic_inject(&V, 0, 80, false);
	vgic_inject(&V, 0, 80, false);
	assert_int_equal(fill(1), 1);
	lrs[0] = guest_eoi(guest_ack(lrs[0]));
	sync_(1, 1);
	assert_int_equal(fill(1), 0);
}

static void test_level_lines(void **state)
{
	(void)state;
	ready(0, 48, 0x40);                             /* level by default */
	assert_int_equal(vgic_set_level(&V, 0, 48, true), 1);
	assert_int_equal(fill(0), 1);
	assert_true(lrs[0] & VGIC_LR_EOI);
	lrs[0] = guest_ack(lrs[0]);
	/* The device lowers its line while the guest handles it. */
	vgic_set_level(&V, 0, 48, false);
	sync_(0, 1);
	assert_true(info(0, 48).active);
	assert_false(info(0, 48).pending);
	assert_int_equal(fill(0), 1);
	assert_int_equal(lr_state(lrs[0]), ST_ACTIVE);
	lrs[0] = guest_eoi(lrs[0]);
	sync_(0, 1);
	assert_int_equal(fill(0), 0);
	/* The line stays high across the EOI: delivered again. */
	vgic_set_level(&V, 0, 48, true);
	assert_int_equal(fill(0), 1);
	lrs[0] = guest_eoi(guest_ack(lrs[0]));
	sync_(0, 1);
	assert_true(info(0, 48).pending);
	assert_int_equal(fill(0), 1);
	assert_int_equal(lr_state(lrs[0]), ST_PENDING);
	/* Lowered while pending in the LR: the exit's sync drops it. */
	vgic_set_level(&V, 0, 48, false);
	sync_(0, 1);
	assert_false(info(0, 48).pending);
	assert_int_equal(fill(0), 0);
	/* An edge-triggered line latches on the rising edge only. */
	set_edge(0, 48);
	vgic_set_level(&V, 0, 48, true);
	vgic_set_level(&V, 0, 48, true);
	assert_int_equal(fill(0), 1);
	lrs[0] = guest_eoi(guest_ack(lrs[0]));
	sync_(0, 1);
	assert_int_equal(fill(0), 0);
	vgic_set_level(&V, 0, 48, false);
	vgic_set_level(&V, 0, 48, true);
	assert_int_equal(fill(0), 1);
	/* An edge injected into a level interrupt latches until acknowledged. */
	lrs[0] = guest_eoi(guest_ack(lrs[0]));
	sync_(0, 1);
	d_wr32(GICD_ICFGR + 4 * (48 / 16), 0);
	vgic_set_level(&V, 0, 48, false);
	assert_int_equal(vgic_inject(&V, 0, 48, false), 1);
	assert_int_equal(fill(0), 1);
	sync_(0, 1);
	assert_true(info(0, 48).pending);
	assert_int_equal(fill(0), 1);
	lrs[0] = guest_eoi(guest_ack(lrs[0]));
	sync_(0, 1);
	assert_false(info(0, 48).pending);
}

static void test_level_icpendr_in_flight(void **state)
{
	(void)state;
	ready(2, 90, 0x40);
	d_wr(GICD_IROUTER + 8 * 90, 8, 2);
	vgic_inject(&V, 0, 90, false);                  /* latched */
	assert_int_equal(fill(2), 1);
	/* vCPU 0 clears the pending state while vCPU 2 holds it in an LR. */
	vgic_take_kicks(&V);
	d_wr32(REG_OF(GICD_ICPENDR, 90), BIT_OF(90));
	assert_int_equal(vgic_take_kicks(&V), 1 << 2);
	sync_(2, 1);                                    /* the LR still said pending */
	assert_false(info(2, 90).pending);
	assert_int_equal(fill(2), 0);
	/* ICACTIVER while in flight wins over the LR's active state, ISACTIVER too. */
	vgic_inject(&V, 0, 90, false);
	assert_int_equal(fill(2), 1);
	lrs[0] = guest_ack(lrs[0]);
	d_wr32(REG_OF(GICD_ICACTIVER, 90), BIT_OF(90));
	sync_(2, 1);
	assert_false(info(2, 90).active);
	assert_int_equal(fill(2), 0);
	vgic_inject(&V, 0, 90, false);
	assert_int_equal(fill(2), 1);
	d_wr32(REG_OF(GICD_ISACTIVER, 90), BIT_OF(90));
	assert_true(d_rd32(REG_OF(GICD_ISACTIVER, 90)) & BIT_OF(90));
	lrs[0] = guest_eoi(guest_ack(lrs[0]));
	sync_(2, 1);
	assert_true(info(2, 90).active);
	/* ISPENDR while in flight, and the guest completes the LR: pending again. */
	d_wr32(REG_OF(GICD_ICACTIVER, 90), BIT_OF(90));
	vgic_inject(&V, 0, 90, false);
	assert_int_equal(fill(2), 1);
	assert_true(d_rd32(REG_OF(GICD_ISPENDR, 90)) & BIT_OF(90));     /* the LR's copy */
	d_wr32(REG_OF(GICD_ISPENDR, 90), BIT_OF(90));
	lrs[0] = guest_eoi(guest_ack(lrs[0]));
	sync_(2, 1);
	assert_true(info(2, 90).pending);
}

static void test_hw_timer_ppi(void **state)
{
	uint32_t p[4];
	unsigned int n;

	(void)state;
	assert_int_equal(vgic_map_hw(&V, 1, 27, 27), PAL_OK);
	assert_true(info(1, 27).hw);
	assert_false(info(0, 27).hw);
	ready(1, 27, 0xa0);
	/* The physical timer fired on vCPU 1's CPU: acked, priority dropped, injected. */
	assert_int_equal(vgic_inject(&V, 1, 27, false), 1 << 1);
	assert_true(vgic_has_pending(&V, 1));
	n = fill(1);
	assert_int_equal(n, 1);
	assert_true(lrs[0] & VGIC_LR_HW);
	assert_int_equal((lrs[0] & VGIC_LR_PINTID_MASK) >> VGIC_LR_PINTID_SHIFT, 27);
	assert_false(lrs[0] & VGIC_LR_EOI);             /* bit 41 is pINTID with HW = 1 */
	assert_int_equal(lr_state(lrs[0]), ST_PENDING);
	/* The guest handles it; its EOI deactivates the physical interrupt. */
	lrs[0] = guest_ack(lrs[0]);
	sync_(1, 1);
	assert_true(info(1, 27).active);
	assert_int_equal(fill(1), 1);
	assert_int_equal(lr_state(lrs[0]), ST_ACTIVE);
	lrs[0] = guest_eoi(lrs[0]);
	sync_(1, 1);
	/* Not re-injected, and no software deactivation of the physical. */
	assert_false(info(1, 27).pending);
	assert_false(info(1, 27).active);
	assert_int_equal(fill(1), 0);
	assert_int_equal(vgic_take_hw_deactivations(&V, 1, p, 4), 0);
	/* The line level does not matter for HW interrupts: only physical activations. */
	vgic_set_level(&V, 1, 27, true);
	assert_int_equal(fill(1), 1);
	lrs[0] = guest_eoi(guest_ack(lrs[0]));
	sync_(1, 1);
	assert_int_equal(fill(1), 0);
	/* Never pending and active at once in a HW LR. */
	vgic_inject(&V, 1, 27, false);
	assert_int_equal(fill(1), 1);
	lrs[0] = guest_ack(lrs[0]);
	sync_(1, 1);
	r_wr32(1, SGI_BASE + GICD_ISPENDR, 1u << 27);
	assert_int_equal(fill(1), 1);
	assert_int_equal(lr_state(lrs[0]), ST_ACTIVE);
	lrs[0] = guest_eoi(lrs[0]);
	sync_(1, 1);
	assert_int_equal(fill(1), 1);
	assert_int_equal(lr_state(lrs[0]), ST_PENDING);
	lrs[0] = guest_eoi(guest_ack(lrs[0]));
	sync_(1, 1);
	assert_int_equal(vgic_take_hw_deactivations(&V, 1, p, 4), 0);
}

static void test_hw_dropped_by_guest_registers(void **state)
{
	uint32_t p[4];

	(void)state;
	assert_int_equal(vgic_map_hw(&V, 2, 27, 27), PAL_OK);
	assert_int_equal(vgic_map_hw(&V, 0, 45, 77), PAL_OK);
	ready(2, 27, 0xa0);
	ready(0, 45, 0xa0);
	/* Linux's gic_cpu_init writes ICACTIVER0 = ~0 while the timer is active. */
	vgic_inject(&V, 2, 27, false);
	assert_int_equal(fill(2), 1);
	lrs[0] = guest_ack(lrs[0]);
	sync_(2, 1);
	vgic_take_kicks(&V);
	r_wr32(2, SGI_BASE + GICD_ICACTIVER, ~0u);
	assert_int_equal(vgic_take_kicks(&V), 1 << 2);
	assert_int_equal(vgic_take_hw_deactivations(&V, 1, p, 4), 0);   /* not vCPU 1's */
	assert_int_equal(vgic_take_hw_deactivations(&V, 2, p, 4), 1);
	assert_int_equal(p[0], 27);
	assert_int_equal(vgic_take_hw_deactivations(&V, 2, p, 4), 0);
	/* ICPENDR on a pending HW SPI. */
	vgic_inject(&V, 0, 45, false);
	d_wr32(REG_OF(GICD_ICPENDR, 45), BIT_OF(45));
	assert_int_equal(vgic_take_hw_deactivations(&V, 3, p, 4), 1);   /* SPIs: any vCPU */
	assert_int_equal(p[0], 77);
	/* The same while the interrupt sits in an LR: decided at the sync. */
	vgic_inject(&V, 0, 45, false);
	assert_int_equal(fill(0), 1);
	d_wr32(REG_OF(GICD_ICPENDR, 45), BIT_OF(45));
	assert_int_equal(vgic_take_hw_deactivations(&V, 0, p, 4), 0);
	sync_(0, 1);                                    /* LR still pending */
	assert_int_equal(vgic_take_hw_deactivations(&V, 0, p, 4), 1);
	assert_int_equal(p[0], 77);
	/* ...but not when the guest deactivated it through the LR meanwhile. */
	vgic_inject(&V, 0, 45, false);
	assert_int_equal(fill(0), 1);
	d_wr32(REG_OF(GICD_ICPENDR, 45), BIT_OF(45));
	lrs[0] = guest_eoi(guest_ack(lrs[0]));
	sync_(0, 1);
	assert_int_equal(vgic_take_hw_deactivations(&V, 0, p, 4), 0);
	/* Mapping rules. */
	assert_int_equal(vgic_map_hw(&V, 0, 5, 27), PAL_E_INVALID);      /* SGI */
	assert_int_equal(vgic_map_hw(&V, 0, 27, 3), PAL_E_INVALID);      /* physical SGI */
	assert_int_equal(vgic_map_hw(&V, 0, 27, 1020), PAL_E_INVALID);
	assert_int_equal(vgic_map_hw(&V, 0, VGIC_NR_IRQS, 40), PAL_E_INVALID);
	assert_int_equal(vgic_map_hw(&V, NR_VCPUS, 27, 27), PAL_E_INVALID);
	vgic_inject(&V, 0, 45, false);
	assert_int_equal(fill(0), 1);
	assert_int_equal(vgic_map_hw(&V, 0, 45, 78), PAL_E_BUSY);
	assert_int_equal(vgic_unmap_hw(&V, 0, 45), PAL_E_BUSY);
	sync_(0, 1);
	/* Unmapping a pending HW interrupt hands its physical activation back. */
	assert_int_equal(vgic_unmap_hw(&V, 0, 45), PAL_OK);
	assert_int_equal(vgic_take_hw_deactivations(&V, 0, p, 4), 1);
	assert_int_equal(p[0], 77);
	assert_false(info(0, 45).hw);
	assert_int_equal(vgic_unmap_hw(&V, 0, 45), PAL_E_INVALID);
	/* Many requests come out max at a time. */
	for (uint32_t i = 100; i < 105; i++) {
		assert_int_equal(vgic_map_hw(&V, 0, i, i), PAL_OK);
		vgic_inject(&V, 0, i, false);
		d_wr32(REG_OF(GICD_ICPENDR, i), BIT_OF(i));
	}
	assert_int_equal(vgic_take_hw_deactivations(&V, 0, p, 4), 4);
	assert_int_equal(p[0], 100);
	assert_int_equal(p[3], 103);
	assert_int_equal(vgic_take_hw_deactivations(&V, 0, p, 4), 1);
	assert_int_equal(p[0], 104);
}

static void test_spi_routing(void **state)
{
	(void)state;
	ready(0, 40, 0x80);
	set_edge(0, 40);
	d_wr(GICD_IROUTER + 8 * 40, 8, 2);
	assert_int_equal(vgic_inject(&V, 3, 40, false), 1 << 2);   /* vcpu ignored for SPIs */
	assert_int_equal(fill(0), 0);
	assert_int_equal(fill(3), 0);
	assert_false(vgic_has_pending(&V, 0));
	assert_true(vgic_has_pending(&V, 2));
	assert_int_equal(fill(2), 1);
	assert_int_equal(lr_intid(lrs[0]), 40);
	/* Rerouted while in flight on vCPU 2: vCPU 2 releases it to vCPU 3 at its sync. */
	vgic_take_kicks(&V);
	d_wr(GICD_IROUTER + 8 * 40, 8, 3);
	assert_int_equal(vgic_take_kicks(&V), 1 << 2);
	{
		uint64_t other[NR_LRS];

		assert_int_equal(vgic_fill_lrs(&V, 3, other, NR_LRS), 0);  /* held by vCPU 2 */
	}
	assert_false(vgic_has_pending(&V, 3));
	sync_(2, 1);
	assert_int_equal(vgic_take_kicks(&V), 1 << 3);
	assert_int_equal(fill(2), 0);
	assert_int_equal(fill(3), 1);
	lrs[0] = guest_eoi(guest_ack(lrs[0]));
	sync_(3, 1);
	/* Routed nowhere: stays pending, nobody kicked, until routed again. */
	d_wr(GICD_IROUTER + 8 * 40, 8, 0x10000);        /* Aff2 = 1 */
	assert_int_equal(vgic_inject(&V, 0, 40, false), 0);
	for (unsigned int c = 0; c < NR_VCPUS; c++)
		assert_int_equal(fill(c), 0);
	vgic_take_kicks(&V);
	d_wr(GICD_IROUTER + 8 * 40, 8, 1);
	assert_int_equal(vgic_take_kicks(&V), 1 << 1);
	assert_int_equal(fill(1), 1);
	/* Enabling a pending interrupt kicks its target. */
	sync_(1, 1);
	d_wr32(REG_OF(GICD_ICENABLER, 40), BIT_OF(40));
	vgic_take_kicks(&V);
	d_wr32(REG_OF(GICD_ISENABLER, 40), BIT_OF(40));
	assert_int_equal(vgic_take_kicks(&V), 1 << 1);
	assert_int_equal(vgic_take_kicks(&V), 0);
}

static void test_inject_invalid(void **state)
{
	(void)state;
	assert_int_equal(vgic_inject(&V, 0, VGIC_NR_IRQS, false), PAL_E_INVALID);
	assert_int_equal(vgic_inject(&V, 0, 1020, true), PAL_E_INVALID);
	assert_int_equal(vgic_inject(&V, NR_VCPUS, 27, false), PAL_E_INVALID);
	assert_int_equal(vgic_set_level(&V, NR_VCPUS, 20, true), PAL_E_INVALID);
	assert_int_equal(vgic_set_level(&V, 0, VGIC_NR_IRQS, true), PAL_E_INVALID);
	assert_int_equal(vgic_inject(&V, NR_VCPUS, 40, false), 0);    /* SPI: vcpu ignored */
	assert_int_equal(fill(NR_VCPUS), 0);
	assert_false(vgic_has_pending(&V, NR_VCPUS));
	assert_int_equal(vgic_ich_hcr(&V, NR_VCPUS), VGIC_HCR_EN);
	vgic_sync_lrs(&V, NR_VCPUS, lrs, 1);
	{
		struct vgic_irq_info i;

		assert_int_equal(vgic_irq_state(&V, 0, VGIC_NR_IRQS, &i), PAL_E_INVALID);
		assert_int_equal(vgic_irq_state(&V, NR_VCPUS, 3, &i), PAL_E_INVALID);
	}
}

static void test_ppi_and_sgi_banking(void **state)
{
	(void)state;
	dist_enable();
	enable(0, 23);
	enable(1, 23);
	assert_int_equal(vgic_inject(&V, 1, 23, true), 1 << 1);
	assert_int_equal(fill(0), 0);
	assert_int_equal(fill(1), 1);
	assert_int_equal(lr_intid(lrs[0]), 23);
	assert_false(vgic_has_pending(&V, 0));
	/* SGIs in LRs carry just the INTID (no GICv2 source CPU). */
	enable(2, 3);
	vgic_sgi1r_write(&V, 0, sgi1r(3, 1 << 2, 0, 0, false));
	assert_int_equal(fill(2), 1);
	assert_int_equal(lr_intid(lrs[0]), 3);
	assert_false(lrs[0] & VGIC_LR_EOI);             /* SGIs are edge */
}

static void test_has_pending_and_vmcr(void **state)
{
	(void)state;
	ready(0, 40, 0x80);
	assert_false(vgic_has_pending(&V, 0));
	vgic_set_level(&V, 0, 40, true);
	assert_true(vgic_has_pending(&V, 0));
	/* Still pending in an LR that was not synced yet. */
	assert_int_equal(fill(0), 1);
	assert_true(vgic_has_pending(&V, 0));
	lrs[0] = guest_ack(lrs[0]);
	vgic_set_level(&V, 0, 40, false);
	sync_(0, 1);
	/* Active only: nothing to wake for. */
	assert_false(vgic_has_pending(&V, 0));
	/* ICH_VMCR_EL2 storage. */
	assert_int_equal(vgic_vmcr(&V, 1), 0);
	vgic_save_vmcr(&V, 1, 0xf0000002);
	assert_int_equal(vgic_vmcr(&V, 1), 0xf0000002);
	assert_int_equal(vgic_vmcr(&V, 0), 0);
	vgic_save_vmcr(&V, NR_VCPUS, 1);
	assert_int_equal(vgic_vmcr(&V, NR_VCPUS), 0);
}

#define T(fn) cmocka_unit_test_setup(fn, vgic_setup)
const struct CMUnitTest vgic_lr_tests[] = {
	T(test_sgi_targeted),
	T(test_sgi_broadcast_irm),
	T(test_fill_lr_format),
	T(test_fill_priority_order_and_limit),
	T(test_active_goes_first),
	T(test_disabled_never_in_lrs),
	T(test_sync_states),
	T(test_sync_sees_all_lrs_or_fewer),
	T(test_edge_relatched_in_flight),
	T(test_level_lines),
	T(test_level_icpendr_in_flight),
	T(test_hw_timer_ppi),
	T(test_hw_dropped_by_guest_registers),
	T(test_spi_routing),
	T(test_inject_invalid),
	T(test_ppi_and_sgi_banking),
	T(test_has_pending_and_vmcr),
};
const size_t vgic_lr_tests_count = sizeof(vgic_lr_tests) / sizeof(vgic_lr_tests[0]);
