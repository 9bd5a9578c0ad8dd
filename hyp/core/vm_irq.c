/*
 * VM interrupts: each VM's emulated GICv3 (hyp/vgic) wired to the physical GIC and the
 * scheduler. See palisade/vm_irq.h. Lock order: vm->lock before the vgic's own lock;
 * the vgic functions take their lock themselves.
 */
#include "arch/cpu.h"
#include "palisade/cpu.h"
#include "palisade/error.h"
#include "palisade/irq.h"
#include "palisade/sched.h"
#include "palisade/vgic.h"
#include "palisade/vm_irq.h"

static struct vgic vgics[VM_MAX];

static void kick_all(struct vm *vm, uint32_t mask)
{
	for (unsigned i = 0; i < vm->vcpu_count; i++)
		if (mask & (1u << i))
			sched_wake(&vm->vcpus[i]);
}

static int dist_access(struct vm *vm, struct vcpu *v, void *dev, uint64_t off, unsigned size,
		       bool write, uint64_t *value)
{
	int rc = vgic_dist_access(dev, v->index, off, size, write, value);

	kick_all(vm, vgic_take_kicks(dev));
	return rc;
}

static int redist_access(struct vm *vm, struct vcpu *v, void *dev, uint64_t off,
			 unsigned size, bool write, uint64_t *value)
{
	int rc = vgic_redist_access(dev, (unsigned)(off / VGIC_REDIST_STRIDE),
				    off % VGIC_REDIST_STRIDE, size, write, value);

	(void)v;
	kick_all(vm, vgic_take_kicks(dev));
	return rc;
}

int vm_irq_init(struct vm *vm, uint64_t gicd_ipa, uint64_t gicr_ipa)
{
	struct vgic *g = &vgics[vm - vms];
	int rc = vgic_init(g, vm->vcpu_count);

	if (rc)
		return rc;
	vm->vgic = g;
	vm->gicd_ipa = gicd_ipa;
	vm->gicr_ipa = gicr_ipa;
	/* The virtual timer of every vCPU is the physical PPI 27 of the CPU it runs on. */
	for (unsigned i = 0; i < vm->vcpu_count; i++) {
		rc = vgic_map_hw(g, i, IRQ_PPI_VTIMER, IRQ_PPI_VTIMER);
		if (rc)
			return rc;
	}
	rc = vm_add_mmio(vm, gicd_ipa, VGIC_DIST_SIZE, dist_access, g);
	if (!rc)
		rc = vm_add_mmio(vm, gicr_ipa, VGIC_REDIST_STRIDE * vm->vcpu_count, redist_access, g);
	return rc;
}

int vm_irq_forward_spi(struct vm *vm, uint32_t intid)
{
	int rc = vgic_map_hw(vm->vgic, 0, intid, intid);

	if (rc)
		return rc;
	irq_route_spi(intid, cpus[0].mpidr);
	irq_enable(intid, true);
	return PAL_OK;
}

/* Physical deactivations the vgic asks for (the guest dropped a HW interrupt's state). */
static void do_hw_deactivations(struct vcpu *v)
{
	uint32_t p[8];
	unsigned n;

	do {
		n = vgic_take_hw_deactivations(v->vm->vgic, v->index, p, 8);
		for (unsigned i = 0; i < n; i++)
			irq_set_active(p[i], false);
	} while (n == 8);
}

unsigned vm_irq_fill(struct vcpu *v, uint64_t *lrs, unsigned nr_lrs, uint64_t *ich_hcr)
{
	unsigned n = vgic_fill_lrs(v->vm->vgic, v->index, lrs, nr_lrs);

	*ich_hcr = vgic_ich_hcr(v->vm->vgic, v->index);
	return n;
}

void vm_irq_sync(struct vcpu *v, const uint64_t *lrs, unsigned nr_lrs)
{
	vgic_sync_lrs(v->vm->vgic, v->index, lrs, nr_lrs);
	do_hw_deactivations(v);
	kick_all(v->vm, vgic_take_kicks(v->vm->vgic) & ~(1u << v->index));
}

bool vm_irq_pending(struct vcpu *v)
{
	return vgic_has_pending(v->vm->vgic, v->index);
}

void vm_irq_sgi(struct vcpu *v, uint64_t value)
{
	int mask = vgic_sgi1r_write(v->vm->vgic, v->index, value);

	if (mask > 0)
		kick_all(v->vm, (uint32_t)mask & ~(1u << v->index));
}

void vm_irq_set_level(struct vm *vm, uint32_t intid, bool level)
{
	int mask = vgic_set_level(vm->vgic, 0, intid, level);

	if (mask > 0)
		kick_all(vm, (uint32_t)mask);
}

void vm_irq_from_hw(uint32_t intid)
{
	struct cpu *c = arch_this_cpu();

	if (intid == IRQ_PPI_VTIMER) {
		/* The loaded vCPU's virtual timer (only a loaded vCPU's timer is live). */
		struct vcpu *v = c->loaded_vcpu;

		if (!v) {
			irq_deactivate(intid);
			return;
		}
		vgic_inject(v->vm->vgic, v->index, intid, false);
		sched_wake(v);
		return;
	}
	/* Device SPIs belong to the host VM. */
	struct vm *host = vm_by_id(VM_ID_HOST);
	if (!host || !host->vgic) {
		irq_deactivate(intid);
		return;
	}
	int mask = vgic_inject(host->vgic, 0, intid, false);
	if (mask > 0)
		kick_all(host, (uint32_t)mask);
}

/*
 * The physical PPI 27 is shared by every vCPU placed on this CPU. When a vCPU leaves
 * with its timer interrupt still active (the guest has not deactivated it yet), the
 * physical interrupt is deactivated here instead: the vGIC keeps the virtual one, and
 * if the guest's timer condition still holds when it is loaded again the hardware
 * raises it again. (Carrying the active state across switches instead can leave the
 * physical interrupt active with nothing in the vGIC to ever deactivate it.)
 */
void vm_irq_vcpu_put(struct vcpu *v)
{
	(void)v;
	if (irq_is_active(IRQ_PPI_VTIMER))
		irq_set_active(IRQ_PPI_VTIMER, false);
}

void vm_irq_vcpu_load(struct vcpu *v)
{
	(void)v;
	irq_enable(IRQ_PPI_VTIMER, true);
	irq_enable(IRQ_PPI_MAINT, true);
}
