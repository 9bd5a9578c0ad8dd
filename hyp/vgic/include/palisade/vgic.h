/*
 * Virtual GICv3: distributor and redistributor emulation and list-register management
 * for Palisade VMs (docs/vgic.md is the specification).
 *
 * Portable (EL2 and host unit tests): no system registers, no fixed addresses. The EL2
 * integrator traps the guest's accesses to the distributor and redistributor frames and
 * calls vgic_dist_access() / vgic_redist_access(); it writes the ICH_LR<n>_EL2 values
 * vgic_fill_lrs() computes before entering a vCPU and hands them back to vgic_sync_lrs()
 * after the vCPU exits. The guest talks to the real virtual CPU interface (ICV_*), so
 * nothing here emulates ICC registers except the ICC_SGI1R_EL1 write (vgic_sgi1r_write).
 *
 * Model: one struct vgic per VM, caller-allocated, fixed size. vCPU i has the affinity
 * Aff0 = i, Aff1 = Aff2 = Aff3 = 0 (VMPIDR_EL2 = vgic_vcpu_mpidr(i)). All interrupts are
 * group 1; no LPIs, no ITS, single security state (GICD_CTLR.DS = 1).
 *
 * Locking: one spinlock per VM (v->lock). Every function takes it itself and calls
 * nothing outside this module while holding it, so it is a leaf: callers may hold their
 * own outer locks (vm->lock) when they call in. It is taken inside a vCPU's run loop
 * (fill, sync, MMIO, SGI) and in the physical interrupt path, with interrupts masked;
 * never while holding another VM's vgic lock (no call here holds two).
 *
 * Kicks: an operation that makes an interrupt deliverable to a vCPU other than the
 * caller's, or changes the state of an interrupt sitting in another vCPU's list
 * registers, needs that vCPU to exit and refill its LRs. vgic_inject(), vgic_set_level()
 * and vgic_sgi1r_write() return that set of vCPUs as a bitmask; the MMIO and LR
 * functions accumulate it in the VM and vgic_take_kicks() hands it over. A set may name
 * the calling vCPU (it refills at its next entry anyway) or a vCPU that is not running
 * (then only a WFI wake-up matters).
 */
#ifndef PALISADE_VGIC_H
#define PALISADE_VGIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <palisade/spinlock.h>

#define VGIC_MAX_VCPUS     8
#define VGIC_NR_SGIS       16
#define VGIC_NR_PRIVATE    32            /* SGIs 0..15 and PPIs 16..31, banked per vCPU */
#define VGIC_NR_IRQS       288           /* INTIDs 0..287: QEMU virt's SPIs 32..287 */
#define VGIC_NR_SPIS       (VGIC_NR_IRQS - VGIC_NR_PRIVATE)
#define VGIC_MAX_LRS       16            /* the architectural maximum (ICH_VTR_EL2.ListRegs) */
#define VGIC_PRI_BITS      5             /* priority bits kept; the minimum any GICv3 has */

_Static_assert(VGIC_NR_IRQS % 32 == 0 && VGIC_NR_IRQS <= 1020, "GICD_TYPER.ITLinesNumber");
_Static_assert(VGIC_MAX_VCPUS <= 16, "vCPUs must fit one SGI TargetList (Aff0 0..15)");

/* The guest-physical layout the integrator maps (stage-2 unmapped, trapped). */
#define VGIC_DIST_SIZE         0x10000ull  /* one 64 KiB frame */
#define VGIC_REDIST_STRIDE     0x20000ull  /* per vCPU: RD_base + SGI_base, 64 KiB each */

/* ICH_LR<n>_EL2 fields. */
#define VGIC_LR_VINTID_MASK    0xffffffffull
#define VGIC_LR_PINTID_SHIFT   32
#define VGIC_LR_PINTID_MASK    (0x1fffull << VGIC_LR_PINTID_SHIFT)
#define VGIC_LR_EOI            (1ull << 41)   /* HW = 0 only: maintenance IRQ on deactivation */
#define VGIC_LR_PRIO_SHIFT     48
#define VGIC_LR_GROUP1         (1ull << 60)
#define VGIC_LR_HW             (1ull << 61)
#define VGIC_LR_PENDING        (1ull << 62)
#define VGIC_LR_ACTIVE         (1ull << 63)

/* ICH_HCR_EL2 bits vgic_ich_hcr() may return. */
#define VGIC_HCR_EN            (1ull << 0)
#define VGIC_HCR_UIE           (1ull << 1)

/*
 * Per-interrupt state. Private to vgic: callers read it with vgic_irq_state().
 * Pending is (latch) for edge-triggered and hardware-mapped interrupts, and
 * (latch || line) for level-triggered ones; while an interrupt sits in a list register
 * the LR holds the latched pending and the active state, and lr_flags say how to fold
 * them back.
 */
struct vgic_irq {
	uint8_t priority;       /* top VGIC_PRI_BITS bits of GICD/GICR_IPRIORITYR */
	uint8_t flags;          /* VGIC_IRQ_* in vgic.c: enabled, latch, line, active, edge, hw */
	uint8_t lr_flags;       /* in-flight bookkeeping (vgic.c) */
	uint8_t lr_vcpu;        /* the vCPU whose LRs hold it, when in flight */
	uint16_t hw_intid;      /* physical INTID, when hardware-mapped */
	uint64_t route;         /* SPIs: GICD_IROUTER (Aff3, IRM, Aff2, Aff1, Aff0) */
};

struct vgic_cpu {
	struct vgic_irq priv[VGIC_NR_PRIVATE];
	uint32_t live;          /* bit n: private INTID n is pending, active or in flight */
	uint32_t hw_deact;      /* bit n: physical of HW-mapped PPI n must be deactivated */
	uint16_t lr_intid[VGIC_MAX_LRS]; /* what the last fill put in each LR */
	uint8_t nr_lr;          /* LRs the last fill used, until the sync */
	bool underflow;         /* the last fill left deliverable interrupts out */
	bool asleep;            /* GICR_WAKER.ProcessorSleep */
	uint64_t vmcr;          /* saved ICH_VMCR_EL2 */
};

struct vgic {
	spinlock_t lock;
	unsigned int nr_vcpus;
	bool grp1_enabled;      /* GICD_CTLR.EnableGrp1 */
	uint32_t kicks;         /* vCPUs to kick, for vgic_take_kicks() */
	uint32_t spi_live[VGIC_NR_SPIS / 32];
	uint32_t spi_hw_deact[VGIC_NR_SPIS / 32];
	struct vgic_irq spi[VGIC_NR_SPIS];
	struct vgic_cpu cpu[VGIC_MAX_VCPUS];
};

/* What vgic_irq_state() reports (the LR copy may be newer while in flight). */
struct vgic_irq_info {
	bool enabled, pending, active, edge, hw, in_flight;
	uint8_t priority;
	uint16_t hw_intid;
	int target;             /* SPIs: the vCPU the route selects now, -1 none; PPIs/SGIs: vcpu */
};

/* VMPIDR_EL2 value of vCPU i: RES1 bit 31, Aff0 = i, uniprocessor bit clear. */
static inline uint64_t vgic_vcpu_mpidr(unsigned int vcpu)
{
	return (1ull << 31) | (uint64_t)vcpu;
}

/*
 * Reset state for a VM of nr_vcpus (1..VGIC_MAX_VCPUS): everything disabled, inactive,
 * not pending, priority 0; SGIs edge, PPIs and SPIs level; SPIs routed to vCPU 0;
 * distributor disabled; every redistributor asleep (GICR_WAKER = ProcessorSleep |
 * ChildrenAsleep). PAL_E_INVALID for a bad count.
 */
int vgic_init(struct vgic *v, unsigned int nr_vcpus);

/*
 * Emulate one guest access to the distributor frame (offset < VGIC_DIST_SIZE) or to
 * vCPU vcpu_of_frame's redistributor (offset < VGIC_REDIST_STRIDE: RD_base then
 * SGI_base). size is 1, 2, 4 or 8 bytes; a read returns the value zero-extended in
 * *value, a write takes the low size bytes of *value. Returns PAL_OK, PAL_E_INVALID for
 * a misaligned access or a size the register does not allow (inject an external
 * abort), PAL_E_RANGE for an offset or vCPU outside the VM's frames. Reserved and
 * unimplemented offsets read as zero and ignore writes. vcpu is the accessing vCPU.
 */
int vgic_dist_access(struct vgic *v, unsigned int vcpu, uint64_t offset, unsigned int size,
		     bool write, uint64_t *value);
int vgic_redist_access(struct vgic *v, unsigned int vcpu_of_frame, uint64_t offset,
		       unsigned int size, bool write, uint64_t *value);

/*
 * Signal interrupt intid. For SGIs and PPIs, vcpu names the receiving vCPU; for SPIs it
 * is ignored and the route decides. level = true asserts the line (as
 * vgic_set_level(..., true)); level = false signals one edge: the interrupt latches
 * pending whatever its configuration, as a forwarded physical interrupt or an emulated
 * edge-triggered device needs. Returns the vCPUs to kick (>= 0) or PAL_E_INVALID.
 */
int vgic_inject(struct vgic *v, unsigned int vcpu, uint32_t intid, bool level);

/*
 * Drive the input line of intid. Level-triggered: pending while the line is high.
 * Edge-triggered: a low-to-high transition latches pending. Hardware-mapped: asserting
 * latches pending once (the physical interrupt stays active until the guest
 * deactivates it, so it cannot assert again meanwhile). Returns as vgic_inject().
 */
int vgic_set_level(struct vgic *v, unsigned int vcpu, uint32_t intid, bool level);

/*
 * The guest on sender_vcpu wrote value to ICC_SGI1R_EL1. Targets: TargetList[15:0] at
 * Aff3.Aff2.Aff1 [55:48].[39:32].[23:16], Aff0 = RS[47:44] * 16 + bit; or, with IRM
 * (bit 40), every vCPU but the sender. Returns the vCPUs to kick (targets that now have
 * the SGI pending and enabled; may include the sender).
 */
int vgic_sgi1r_write(struct vgic *v, unsigned int sender_vcpu, uint64_t value);

/*
 * List registers. Before entering vCPU vcpu:
 *     n = vgic_fill_lrs(v, vcpu, lrs, nr_lrs);     // nr_lrs = ICH_VTR_EL2.ListRegs + 1
 *     write lrs[0..nr_lrs) to ICH_LR<i>_EL2 (entries past n are 0),
 *     ICH_HCR_EL2 = vgic_ich_hcr(v, vcpu) | the integrator's own trap bits
 * After every exit, before the next fill of this vCPU:
 *     read ICH_LR<i>_EL2 into lrs (at least the first n); vgic_sync_lrs(v, vcpu, lrs, n)
 *     (passing all nr_lrs is fine: entries past the fill's count are ignored)
 *
 * fill picks the active interrupts first (a guest must be able to deactivate them),
 * then the pending, enabled ones, highest priority (lowest value) first and lowest INTID
 * on ties, and marks them in flight. Pending interrupts of a disabled interrupt or with
 * GICD_CTLR.EnableGrp1 clear never go in an LR. Level-triggered, non-hardware LRs get
 * the EOI bit, so the guest's deactivation raises a maintenance interrupt and the line
 * is resampled. If interrupts were left out, vgic_ich_hcr() sets UIE so the vCPU exits
 * when the LRs drain. Calling fill again without a sync behaves as if the guest did
 * nothing with the previous LRs.
 *
 * sync folds each LR back: an LR that became invalid was completed by the guest; one
 * still active keeps the interrupt active; one still pending keeps it pending. An edge
 * that arrived while the interrupt was in flight stays latched (it shows as pending and
 * active at the next fill). Level interrupts are re-evaluated from their line.
 *
 * Hardware-mapped interrupts (vgic_map_hw) are written with HW = 1 and the physical
 * INTID: the guest's deactivation of the virtual interrupt deactivates the physical
 * one, so sync never re-injects it and the integrator must not deactivate it itself.
 * The integrator acknowledges the physical interrupt with a priority drop only
 * (ICC_CTLR_EL1.EOImode = 1), leaves it active, and calls vgic_inject(..., false).
 * A HW interrupt is never written pending and active at once.
 */
unsigned int vgic_fill_lrs(struct vgic *v, unsigned int vcpu, uint64_t lrs[], unsigned int nr_lrs);
void vgic_sync_lrs(struct vgic *v, unsigned int vcpu, const uint64_t lrs[], unsigned int n);

/* ICH_HCR_EL2 for vcpu's next entry: En, and UIE when the last fill overflowed. */
uint64_t vgic_ich_hcr(struct vgic *v, unsigned int vcpu);

/*
 * Whether vcpu has an interrupt that is pending, enabled and group-enabled (WFI wake-up,
 * including interrupts still pending in its LRs). It ignores the guest's PMR and
 * ICV_IGRPEN1: a WFI may wake spuriously, so erring on waking is safe.
 */
bool vgic_has_pending(struct vgic *v, unsigned int vcpu);

/* The vCPUs that MMIO emulation and LR syncs found need a kick; clears the set. */
uint32_t vgic_take_kicks(struct vgic *v);

/*
 * Hardware mapping: intid (a PPI of vcpu, or an SPI; vcpu ignored) is backed by physical
 * INTID pintid (16..1019). PAL_E_INVALID for bad numbers, PAL_E_BUSY while the interrupt
 * is in flight. Unmapping an interrupt whose virtual state is pending or active queues
 * a physical deactivation (below).
 */
int vgic_map_hw(struct vgic *v, unsigned int vcpu, uint32_t intid, uint32_t pintid);
int vgic_unmap_hw(struct vgic *v, unsigned int vcpu, uint32_t intid);

/*
 * Physical INTIDs the integrator must deactivate (GICR_ICACTIVER0 of the pCPU running
 * vcpu for PPIs; GICD_ICACTIVER for SPIs) because the guest dropped a hardware-mapped
 * interrupt's virtual state without deactivating it through an LR (ICPENDR, ICACTIVER)
 * or it was unmapped. Collects vcpu's PPIs and every SPI; returns how many were
 * written to pintid[] (at most max; call again while it returns max).
 */
unsigned int vgic_take_hw_deactivations(struct vgic *v, unsigned int vcpu, uint32_t pintid[],
					unsigned int max);

/* ICH_VMCR_EL2 storage across vCPU switches; reset value 0. */
uint64_t vgic_vmcr(struct vgic *v, unsigned int vcpu);
void vgic_save_vmcr(struct vgic *v, unsigned int vcpu, uint64_t vmcr);

/* Snapshot of one interrupt (tests, timer save/restore, physical SPI routing). */
int vgic_irq_state(struct vgic *v, unsigned int vcpu, uint32_t intid, struct vgic_irq_info *out);

#endif /* PALISADE_VGIC_H */
