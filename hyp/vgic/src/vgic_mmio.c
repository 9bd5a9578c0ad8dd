/*
 * GICv3 distributor and redistributor register emulation (docs/vgic.md has the
 * register table). What Linux's irq-gic-v3 driver touches is implemented; everything
 * else in the frames reads as zero and ignores writes. Only accesses of the wrong size
 * or alignment for an implemented register fail, so the integrator can inject an
 * external abort as hardware would.
 */
#include <palisade/error.h>
#include "vgic_internal.h"

/* Distributor; the redistributor's SGI_base frame uses the same layout for INTIDs 0-31. */
#define GICD_CTLR        0x0000
#define GICD_TYPER       0x0004
#define GICD_IIDR        0x0008
#define GICD_TYPER2      0x000c
#define GICD_STATUSR     0x0010
#define GICD_IGROUPR     0x0080
#define GICD_ISENABLER   0x0100
#define GICD_ICENABLER   0x0180
#define GICD_ISPENDR     0x0200
#define GICD_ICPENDR     0x0280
#define GICD_ISACTIVER   0x0300
#define GICD_ICACTIVER   0x0380
#define GICD_IPRIORITYR  0x0400
#define GICD_ITARGETSR   0x0800
#define GICD_ICFGR       0x0c00
#define GICD_IGRPMODR    0x0d00
#define GICD_NSACR       0x0e00
#define GICD_SGIR        0x0f00
#define GICD_IROUTER     0x6000
#define GICD_IROUTER_END 0x7fe0            /* 8 bytes each for INTIDs 0..1019 */
#define GIC_IDREGS       0xffd0            /* PIDR4..7, PIDR0..3, CIDR0..3 */
#define GIC_PIDR2        0xffe8

/* Redistributor RD_base frame. */
#define GICR_CTLR        0x0000
#define GICR_IIDR        0x0004
#define GICR_TYPER       0x0008
#define GICR_STATUSR     0x0010
#define GICR_WAKER       0x0014
#define GICR_PROPBASER   0x0070
#define GICR_PENDBASER   0x0078
#define GICR_SGI_BASE    0x10000

#define CTLR_ENABLE_G1   (1u << 1)
#define CTLR_ARE         (1u << 4)
#define CTLR_DS          (1u << 6)
#define WAKER_SLEEP      (1u << 1)
#define WAKER_ASLEEP     (1u << 2)
#define TYPER_LAST       (1u << 4)

/* IDbits = 9: INTIDs fit 10 bits. No LPIs, MBIS, ESPI, security extension. */
#define GICD_TYPER_VAL   ((uint32_t)(VGIC_NR_IRQS / 32 - 1) | (9u << 19))
/* ProductID 'P', revision 1, JEP106 code of Arm (0x43b) as KVM's software GIC does. */
#define IIDR_VAL         0x5000143bu
#define PIDR2_VAL        0x3bu             /* ArchRev 3 (GICv3), JEDEC, JEP106 id bits */

/* An allowed-sizes mask is the OR of the sizes themselves (1, 2, 4, 8). */
#define NOT_MINE         1

struct access {
	uint64_t off;           /* within the 64 KiB frame */
	unsigned int size;
	bool write;
	uint64_t val;           /* write data, or read result */
};

static int need(const struct access *a, unsigned int sizes)
{
	return (a->size & sizes) ? PAL_OK : PAL_E_INVALID;
}

/* Read or write a 64-bit register as a whole or as 32-bit halves. */
static int reg64(struct access *a, uint64_t reg, uint64_t *write_to)
{
	unsigned int shift = (a->off & 4) ? 32 : 0;
	uint64_t mask = a->size == 8 ? ~0ull : 0xffffffffull << shift;

	if (need(a, 4 | 8))
		return PAL_E_INVALID;
	if (!a->write)
		a->val = (reg & mask) >> shift;
	else if (write_to)
		*write_to = (reg & ~mask) | ((a->val << shift) & mask);
	return PAL_OK;
}

/*
 * The per-interrupt registers (IGROUPR .. NSACR) for INTIDs [lo, hi) of vcpu's view.
 * A register whose INTIDs all lie outside [lo, hi) is reserved: NOT_MINE.
 */
static int irq_regs(struct vgic *v, unsigned int vcpu, struct access *a, uint32_t lo, uint32_t hi)
{
	uint32_t off = (uint32_t)a->off;
	uint32_t reg, first, count, bits;

	if (off >= GICD_IGROUPR && off < GICD_IPRIORITYR) {
		reg = off & ~0x7fu;
		bits = 1;
	} else if (off >= GICD_IPRIORITYR && off < GICD_ICFGR) {
		reg = off < GICD_ITARGETSR ? GICD_IPRIORITYR : GICD_ITARGETSR;
		bits = 8;
	} else if (off >= GICD_ICFGR && off < GICD_SGIR) {
		reg = off & ~0xffu;
		bits = reg == GICD_IGRPMODR ? 1 : 2;
		if (reg == GICD_IGRPMODR && off >= GICD_IGRPMODR + 0x80)
			return NOT_MINE;
	} else {
		return NOT_MINE;
	}
	first = (off - reg) * 8 / bits;
	count = a->size * 8 / bits;
	if (first >= hi || first + count <= lo)
		return NOT_MINE;
	if (need(a, bits == 8 ? (1 | 4) : 4))
		return PAL_E_INVALID;

	a->val = a->write ? a->val : 0;
	for (uint32_t i = 0; i < count; i++) {
		uint32_t intid = first + i;
		struct vgic_irq *irq = vgic_irq_get(v, vcpu, intid);
		uint64_t field = (a->val >> (i * bits)) & ((1u << bits) - 1);
		uint64_t out = 0;

		switch (reg) {
		case GICD_IGROUPR:
			out = 1;        /* group 1 only: RAO/WI */
			break;
		case GICD_ISENABLER:
		case GICD_ICENABLER:
			if (a->write && field)
				vgic_op_enable(v, vcpu, intid, reg == GICD_ISENABLER);
			out = (irq->flags & VGIC_IRQ_ENABLED) != 0;
			break;
		case GICD_ISPENDR:
		case GICD_ICPENDR:
			if (a->write && field)
				vgic_op_pending(v, vcpu, intid, reg == GICD_ISPENDR);
			out = vgic_irq_pending_view(irq);
			break;
		case GICD_ISACTIVER:
		case GICD_ICACTIVER:
			if (a->write && field)
				vgic_op_active(v, vcpu, intid, reg == GICD_ISACTIVER);
			out = (irq->flags & VGIC_IRQ_ACTIVE) != 0;
			break;
		case GICD_IPRIORITYR:
			if (a->write)
				vgic_op_priority(v, vcpu, intid, (uint8_t)field);
			out = irq->priority;
			break;
		case GICD_ICFGR:
			/* SGIs are always edge-triggered; bit 0 of each field is RES0. */
			if (a->write && intid >= VGIC_NR_SGIS)
				vgic_op_edge(v, vcpu, intid, field & 2);
			out = (irq->flags & VGIC_IRQ_EDGE) ? 2 : 0;
			break;
		default:
			break;  /* ITARGETSR (ARE = 1), IGRPMODR, NSACR: RAZ/WI */
		}
		if (!a->write)
			a->val |= out << (i * bits);
	}
	return PAL_OK;
}

/* Peripheral ID registers, shared by both frame types. */
static int id_regs(struct access *a)
{
	if (need(a, 4))
		return PAL_E_INVALID;
	a->val = a->off == GIC_PIDR2 ? PIDR2_VAL : 0;
	return PAL_OK;
}

static int dist_locked(struct vgic *v, struct access *a)
{
	uint64_t off = a->off;
	int r = irq_regs(v, 0, a, VGIC_NR_PRIVATE, VGIC_NR_IRQS);

	if (r != NOT_MINE)
		return r;

	if (off >= GICD_IROUTER && off < GICD_IROUTER_END) {
		uint32_t intid = (uint32_t)(off - GICD_IROUTER) / 8;
		struct vgic_irq *irq;
		uint64_t route;

		if (intid < VGIC_NR_PRIVATE || intid >= VGIC_NR_IRQS)
			goto raz_wi;
		irq = vgic_irq_get(v, 0, intid);
		route = irq->route;
		if (reg64(a, route, &route))
			return PAL_E_INVALID;
		if (a->write)
			vgic_op_route(v, intid, route);
		return PAL_OK;
	}
	if (off >= GIC_IDREGS)
		return id_regs(a);

	switch (off) {
	case GICD_CTLR:
		if (need(a, 4))
			return PAL_E_INVALID;
		if (a->write) {
			bool en = a->val & CTLR_ENABLE_G1;

			if (en != v->grp1_enabled) {
				v->grp1_enabled = en;
				vgic_settle_all(v);
			}
		} else {
			/* RWP is never set: every change is complete when the trap returns. */
			a->val = (v->grp1_enabled ? CTLR_ENABLE_G1 : 0) | CTLR_ARE | CTLR_DS;
		}
		return PAL_OK;
	case GICD_TYPER:
	case GICD_IIDR:
	case GICD_TYPER2:
	case GICD_STATUSR:
	case GICD_SGIR:
		if (need(a, 4))
			return PAL_E_INVALID;
		if (!a->write)
			a->val = off == GICD_TYPER ? GICD_TYPER_VAL : off == GICD_IIDR ? IIDR_VAL : 0;
		return PAL_OK;
	default:
		break;
	}
raz_wi:
	a->val = 0;
	return PAL_OK;
}

static uint64_t gicr_typer(const struct vgic *v, unsigned int c)
{
	/* Affinity Aff0 = c, Processor_Number = c; no PLPIS, VLPIS, DirectLPI; PPInum 0. */
	uint64_t t = (uint64_t)c << 32 | (uint64_t)c << 8;

	if (c == v->nr_vcpus - 1)
		t |= TYPER_LAST;
	return t;
}

static int rd_locked(struct vgic *v, unsigned int c, struct access *a)
{
	uint64_t off = a->off;

	if (off >= GIC_IDREGS)
		return id_regs(a);
	switch (off) {
	case GICR_CTLR:
	case GICR_IIDR:
	case GICR_STATUSR:
		/* CTLR: EnableLPIs RAZ/WI without LPIs, RWP and UWP always 0. */
		if (need(a, 4))
			return PAL_E_INVALID;
		if (!a->write)
			a->val = off == GICR_IIDR ? IIDR_VAL : 0;
		return PAL_OK;
	case GICR_TYPER:
	case GICR_TYPER + 4:
		return reg64(a, gicr_typer(v, c), NULL);
	case GICR_WAKER:
		if (need(a, 4))
			return PAL_E_INVALID;
		if (a->write) {
			bool sleep = a->val & WAKER_SLEEP;

			/* ChildrenAsleep follows ProcessorSleep at once. */
			if (sleep != v->cpu[c].asleep) {
				v->cpu[c].asleep = sleep;
				vgic_settle_all(v);  /* 1-of-N SPIs may change target */
			}
		} else {
			a->val = v->cpu[c].asleep ? WAKER_SLEEP | WAKER_ASLEEP : 0;
		}
		return PAL_OK;
	case GICR_PROPBASER:
	case GICR_PROPBASER + 4:
	case GICR_PENDBASER:
	case GICR_PENDBASER + 4:
		return reg64(a, 0, NULL);   /* no LPIs: RAZ/WI */
	default:
		a->val = 0;
		return PAL_OK;
	}
}

static bool size_ok(uint64_t off, unsigned int size)
{
	return (size == 1 || size == 2 || size == 4 || size == 8) && (off & (size - 1)) == 0;
}

static uint64_t size_mask(unsigned int size)
{
	return size == 8 ? ~0ull : (1ull << (size * 8)) - 1;
}

int vgic_dist_access(struct vgic *v, unsigned int vcpu, uint64_t offset, unsigned int size,
		     bool write, uint64_t *value)
{
	struct access a = { .off = offset, .size = size, .write = write };
	int r;

	if (vcpu >= v->nr_vcpus || offset >= VGIC_DIST_SIZE)
		return PAL_E_RANGE;
	if (!size_ok(offset, size))
		return PAL_E_INVALID;
	if (write)
		a.val = *value & size_mask(size);
	spin_lock(&v->lock);
	r = dist_locked(v, &a);
	spin_unlock(&v->lock);
	if (r == PAL_OK && !write)
		*value = a.val & size_mask(size);
	return r;
}

int vgic_redist_access(struct vgic *v, unsigned int vcpu_of_frame, uint64_t offset,
		       unsigned int size, bool write, uint64_t *value)
{
	struct access a = { .off = offset & (GICR_SGI_BASE - 1), .size = size, .write = write };
	int r;

	if (vcpu_of_frame >= v->nr_vcpus || offset >= VGIC_REDIST_STRIDE)
		return PAL_E_RANGE;
	if (!size_ok(offset, size))
		return PAL_E_INVALID;
	if (write)
		a.val = *value & size_mask(size);
	spin_lock(&v->lock);
	if (offset < GICR_SGI_BASE) {
		r = rd_locked(v, vcpu_of_frame, &a);
	} else {
		r = irq_regs(v, vcpu_of_frame, &a, 0, VGIC_NR_PRIVATE);
		if (r == NOT_MINE) {
			a.val = 0;
			r = PAL_OK;
		}
	}
	spin_unlock(&v->lock);
	if (r == PAL_OK && !write)
		*value = a.val & size_mask(size);
	return r;
}
