/*
 * Virtual GICv3 core: interrupt state, injection, SGIs and list registers
 * (docs/vgic.md). Register emulation is in vgic_mmio.c.
 *
 * The state of an interrupt lives in struct vgic_irq while it is not in flight. A fill
 * moves its latched pending state into an LR (its active state is copied) and marks it
 * in flight on that vCPU; only the sync of that vCPU ends the flight. Changes made
 * meanwhile by other CPUs go to the software state and lr_flags say how the sync merges
 * them with what the guest did to the LR, so neither a new edge nor a guest EOI is lost.
 */
#include <string.h>

#include <palisade/error.h>
#include "vgic_internal.h"

#define PRI_MASK ((uint8_t)(0xffu << (8 - VGIC_PRI_BITS)))

struct vgic_irq *vgic_irq_get(struct vgic *v, unsigned int vcpu, uint32_t intid)
{
	if (intid < VGIC_NR_PRIVATE)
		return vcpu < v->nr_vcpus ? &v->cpu[vcpu].priv[intid] : NULL;
	return intid < VGIC_NR_IRQS ? &v->spi[intid - VGIC_NR_PRIVATE] : NULL;
}

/* Software pending state (excluding what an LR holds). */
static bool sw_pending(const struct vgic_irq *irq)
{
	if (irq->flags & VGIC_IRQ_LATCH)
		return true;
	return !(irq->flags & (VGIC_IRQ_EDGE | VGIC_IRQ_HW)) && (irq->flags & VGIC_IRQ_LINE);
}

static bool in_flight(const struct vgic_irq *irq)
{
	return irq->lr_flags & VGIC_LRF_IN;
}

/* Pending or active: for HW interrupts, the physical one is still active. */
static bool busy(const struct vgic_irq *irq)
{
	return sw_pending(irq) || (irq->flags & VGIC_IRQ_ACTIVE);
}

bool vgic_irq_pending_view(const struct vgic_irq *irq)
{
	if (sw_pending(irq))
		return true;
	return (irq->lr_flags & (VGIC_LRF_IN | VGIC_LRF_LATCH | VGIC_LRF_CPEND)) ==
	       (VGIC_LRF_IN | VGIC_LRF_LATCH);
}

static bool deliverable(const struct vgic *v, const struct vgic_irq *irq)
{
	return v->grp1_enabled && (irq->flags & VGIC_IRQ_ENABLED) && sw_pending(irq);
}

int vgic_spi_target(const struct vgic *v, const struct vgic_irq *irq)
{
	uint64_t r = irq->route;

	if (r & VGIC_IROUTER_IRM) {
		/* 1 of N: the first awake vCPU, no balancing (docs/vgic.md). */
		for (unsigned int i = 0; i < v->nr_vcpus; i++)
			if (!v->cpu[i].asleep)
				return (int)i;
		return 0;
	}
	if (r & ~0xffull)
		return -1;      /* Aff1..Aff3 name no vCPU of ours */
	return r < v->nr_vcpus ? (int)r : -1;
}

static void set_bit32(uint32_t *map, unsigned int n, bool on)
{
	if (on)
		map[n / 32] |= 1u << (n % 32);
	else
		map[n / 32] &= ~(1u << (n % 32));
}

static void request_hw_deact(struct vgic *v, unsigned int vcpu, uint32_t intid)
{
	if (intid < VGIC_NR_PRIVATE) {
		v->cpu[vcpu].hw_deact |= 1u << intid;
		v->kicks |= 1u << vcpu;  /* the deactivation happens on vcpu's pCPU */
	} else {
		set_bit32(v->spi_hw_deact, intid - VGIC_NR_PRIVATE, true);
	}
}

/*
 * After a change to irq: keep the live bitmap exact, queue a physical deactivation if
 * a HW interrupt went idle other than through an LR, and return the vCPU that must
 * look at it again (the one holding it in an LR, or its target if it can be delivered).
 */
static uint32_t settle(struct vgic *v, unsigned int vcpu, uint32_t intid, struct vgic_irq *irq,
		       bool was_busy)
{
	bool live = busy(irq) || in_flight(irq);
	int target;

	if (intid < VGIC_NR_PRIVATE)
		set_bit32(&v->cpu[vcpu].live, intid, live);
	else
		set_bit32(v->spi_live, intid - VGIC_NR_PRIVATE, live);

	if ((irq->flags & VGIC_IRQ_HW) && !in_flight(irq) && was_busy && !busy(irq))
		request_hw_deact(v, vcpu, intid);

	if (in_flight(irq))
		return 1u << irq->lr_vcpu;
	if (!deliverable(v, irq))
		return 0;
	target = intid < VGIC_NR_PRIVATE ? (int)vcpu : vgic_spi_target(v, irq);
	return target < 0 ? 0 : 1u << target;
}

void vgic_settle_all(struct vgic *v)
{
	for (unsigned int c = 0; c < v->nr_vcpus; c++) {
		uint32_t live = v->cpu[c].live;

		while (live) {
			unsigned int n = (unsigned int)__builtin_ctz(live);
			struct vgic_irq *irq = &v->cpu[c].priv[n];

			live &= live - 1;
			v->kicks |= settle(v, c, n, irq, busy(irq));
		}
	}
	for (unsigned int w = 0; w < VGIC_NR_SPIS / 32; w++) {
		uint32_t live = v->spi_live[w];

		while (live) {
			unsigned int n = w * 32 + (unsigned int)__builtin_ctz(live);
			struct vgic_irq *irq = &v->spi[n];

			live &= live - 1;
			v->kicks |= settle(v, 0, n + VGIC_NR_PRIVATE, irq, busy(irq));
		}
	}
}

/* ------------------------------------------------------------- register-write ops */

void vgic_op_enable(struct vgic *v, unsigned int vcpu, uint32_t intid, bool on)
{
	struct vgic_irq *irq = vgic_irq_get(v, vcpu, intid);
	bool was = busy(irq);

	if (on)
		irq->flags |= VGIC_IRQ_ENABLED;
	else
		irq->flags &= ~VGIC_IRQ_ENABLED;
	v->kicks |= settle(v, vcpu, intid, irq, was);
}

void vgic_op_pending(struct vgic *v, unsigned int vcpu, uint32_t intid, bool on)
{
	struct vgic_irq *irq = vgic_irq_get(v, vcpu, intid);
	bool was = busy(irq);

	if (on) {
		irq->flags |= VGIC_IRQ_LATCH;
	} else {
		/* A level line still high keeps a level interrupt pending. */
		irq->flags &= ~VGIC_IRQ_LATCH;
		if (in_flight(irq))
			irq->lr_flags |= VGIC_LRF_CPEND;
	}
	v->kicks |= settle(v, vcpu, intid, irq, was);
}

void vgic_op_active(struct vgic *v, unsigned int vcpu, uint32_t intid, bool on)
{
	struct vgic_irq *irq = vgic_irq_get(v, vcpu, intid);
	bool was = busy(irq);

	if (on)
		irq->flags |= VGIC_IRQ_ACTIVE;
	else
		irq->flags &= ~VGIC_IRQ_ACTIVE;
	if (in_flight(irq))
		irq->lr_flags |= VGIC_LRF_ACT_SW;
	v->kicks |= settle(v, vcpu, intid, irq, was);
}

void vgic_op_edge(struct vgic *v, unsigned int vcpu, uint32_t intid, bool edge)
{
	struct vgic_irq *irq = vgic_irq_get(v, vcpu, intid);
	bool was = busy(irq);

	if (edge)
		irq->flags |= VGIC_IRQ_EDGE;
	else
		irq->flags &= ~VGIC_IRQ_EDGE;
	v->kicks |= settle(v, vcpu, intid, irq, was);
}

void vgic_op_priority(struct vgic *v, unsigned int vcpu, uint32_t intid, uint8_t prio)
{
	struct vgic_irq *irq = vgic_irq_get(v, vcpu, intid);

	irq->priority = prio & PRI_MASK;
	v->kicks |= settle(v, vcpu, intid, irq, busy(irq));
}

void vgic_op_route(struct vgic *v, uint32_t intid, uint64_t route)
{
	struct vgic_irq *irq = vgic_irq_get(v, 0, intid);

	/* In flight: the owner's sync hands it to the new target (fold_lr kicks it). */
	irq->route = route & VGIC_IROUTER_MASK;
	v->kicks |= settle(v, 0, intid, irq, busy(irq));
}

/* ------------------------------------------------------------------ public API */

int vgic_init(struct vgic *v, unsigned int nr_vcpus)
{
	if (nr_vcpus == 0 || nr_vcpus > VGIC_MAX_VCPUS)
		return PAL_E_INVALID;
	memset(v, 0, sizeof(*v));
	v->lock = (spinlock_t)SPINLOCK_INIT;
	v->nr_vcpus = nr_vcpus;
	for (unsigned int c = 0; c < nr_vcpus; c++) {
		v->cpu[c].asleep = true;
		for (unsigned int i = 0; i < VGIC_NR_SGIS; i++)
			v->cpu[c].priv[i].flags = VGIC_IRQ_EDGE;
	}
	return PAL_OK;
}

/* Checks shared by inject and set_level; SPIs ignore vcpu (use 0 for the bookkeeping). */
static struct vgic_irq *lookup_for_signal(struct vgic *v, unsigned int *vcpu, uint32_t intid)
{
	if (intid >= VGIC_NR_PRIVATE)
		*vcpu = 0;
	return vgic_irq_get(v, *vcpu, intid);
}

static uint32_t drive_line(struct vgic *v, unsigned int vcpu, uint32_t intid,
			   struct vgic_irq *irq, bool high)
{
	bool was = busy(irq);
	bool rising = high && !(irq->flags & VGIC_IRQ_LINE);

	if (high) {
		irq->flags |= VGIC_IRQ_LINE;
		/* HW: every assertion is a new physical activation. */
		if ((irq->flags & VGIC_IRQ_HW) || ((irq->flags & VGIC_IRQ_EDGE) && rising))
			irq->flags |= VGIC_IRQ_LATCH;
	} else {
		irq->flags &= ~VGIC_IRQ_LINE;
	}
	return settle(v, vcpu, intid, irq, was);
}

int vgic_set_level(struct vgic *v, unsigned int vcpu, uint32_t intid, bool level)
{
	struct vgic_irq *irq = lookup_for_signal(v, &vcpu, intid);
	uint32_t kick;

	if (!irq)
		return PAL_E_INVALID;
	spin_lock(&v->lock);
	kick = drive_line(v, vcpu, intid, irq, level);
	spin_unlock(&v->lock);
	return (int)kick;
}

int vgic_inject(struct vgic *v, unsigned int vcpu, uint32_t intid, bool level)
{
	struct vgic_irq *irq = lookup_for_signal(v, &vcpu, intid);
	uint32_t kick;
	bool was;

	if (!irq)
		return PAL_E_INVALID;
	spin_lock(&v->lock);
	if (level) {
		kick = drive_line(v, vcpu, intid, irq, true);
	} else {
		was = busy(irq);
		irq->flags |= VGIC_IRQ_LATCH;
		kick = settle(v, vcpu, intid, irq, was);
	}
	spin_unlock(&v->lock);
	return (int)kick;
}

int vgic_sgi1r_write(struct vgic *v, unsigned int sender_vcpu, uint64_t value)
{
	uint32_t intid = (uint32_t)(value >> 24) & 0xf;
	uint32_t targets = 0, kick = 0;

	if (sender_vcpu >= v->nr_vcpus)
		return PAL_E_INVALID;
	if (value & (1ull << 40)) {
		/* IRM: all PEs but the sender. */
		targets = ((1u << v->nr_vcpus) - 1) & ~(1u << sender_vcpu);
	} else if (((value >> 16) & 0xff) == 0 && ((value >> 32) & 0xff) == 0 &&
		   ((value >> 48) & 0xff) == 0) {
		unsigned int base = (unsigned int)((value >> 44) & 0xf) * 16;

		for (unsigned int b = 0; b < 16; b++)
			if ((value & (1u << b)) && base + b < v->nr_vcpus)
				targets |= 1u << (base + b);
	}

	spin_lock(&v->lock);
	while (targets) {
		unsigned int t = (unsigned int)__builtin_ctz(targets);
		struct vgic_irq *irq = &v->cpu[t].priv[intid];
		bool was = busy(irq);

		targets &= targets - 1;
		irq->flags |= VGIC_IRQ_LATCH;
		kick |= settle(v, t, intid, irq, was);
	}
	spin_unlock(&v->lock);
	return (int)kick;
}

/* Fold one LR back into the software state (see vgic.h for the rules). */
static void fold_lr(struct vgic *v, unsigned int vcpu, uint32_t intid, uint64_t lr)
{
	struct vgic_irq *irq = vgic_irq_get(v, vcpu, intid);
	bool pend = lr & VGIC_LR_PENDING;
	bool act = lr & VGIC_LR_ACTIVE;
	/* A HW LR that is still pending or active has not deactivated the physical. */
	bool phys_active = (irq->flags & VGIC_IRQ_HW) && (pend || act);
	uint32_t kick;

	if (irq->lr_flags & VGIC_LRF_CPEND)
		pend = false;
	if (pend && (irq->lr_flags & VGIC_LRF_LATCH))
		irq->flags |= VGIC_IRQ_LATCH;
	if (!(irq->lr_flags & VGIC_LRF_ACT_SW)) {
		if (act)
			irq->flags |= VGIC_IRQ_ACTIVE;
		else
			irq->flags &= ~VGIC_IRQ_ACTIVE;
	}
	irq->lr_flags = 0;
	kick = settle(v, vcpu, intid, irq, phys_active);
	v->kicks |= kick & ~(1u << vcpu);  /* this vCPU refills anyway */
}

static void sync_locked(struct vgic *v, unsigned int vcpu, const uint64_t lrs[], unsigned int n)
{
	struct vgic_cpu *cpu = &v->cpu[vcpu];

	for (unsigned int i = 0; i < cpu->nr_lr; i++) {
		uint64_t filled = cpu->lr_intid[i];
		uint64_t lr = i < n ? lrs[i] : 0;

		/* An LR we cannot match is taken as unchanged: nothing is lost. */
		if (i >= n || (lr & VGIC_LR_VINTID_MASK) != filled)
			lr = filled | VGIC_LR_PENDING |
			     ((vgic_irq_get(v, vcpu, (uint32_t)filled)->flags & VGIC_IRQ_ACTIVE) ?
			      VGIC_LR_ACTIVE : 0);
		fold_lr(v, vcpu, (uint32_t)filled, lr);
	}
	cpu->nr_lr = 0;
}

void vgic_sync_lrs(struct vgic *v, unsigned int vcpu, const uint64_t lrs[], unsigned int n)
{
	if (vcpu >= v->nr_vcpus)
		return;
	spin_lock(&v->lock);
	sync_locked(v, vcpu, lrs, n);
	spin_unlock(&v->lock);
}

struct cand {
	uint16_t key;           /* active first, then priority: lower is better */
	uint16_t intid;
};

/* Keep best[] sorted and at most max long; ties keep the earlier (lower) INTID. */
static void consider(struct cand best[], unsigned int *nr, unsigned int max, struct cand c)
{
	unsigned int i = *nr;

	if (i == max) {
		if (max == 0 || c.key >= best[max - 1].key)
			return;
		i--;
	} else {
		(*nr)++;
	}
	while (i > 0 && best[i - 1].key > c.key) {
		best[i] = best[i - 1];
		i--;
	}
	best[i] = c;
}

/* An interrupt this vCPU should hold in an LR: active, or pending and deliverable. */
static bool wants_lr(const struct vgic *v, const struct vgic_irq *irq)
{
	return (irq->flags & VGIC_IRQ_ACTIVE) || deliverable(v, irq);
}

static uint64_t make_lr(struct vgic *v, unsigned int vcpu, uint32_t intid, struct vgic_irq *irq)
{
	bool act = irq->flags & VGIC_IRQ_ACTIVE;
	bool pend = deliverable(v, irq);
	uint64_t lr = intid | (uint64_t)irq->priority << VGIC_LR_PRIO_SHIFT | VGIC_LR_GROUP1;

	if (irq->flags & VGIC_IRQ_HW) {
		lr |= VGIC_LR_HW | (uint64_t)irq->hw_intid << VGIC_LR_PINTID_SHIFT;
		/* The pending state of a HW interrupt waits at the physical level. */
		if (act)
			pend = false;
	} else if (!(irq->flags & VGIC_IRQ_EDGE)) {
		lr |= VGIC_LR_EOI;      /* resample the line when the guest deactivates */
	}
	irq->lr_flags = VGIC_LRF_IN;
	irq->lr_vcpu = (uint8_t)vcpu;
	if (pend && (irq->flags & VGIC_IRQ_LATCH)) {
		irq->flags &= ~VGIC_IRQ_LATCH;
		irq->lr_flags |= VGIC_LRF_LATCH;
	}
	if (pend)
		lr |= VGIC_LR_PENDING;
	if (act)
		lr |= VGIC_LR_ACTIVE;
	return lr;
}

unsigned int vgic_fill_lrs(struct vgic *v, unsigned int vcpu, uint64_t lrs[], unsigned int nr_lrs)
{
	struct cand best[VGIC_MAX_LRS];
	unsigned int nr = 0, total = 0;
	struct vgic_cpu *cpu;

	if (nr_lrs > VGIC_MAX_LRS)
		nr_lrs = VGIC_MAX_LRS;
	memset(lrs, 0, nr_lrs * sizeof(lrs[0]));
	if (vcpu >= v->nr_vcpus)
		return 0;
	cpu = &v->cpu[vcpu];

	spin_lock(&v->lock);
	if (cpu->nr_lr)
		sync_locked(v, vcpu, NULL, 0);

	for (uint32_t live = cpu->live; live; live &= live - 1) {
		unsigned int n = (unsigned int)__builtin_ctz(live);
		struct vgic_irq *irq = &cpu->priv[n];

		if (!wants_lr(v, irq))
			continue;
		total++;
		consider(best, &nr, nr_lrs, (struct cand){
			.key = (uint16_t)(((irq->flags & VGIC_IRQ_ACTIVE) ? 0 : 0x100) | irq->priority),
			.intid = (uint16_t)n });
	}
	for (unsigned int w = 0; w < VGIC_NR_SPIS / 32; w++) {
		for (uint32_t live = v->spi_live[w]; live; live &= live - 1) {
			unsigned int n = w * 32 + (unsigned int)__builtin_ctz(live);
			struct vgic_irq *irq = &v->spi[n];

			/* In flight elsewhere: that vCPU's sync releases it first. */
			if (in_flight(irq) || !wants_lr(v, irq) ||
			    vgic_spi_target(v, irq) != (int)vcpu)
				continue;
			total++;
			consider(best, &nr, nr_lrs, (struct cand){
				.key = (uint16_t)(((irq->flags & VGIC_IRQ_ACTIVE) ? 0 : 0x100) |
						  irq->priority),
				.intid = (uint16_t)(n + VGIC_NR_PRIVATE) });
		}
	}

	for (unsigned int i = 0; i < nr; i++) {
		uint32_t intid = best[i].intid;

		lrs[i] = make_lr(v, vcpu, intid, vgic_irq_get(v, vcpu, intid));
		cpu->lr_intid[i] = (uint16_t)intid;
	}
	cpu->nr_lr = (uint8_t)nr;
	cpu->underflow = total > nr;
	spin_unlock(&v->lock);
	return nr;
}

uint64_t vgic_ich_hcr(struct vgic *v, unsigned int vcpu)
{
	uint64_t hcr = VGIC_HCR_EN;

	if (vcpu >= v->nr_vcpus)
		return hcr;
	spin_lock(&v->lock);
	if (v->cpu[vcpu].underflow)
		hcr |= VGIC_HCR_UIE;
	spin_unlock(&v->lock);
	return hcr;
}

bool vgic_has_pending(struct vgic *v, unsigned int vcpu)
{
	struct vgic_cpu *cpu;
	bool found = false;

	if (vcpu >= v->nr_vcpus)
		return false;
	cpu = &v->cpu[vcpu];
	spin_lock(&v->lock);
	for (uint32_t live = cpu->live; live && !found; live &= live - 1) {
		struct vgic_irq *irq = &cpu->priv[__builtin_ctz(live)];

		found = deliverable(v, irq) ||
			(in_flight(irq) && vgic_irq_pending_view(irq) &&
			 (irq->flags & VGIC_IRQ_ENABLED) && v->grp1_enabled);
	}
	for (unsigned int w = 0; w < VGIC_NR_SPIS / 32 && !found; w++) {
		for (uint32_t live = v->spi_live[w]; live && !found; live &= live - 1) {
			struct vgic_irq *irq = &v->spi[w * 32 + (unsigned int)__builtin_ctz(live)];

			if (in_flight(irq))
				found = irq->lr_vcpu == vcpu && vgic_irq_pending_view(irq) &&
					(irq->flags & VGIC_IRQ_ENABLED) && v->grp1_enabled;
			else
				found = deliverable(v, irq) && vgic_spi_target(v, irq) == (int)vcpu;
		}
	}
	spin_unlock(&v->lock);
	return found;
}

uint32_t vgic_take_kicks(struct vgic *v)
{
	uint32_t k;

	spin_lock(&v->lock);
	k = v->kicks;
	v->kicks = 0;
	spin_unlock(&v->lock);
	return k;
}

int vgic_map_hw(struct vgic *v, unsigned int vcpu, uint32_t intid, uint32_t pintid)
{
	struct vgic_irq *irq;
	int ret = PAL_OK;

	if (intid < VGIC_NR_SGIS || pintid < VGIC_NR_SGIS || pintid >= 1020)
		return PAL_E_INVALID;
	irq = lookup_for_signal(v, &vcpu, intid);
	if (!irq)
		return PAL_E_INVALID;
	spin_lock(&v->lock);
	if (in_flight(irq)) {
		ret = PAL_E_BUSY;
	} else {
		irq->flags |= VGIC_IRQ_HW;
		irq->hw_intid = (uint16_t)pintid;
		v->kicks |= settle(v, vcpu, intid, irq, false);
	}
	spin_unlock(&v->lock);
	return ret;
}

int vgic_unmap_hw(struct vgic *v, unsigned int vcpu, uint32_t intid)
{
	struct vgic_irq *irq = lookup_for_signal(v, &vcpu, intid);
	int ret = PAL_OK;

	if (!irq || !(irq->flags & VGIC_IRQ_HW))
		return PAL_E_INVALID;
	spin_lock(&v->lock);
	if (in_flight(irq)) {
		ret = PAL_E_BUSY;
	} else {
		if (busy(irq))
			request_hw_deact(v, vcpu, intid);
		irq->flags &= ~VGIC_IRQ_HW;
		v->kicks |= settle(v, vcpu, intid, irq, false);
	}
	spin_unlock(&v->lock);
	return ret;
}

unsigned int vgic_take_hw_deactivations(struct vgic *v, unsigned int vcpu, uint32_t pintid[],
					unsigned int max)
{
	unsigned int n = 0;
	struct vgic_cpu *cpu;

	if (vcpu >= v->nr_vcpus)
		return 0;
	cpu = &v->cpu[vcpu];
	spin_lock(&v->lock);
	while (cpu->hw_deact && n < max) {
		unsigned int i = (unsigned int)__builtin_ctz(cpu->hw_deact);

		cpu->hw_deact &= cpu->hw_deact - 1;
		pintid[n++] = cpu->priv[i].hw_intid;
	}
	for (unsigned int w = 0; w < VGIC_NR_SPIS / 32; w++) {
		while (v->spi_hw_deact[w] && n < max) {
			unsigned int i = w * 32 + (unsigned int)__builtin_ctz(v->spi_hw_deact[w]);

			v->spi_hw_deact[w] &= v->spi_hw_deact[w] - 1;
			pintid[n++] = v->spi[i].hw_intid;
		}
	}
	spin_unlock(&v->lock);
	return n;
}

uint64_t vgic_vmcr(struct vgic *v, unsigned int vcpu)
{
	return vcpu < v->nr_vcpus ? v->cpu[vcpu].vmcr : 0;
}

void vgic_save_vmcr(struct vgic *v, unsigned int vcpu, uint64_t vmcr)
{
	if (vcpu < v->nr_vcpus)
		v->cpu[vcpu].vmcr = vmcr;
}

int vgic_irq_state(struct vgic *v, unsigned int vcpu, uint32_t intid, struct vgic_irq_info *out)
{
	struct vgic_irq *irq = lookup_for_signal(v, &vcpu, intid);

	if (!irq)
		return PAL_E_INVALID;
	spin_lock(&v->lock);
	*out = (struct vgic_irq_info){
		.enabled = irq->flags & VGIC_IRQ_ENABLED,
		.pending = vgic_irq_pending_view(irq),
		.active = irq->flags & VGIC_IRQ_ACTIVE,
		.edge = irq->flags & VGIC_IRQ_EDGE,
		.hw = irq->flags & VGIC_IRQ_HW,
		.in_flight = in_flight(irq),
		.priority = irq->priority,
		.hw_intid = irq->hw_intid,
		.target = intid < VGIC_NR_PRIVATE ? (int)vcpu : vgic_spi_target(v, irq),
	};
	spin_unlock(&v->lock);
	return PAL_OK;
}
