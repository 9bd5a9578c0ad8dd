/*
 * Per-physical-CPU state. TPIDR_EL2 points at the running CPU's struct cpu.
 * The first three fields are used by assembly (arch/aarch64/probe.S): keep them first.
 */
#ifndef PALISADE_CPU_H
#define PALISADE_CPU_H

#include <stdbool.h>
#include <stdint.h>

struct vcpu;

#define CPU_MAX 8

struct cpu {
	volatile uint64_t probe_armed;   /* a self-test expects a fault now */
	uint64_t probe_resume;           /* where to resume after it */
	volatile uint64_t probe_esr;     /* the fault's ESR, 0 if none */
	uint32_t index;                  /* 0 .. cpu_count-1, 0 = boot CPU */
	uint64_t mpidr;                  /* affinity from the device tree */
	volatile bool online;
	volatile bool parked;            /* stopped after a fatal error */
	volatile uint32_t kicks;         /* IRQ_SGI_KICK received */
	volatile uint32_t test_sgis;     /* IRQ_SGI_TEST received */
	volatile uint32_t timer_irqs;    /* EL2 timer interrupts */
	volatile uint32_t stray_irqs;    /* interrupts nobody claimed */
	struct vcpu *loaded_vcpu;        /* whose EL1 state is in the registers */
	struct vcpu *fp_owner;           /* whose FP/SIMD state is in the registers */
	struct vcpu *runq;               /* vCPUs placed on this CPU */
	struct vcpu *current;            /* the vCPU being run, if any */
	bool pmu_paused;                 /* a protected vCPU is loaded: counters held off */
	uint64_t pmu_enabled;            /* PMCNTENSET_EL0 to restore when it leaves */
	volatile bool need_resched;
	uint32_t selftest_failures;      /* checks this CPU ran on itself and failed */
	const char *selftest_failed;     /* name of the first one */
};

extern struct cpu cpus[CPU_MAX];
extern uint32_t cpu_count;          /* CPUs in the device tree (capped at CPU_MAX) */

uint32_t cpus_online(void);

#endif
