/*
 * Per-CPU scheduling loop and the vCPU run loop. vCPUs never migrate: each CPU runs only
 * the vCPUs placed on it, so the run queue needs no lock (it is built before the CPU
 * starts scheduling and only its own CPU walks it); vCPU state changes are atomic.
 */
#include "arch/cpu.h"
#include "arch/vcpu_arch.h"
#include "palisade/cpu.h"
#include "palisade/error.h"
#include "palisade/irq.h"
#include "palisade/sched.h"
#include "palisade/timer.h"
#include "palisade/vcpu_exit.h"
#include "palisade/vm_console.h"
#include "palisade/vm.h"
#include "palisade/vm_irq.h"

void sched_add(struct vcpu *v)
{
	struct cpu *c = &cpus[v->pcpu];
	struct vcpu **p = &c->runq;

	while (*p)
		p = &(*p)->runq_next;
	v->runq_next = NULL;
	*p = v;
}

void sched_kick(struct vcpu *v)
{
	struct cpu *c = &cpus[v->pcpu];

	if (c != arch_this_cpu())
		irq_send_sgi(c->mpidr, IRQ_SGI_KICK);
	else if (c->current != v)
		c->need_resched = true;   /* woken beside the running vCPU: re-pick, slice */
}

/* Only a blocked vCPU wakes: an OFF one starts only by PSCI CPU_ON or its VM's start
 * (never from PC 0 on a stray interrupt), a STOPPED one never runs again. */
void sched_wake(struct vcpu *v)
{
	enum vcpu_state s = VCPU_BLOCKED;

	__atomic_compare_exchange_n(&v->state, &s, VCPU_RUNNABLE, false,
				    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
	sched_kick(v);
}

static unsigned runnable_count(struct cpu *c)
{
	unsigned n = 0;

	for (struct vcpu *v = c->runq; v; v = v->runq_next)
		n += v->state == VCPU_RUNNABLE;
	return n;
}

/*
 * A blocked vCPU that is not loaded has its virtual timer saved, not running: the
 * scheduler wakes it when the timer's deadline passes, and the timer interrupt itself
 * arrives through the hardware once the vCPU is loaded again (its condition still holds).
 * The loaded vCPU's timer is live: its own interrupt wakes it (vm_irq_from_hw).
 */
static bool timer_due(struct cpu *c, struct vcpu *v)
{
	return v != c->loaded_vcpu && arch_vtimer_should_fire(v);
}

/* The earliest virtual-timer deadline among this CPU's blocked, unloaded vCPUs (0: none). */
static uint64_t next_timer_deadline(struct cpu *c)
{
	uint64_t best = 0;

	for (struct vcpu *v = c->runq; v; v = v->runq_next) {
		if (v->state != VCPU_BLOCKED || v == c->loaded_vcpu || (v->sys.cntv_ctl & 3) != 1)
			continue;
		if (!best || v->sys.cntv_cval < best)
			best = v->sys.cntv_cval;
	}
	return best;
}

/* Arms the EL2 timer for the earlier of 'slice_end' (0: none) and the next deadline. */
static void arm_deadline(struct cpu *c, uint64_t slice_end)
{
	uint64_t t = next_timer_deadline(c);

	if (slice_end && (!t || slice_end < t))
		t = slice_end;
	if (t)
		timer_arm_at(t);
	else
		timer_disarm();
}

/* The next runnable vCPU after 'last' in round-robin order; wakes blocked vCPUs that
 * have an interrupt pending or a timer due. */
static struct vcpu *pick(struct cpu *c, struct vcpu *last)
{
	struct vcpu *start = last && last->runq_next ? last->runq_next : c->runq;
	struct vcpu *v = start;

	if (!v)
		return NULL;
	do {
		if (v->state == VCPU_BLOCKED && (vm_irq_pending(v) || timer_due(c, v)))
			sched_wake(v);
		if (v->state == VCPU_RUNNABLE)
			return v;
		v = v->runq_next ? v->runq_next : c->runq;
	} while (v != start);
	return NULL;
}

static void run_vcpu(struct cpu *c, struct vcpu *v)
{
	unsigned nr = arch_gic_nr_lrs();

	if (c->loaded_vcpu != v) {
		if (c->loaded_vcpu)
			vm_irq_vcpu_put(c->loaded_vcpu);
		arch_vcpu_load(v);
		vm_irq_vcpu_load(v);
	}
	c->current = v;
	/* Time slice only when someone else waits for this CPU. */
	arm_deadline(c, runnable_count(c) > 1 ? timer_now() + timer_ms_to_ticks(SCHED_SLICE_MS) : 0);

	while (v->state == VCPU_RUNNABLE && !c->need_resched)
		vcpu_run_once(c, v, nr);
	c->need_resched = false;
	c->current = NULL;
}

/*
 * Stopped vCPUs leave this CPU: their EL1 and FP/SIMD state are saved away or scrubbed,
 * they leave the run queue, and the CPU that removes a VM's last vCPU tears it down.
 */
static void reap_stopped(struct cpu *c)
{
	struct vcpu **p = &c->runq;

	while (*p) {
		struct vcpu *v = *p;

		if (v->state != VCPU_STOPPED) {
			p = &v->runq_next;
			continue;
		}
		if (c->loaded_vcpu == v) {
			vm_irq_vcpu_put(v);
			arch_vcpu_put();
		}
		arch_vcpu_fp_release(v);
		*p = v->runq_next;
		v->runq_next = NULL;
		if (__atomic_sub_fetch(&v->vm->live_vcpus, 1, __ATOMIC_ACQ_REL) == 0 &&
		    vm_teardown(v->vm) != PAL_OK)
			__atomic_store_n(&v->vm->teardown_pending, true, __ATOMIC_RELEASE);
	}
}


void sched_run(void)
{
	struct cpu *c = arch_this_cpu();
	struct vcpu *last = NULL;

	arch_vcpu_cpu_init();
	for (;;) {
		struct vcpu *v;

		reap_stopped(c);
		if (last && last->state == VCPU_STOPPED)
			last = NULL;
		v = pick(c, last);

		if (!v) {
			/* Idle: show what VMs printed without a newline (a shell prompt), then wait
			 * for an interrupt (a kick, the loaded vCPU's timer, a device). */
			uint64_t flush_at = vm_console_tick();

			vm_teardown_retry();
			arm_deadline(c, flush_at);
			arch_wait_for_interrupt();   /* a kick, a timer, a device */
			continue;
		}
		run_vcpu(c, v);
		last = v;
	}
}
