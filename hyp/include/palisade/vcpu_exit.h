/* What a vCPU's exit to EL2 means, and what the hypervisor does about it. */
#ifndef PALISADE_VCPU_EXIT_H
#define PALISADE_VCPU_EXIT_H

#include "arch/vcpu_arch.h"
#include "palisade/cpu.h"
#include "palisade/mmio.h"
#include "palisade/vcpu.h"
#include "palisade/vm_irq.h"

void vcpu_handle_exit(struct vcpu *v, const struct vcpu_exit *e);
/* Runs v (the current vCPU of c, this CPU) until its next exit, with its pending virtual
 * interrupts in the nr_lrs (arch_gic_nr_lrs()) list registers, and handles that exit.
 * Loads v's state if c does not hold it (a vCPU restarted by PSCI CPU_ON after its
 * CPU_OFF unloaded it). The body of both run loops (sched.c, vcpu_run.c); inline, as
 * it is the exit path's hottest code. */
static inline void vcpu_run_once(struct cpu *c, struct vcpu *v, unsigned nr_lrs)
{
	uint64_t lrs[VCPU_MAX_LRS], out[VCPU_MAX_LRS];
	unsigned used;
	struct vcpu_exit e;
	uint64_t ich_hcr;

	if (c->loaded_vcpu != v) {   /* it did CPU_OFF and was started again */
		arch_vcpu_load(v);
		vm_irq_vcpu_load(v);
	}
	used = vm_irq_fill(v, lrs, nr_lrs, &ich_hcr);
	for (unsigned i = used; i < nr_lrs; i++)
		lrs[i] = 0;
	arch_vcpu_run(v, lrs, nr_lrs, ich_hcr, out, &e);
	vm_irq_sync(v, out, used);
	vcpu_handle_exit(v, &e);
}

/* SMCCC/PSCI calls from guests (HVC or trapped SMC). Returns true if handled. */
bool psci_guest_call(struct vcpu *v);

#endif
