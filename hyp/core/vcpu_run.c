/*
 * VCPU_RUN: the host runs a vCPU of a protected VM it launched on the calling physical
 * CPU, the way KVM_RUN or Gunyah's vCPU run call work. The host's own vCPU is switched
 * out (its EL1 state saved, as for any vCPU switch), the protected vCPU runs until there
 * is something only the host can do, and the host's vCPU gets the CPU back with the
 * exit reason in x1..x3 and nothing else of the protected VM.
 *
 * While the protected vCPU holds the CPU, the host must not lose its own deadlines: the
 * EL2 timer is armed at the earlier of the host's virtual-timer deadline and one
 * scheduler slice, and any interrupt for the host ends the run with INTERRUPTED (or HALT
 * when the protected vCPU was idle). An idle protected vCPU waits here, in WFI, rather
 * than bouncing to the host: its own timer and IPIs wake it directly.
 */
#include "arch/cpu.h"
#include "arch/vcpu_arch.h"
#include "palisade/cpu.h"
#include "palisade/error.h"
#include "palisade/hypercall.h"
#include "palisade/sched.h"
#include "palisade/timer.h"
#include "palisade/vcpu_exit.h"
#include "palisade/vm.h"
#include "palisade/vm_irq.h"
#include "palisade/vm_launch.h"

#define PSTATE_I (1ull << 7)

/* The earlier of the host vCPU's (saved) virtual-timer deadline and one slice. */
static void arm_host_deadline(const struct vcpu *hv)
{
	uint64_t t = timer_now() + timer_ms_to_ticks(SCHED_SLICE_MS);

	if ((hv->sys.cntv_ctl & 3) == 1 && hv->sys.cntv_cval < t)
		t = hv->sys.cntv_cval;
	timer_arm_at(t);
}

/* An interrupt is pending for the host's vCPU and it would take it (PSTATE.I clear in
 * the HVC's caller): give it the CPU. A host that calls with interrupts masked (a
 * bare-metal host) does not want them now, and its pVM must not starve for it. */
static bool host_can_take_irq(struct vcpu *hv)
{
	return !(hv->regs.pstate & PSTATE_I) && vm_irq_pending(hv);
}

static uint64_t run_until_exit(struct cpu *c, struct vcpu *hv, struct vcpu *v)
{
	unsigned nr = arch_gic_nr_lrs();

	c->need_resched = false;
	arm_host_deadline(hv);
	for (;;) {
		if (__atomic_load_n(&v->state, __ATOMIC_SEQ_CST) == VCPU_STOPPED ||
		    __atomic_load_n(&v->vm->state, __ATOMIC_SEQ_CST) != VM_RUNNING)
			return VCPU_EXIT_SHUTDOWN;
		if (v->state == VCPU_OFF)
			return VCPU_EXIT_CPU_OFF;
		if (v->exit_code)
			return v->exit_code;
		if (c->need_resched || host_can_take_irq(hv))
			return v->state == VCPU_BLOCKED ? VCPU_EXIT_HALT : VCPU_EXIT_INTERRUPTED;
		if (v->state == VCPU_BLOCKED) {
			if (vm_irq_pending(v)) {
				sched_wake(v);
				continue;
			}
			/* Its timer is live in the registers: its interrupt, an IPI (a kick) or
			 * anything for the host ends the wait; the EL2 timer bounds it (masked
			 * WFI, then the interrupt: arch/cpu.h, arch_wait_for_interrupt). */
			arch_wait_for_interrupt();
			continue;
		}
		vcpu_run_once(c, v, nr);
	}
}

int64_t hc_vcpu_run(struct hc_ctx *ctx, const uint64_t args[], uint64_t results[3])
{
	struct cpu *c = arch_this_cpu();
	struct vcpu *hv = c->current, *v;
	struct vm *vm;
	int rc;
	uint64_t code;

	(void)ctx;
	if (!hv)
		return PAL_E_STATE;
	/* Claimed for this CPU: VM_DESTROY waits for run_cpu to drop before tearing down. */
	v = vm_launch_claim_vcpu(args[0], args[1], (int)c->index, &rc);
	if (!v)
		return rc;
	vm = v->vm;
	vm_irq_vcpu_put(hv);
	arch_vcpu_load(v);
	vm_irq_vcpu_load(v);
	if (v->mmio_pending) {
		/* The host served the access: a load gets its value and the vCPU moves on; or
		 * there was no device, and it takes an external abort (needs v loaded). */
		if (args[3] & HC_VCPU_RUN_MMIO_FLAGS_ABORT_MASK) {
			arch_vcpu_inject_dabt(v, v->mmio_far, v->mmio.write);
		} else {
			if (!v->mmio.write && v->mmio.reg != 31)
				v->regs.x[v->mmio.reg] = mmio_load_value(&v->mmio, args[2]);
			v->regs.pc += v->mmio_insn_len;
		}
		v->mmio_pending = false;
	}
	/* v is this CPU's running vCPU now: its own wake-ups (its timer, IPIs) must not
	 * look like work for the host. */
	c->current = v;
	code = run_until_exit(c, hv, v);
	c->current = hv;
	vm_irq_vcpu_put(v);
	arch_vcpu_fp_save_release(v);
	arch_vcpu_load(hv);
	vm_irq_vcpu_load(hv);

	results[0] = code;
	results[1] = 0;
	results[2] = 0;
	if (code == v->exit_code) {
		results[0] = v->exit_code;
		results[1] = v->exit_addr;
		results[2] = v->exit_data;
		vcpu_run_set_exit(v, VCPU_EXIT_NONE, 0, 0);
	} else if (code == VCPU_EXIT_SHUTDOWN) {
		results[1] = vm->launch.reset_requested;
	}
	__atomic_store_n(&v->run_cpu, -1, __ATOMIC_SEQ_CST);
	return PAL_OK;
}
