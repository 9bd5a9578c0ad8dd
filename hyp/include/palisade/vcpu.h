/*
 * Virtual CPUs. A vCPU is placed on one physical CPU when its VM is created and stays
 * there (no migration): its run queue, its lazily switched FP/SIMD registers and its
 * loaded system registers are that CPU's.
 *
 * Lifecycle: OFF -(PSCI CPU_ON / VM start)-> RUNNABLE <-(WFI / interrupt)-> BLOCKED
 *            RUNNABLE/BLOCKED -(PSCI CPU_OFF)-> OFF; any -(VM stop)-> STOPPED.
 */
#ifndef PALISADE_VCPU_H
#define PALISADE_VCPU_H

#include <stdbool.h>
#include <stdint.h>
#include "palisade/mmio.h"

#define VCPU_MAX_PER_VM 8
#define VCPU_MAX_LRS 16

enum vcpu_state {
	VCPU_OFF = 0,
	VCPU_RUNNABLE,
	VCPU_BLOCKED,    /* in WFI: runnable again when an interrupt is pending for it */
	VCPU_STOPPED,    /* its VM has stopped */
};

/* General registers; guest.S addresses these by offset (x at 0, sp_el0 at 248). */
struct vcpu_regs {
	uint64_t x[31];
	uint64_t sp_el0;
	uint64_t pc;       /* ELR_EL2 at entry */
	uint64_t pstate;   /* SPSR_EL2 at entry */
};

/* EL1 state saved only when another vCPU is loaded on the same physical CPU. */
struct vcpu_sysregs {
	uint64_t sctlr, cpacr, ttbr0, ttbr1, tcr, mair, amair, contextidr, vbar;
	uint64_t elr, spsr, sp_el1, esr, far, afsr0, afsr1;
	uint64_t tpidr_el1, tpidr_el0, tpidrro_el0, par, csselr, mdscr, cntkctl;
	uint64_t cntv_ctl, cntv_cval;
	uint64_t pac_keys[10];   /* APIA, APIB, APDA, APDB, APGA: Lo/Hi each (FEAT_PAuth) */
};

struct vcpu_gic {
	uint64_t lr[VCPU_MAX_LRS];
	uint64_t vmcr;
	uint64_t ap1r0;
};

struct vcpu_fp {
	uint64_t q[64];    /* V0..V31, 128 bits each */
	uint64_t fpsr, fpcr;
};

struct vm;

struct vcpu {
	struct vcpu_regs regs;          /* first: guest.S takes &vcpu->regs == vcpu */
	struct vm *vm;
	unsigned index;                 /* within its VM; also its MPIDR Aff0 */
	unsigned pcpu;                  /* the physical CPU it runs on */
	volatile enum vcpu_state state;
	struct vcpu_sysregs sys;
	struct vcpu_gic gic;
	struct vcpu_fp fp;
	uint64_t exits;                 /* statistics */
	/* Host-driven vCPUs (VCPU_RUN): the CPU running it (-1: none), the MMIO access the
	 * host is serving, and the exit to report. */
	volatile int run_cpu;
	bool mmio_pending;
	struct mmio_access mmio;
	uint64_t mmio_far;              /* its guest virtual address, for an abort */
	uint8_t mmio_insn_len;          /* 2 or 4 (ESR.IL): how far to step past it */
	uint64_t exit_code, exit_addr, exit_data;
	struct vcpu *runq_next;         /* this physical CPU's run queue */
};

/* guest.S: runs the vCPU until an exception to EL2; returns the vector kind (8..11). */
uint64_t guest_enter(struct vcpu_regs *regs);

#endif
