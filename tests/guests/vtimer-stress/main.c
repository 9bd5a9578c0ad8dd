/*
 * vtimer-stress: the virtual timer across forced vCPU switches (docs/architecture.md,
 * "Interrupts" and "Scheduler"). Runs as the host VM (1 vCPU) and as a guest VM (2 vCPUs)
 * on 2 CPUs: CPU 0 holds the host's vCPU and the guest's vCPU 1, CPU 1 the guest's
 * vCPU 0 alone (vCPU placement, docs/architecture.md). Each vCPU arms its virtual timer
 * ITERATIONS times with short pseudo-random deadlines, from already expired to a few
 * milliseconds, and waits for each interrupt, mostly in WFI (the vCPU blocks, the
 * scheduler switches to another vCPU or idles), sometimes spinning with interrupts
 * unmasked. Most deadlines fall while the hypervisor is busy switching or going idle.
 * The handler masks the timer (as Linux's does) and counts; a lost interrupt or a lost
 * wake-up (issue #4) leaves the vCPU waiting forever, so its verdict never comes and the
 * run fails on its timeout.
 *
 * The guest VM powers itself off when both its vCPUs are done; the host waits for that
 * (the guest's memory comes back to it: MEM_QUERY at GUEST_PA succeeds), then prints its
 * END line and powers the machine off.
 */
#include <stdbool.h>
#include <stdint.h>
#include "palisade/hypercall_stubs.h"
#include "guest_console.h"

#define GICD 0x08000000ul
#define GICR 0x080a0000ul
#define ITERATIONS 3000
#define VTIMER 27

#define PSCI_CPU_ON 0xC4000003u
#define PSCI_SYSTEM_OFF 0x84000008u

#define rd_sysreg(r) ({ uint64_t __v; __asm__ volatile("mrs %0, " #r : "=r"(__v)); __v; })
#define wr_sysreg(r, v) __asm__ volatile("msr " #r ", %0" : : "r"((uint64_t)(v)))

#ifndef GUEST_PA
#error "GUEST_PA: where the manifest parser places the guest's memory (the host polls it)"
#endif

extern char secondary_start[];

static volatile int print_lock;
static volatile uint32_t irqs[2];          /* virtual timer interrupts taken, per vCPU */
static volatile uint32_t spurious[2];      /* taken with the timer condition not met */
static volatile uint64_t worst_late[2];    /* ticks from the deadline to the handler */
static volatile bool done[2];             /* the guest's vCPUs */

static void lock(void) { while (__atomic_exchange_n(&print_lock, 1, __ATOMIC_ACQUIRE)) ; }
static void unlock(void) { __atomic_store_n(&print_lock, 0, __ATOMIC_RELEASE); }

static unsigned my_cpu(void) { return (unsigned)(rd_sysreg(mpidr_el1) & 0xff); }

static int64_t psci(uint64_t fn, uint64_t a1, uint64_t a2, uint64_t a3)
{
	register uint64_t x0 __asm__("x0") = fn, x1 __asm__("x1") = a1;
	register uint64_t x2 __asm__("x2") = a2, x3 __asm__("x3") = a3;

	__asm__ volatile("hvc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3) : : "memory");
	return (int64_t)x0;
}

void guest_exception(uint64_t kind)
{
	unsigned cpu = my_cpu() & 1;
	uint32_t intid;

	if ((kind & 3) != 1) {          /* only IRQs are expected */
		lock();
		guest_puts("vtimer-stress: unexpected exception\n");
		unlock();
		for (;;)
			guest_wait_irq();
	}
	intid = (uint32_t)(rd_sysreg(S3_0_C12_C12_0) & 0xffffff);   /* ICC_IAR1_EL1 */
	if (intid >= 1020)
		return;
	if (intid == VTIMER) {
		uint64_t ctl = rd_sysreg(cntv_ctl_el0);
		uint64_t late = rd_sysreg(cntvct_el0) - rd_sysreg(cntv_cval_el0);

		/* As Linux's handler: only a timer whose condition is met counts, and is masked.
		 * One that is not (the deadline already moved on: the hypervisor may deliver a
		 * vCPU's timer interrupt twice around a vCPU switch) is left as it is. */
		if (ctl & 4) {
			wr_sysreg(cntv_ctl_el0, ctl | 2);
			irqs[cpu]++;
			if (late > worst_late[cpu])
				worst_late[cpu] = late;
		} else {
			spurious[cpu]++;
		}
	}
	wr_sysreg(S3_0_C12_C12_1, intid);   /* ICC_EOIR1_EL1: drop + deactivate */
}

static void gic_cpu_init(void)
{
	volatile uint32_t *rd = (volatile uint32_t *)(GICR + 0x20000 * my_cpu());
	volatile uint32_t *sgi = (volatile uint32_t *)((uintptr_t)rd + 0x10000);

	rd[0x14 / 4] &= ~2u;                   /* GICR_WAKER.ProcessorSleep */
	while (rd[0x14 / 4] & 4u)
		;
	sgi[0x80 / 4] = ~0u;                   /* group 1 */
	sgi[0x100 / 4] = 1u << VTIMER;
	wr_sysreg(S3_0_C12_C12_5, 7);          /* ICC_SRE_EL1 */
	__asm__ volatile("isb");
	wr_sysreg(S3_0_C4_C6_0, 0xff);         /* ICC_PMR_EL1 */
	wr_sysreg(S3_0_C12_C12_7, 1);          /* ICC_IGRPEN1_EL1 */
	__asm__ volatile("isb");
}

static uint64_t next_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Deadlines from the past to ~2 ms, most within a few microseconds, where they expire
 * while the hypervisor handles the WFI exit, switches vCPUs or goes idle. */
static uint64_t pick_delta(uint64_t r, uint64_t freq)
{
	switch (r & 7) {
	case 0:
		return 0;                                   /* already expired */
	case 1: case 2: case 3:
		return (r >> 8) % (freq / 100000 + 1);      /* up to 10 us */
	case 4: case 5:
		return (r >> 8) % (freq / 10000 + 1);       /* up to 100 us */
	case 6:
		return (r >> 8) % (freq / 1000 + 1);        /* up to 1 ms */
	default:
		return (r >> 8) % (freq / 500 + 1);         /* up to 2 ms */
	}
}

static void stress(unsigned cpu, uint64_t seed)
{
	uint64_t freq = rd_sysreg(cntfrq_el0);

	__asm__ volatile("msr daifset, #2");
	for (uint32_t i = 0; i < ITERATIONS; i++) {
		uint64_t r = next_rand(&seed);
		uint32_t want = irqs[cpu] + 1;

		wr_sysreg(cntv_cval_el0, rd_sysreg(cntvct_el0) + pick_delta(r, freq));
		wr_sysreg(cntv_ctl_el0, 1);
		__asm__ volatile("isb");
		if ((r >> 40) % 4 == 0) {
			/* Spin with interrupts unmasked: delivered to a running vCPU. */
			__asm__ volatile("msr daifclr, #2" ::: "memory");
			while (irqs[cpu] != want)
				;
			__asm__ volatile("msr daifset, #2" ::: "memory");
		} else {
			/* WFI masked, then take the interrupt: no wake-up lost in the guest. */
			while (irqs[cpu] != want)
				guest_wait_irq();
		}
	}
	wr_sysreg(cntv_ctl_el0, 0);
}

static void report(const char *who, unsigned cpu)
{
	static const char *const names[2][2] = {
		{ "vtimer_stress_host_vcpu0", "vtimer_stress_host_vcpu1" },
		{ "vtimer_stress_guest_vcpu0", "vtimer_stress_guest_vcpu1" },
	};
	bool guest = who[0] == 'g';
	uint64_t us = worst_late[cpu] * 1000000 / rd_sysreg(cntfrq_el0);

	lock();
	guest_puts("vtimer-stress: ");
	guest_puts(who);
	guest_puts(" vCPU ");
	guest_put_dec(cpu);
	guest_puts(": ");
	guest_put_dec(irqs[cpu]);
	guest_puts(" interrupts, ");
	guest_put_dec(spurious[cpu]);
	guest_puts(" spurious, worst latency ");
	guest_put_dec((unsigned)us);
	guest_puts(" us\n");
	guest_verdict(names[guest][cpu & 1], irqs[cpu] == ITERATIONS,
		      "not every timer interrupt was counted");
	unlock();
}

/* Sleeps about 'ticks' on the virtual timer (its interrupts are not the stress loop's). */
static void timer_sleep(unsigned cpu, uint64_t ticks)
{
	uint32_t want = irqs[cpu] + 1;

	wr_sysreg(cntv_cval_el0, rd_sysreg(cntvct_el0) + ticks);
	wr_sysreg(cntv_ctl_el0, 1);
	__asm__ volatile("isb");
	while (irqs[cpu] != want)
		guest_wait_irq();
	wr_sysreg(cntv_ctl_el0, 0);
}

void guest_main(uint64_t cpu)
{
	struct pal_hc_caller_id_result id = { 0 };
	uint64_t ms = rd_sysreg(cntfrq_el0) / 1000;
	bool host;

	pal_hc_caller_id(&id);
	host = id.vm_id == 1;
	gic_cpu_init();
	if (cpu == 0) {
		volatile uint32_t *d = (volatile uint32_t *)GICD;

		d[0] = (1u << 4) | (1u << 1);   /* ARE, EnableGrp1 */
		if (!host && psci(PSCI_CPU_ON, 1, (uint64_t)secondary_start, 1) != 0) {
			lock();
			guest_verdict("vtimer_stress_guest_vcpu1", false, "CPU_ON failed");
			unlock();
		}
	}
	stress((unsigned)cpu, 0x9e3779b97f4a7c15ull * (id.vm_id * 2 + cpu + 1));
	report(host ? "host" : "guest", (unsigned)cpu);

	if (!host) {
		__atomic_store_n(&done[cpu & 1], true, __ATOMIC_RELEASE);
		if (cpu == 0) {
			while (!__atomic_load_n(&done[1], __ATOMIC_ACQUIRE))
				timer_sleep(0, ms);
			psci(PSCI_SYSTEM_OFF, 0, 0, 0);   /* stops this VM only */
		}
		for (;;)
			guest_wait_irq();
	}
	/* The host: sleep in 10 ms steps until the guest's memory is back (it is gone). */
	while (pal_hc_mem_query(GUEST_PA, 0) != 0)
		timer_sleep(0, 10 * ms);
	lock();
	guest_verdict_end();
	unlock();
	psci(PSCI_SYSTEM_OFF, 0, 0, 0);
}
