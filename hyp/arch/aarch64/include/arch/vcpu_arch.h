/* The arch side of running a vCPU: EL1 context, traps, exception injection, FP/SIMD. */
#ifndef ARCH_VCPU_ARCH_H
#define ARCH_VCPU_ARCH_H

#include <stdbool.h>
#include <stdint.h>
#include "palisade/vcpu.h"

/* What the hardware told EL2 about a guest exit. */
struct vcpu_exit {
	uint64_t kind;      /* vector: 8 sync, 9 irq, 10 fiq, 11 serror */
	uint64_t esr, far, hpfar;
};

/* Per physical CPU, once: the EL2 controls every guest runs under. */
void arch_vcpu_cpu_init(void);
unsigned arch_gic_nr_lrs(void);

/* PSTATE at a vCPU's first instruction: EL1h, D A I F masked (measured in BOOT records). */
#define ARCH_VCPU_RESET_PSTATE 0x3c5ull

/* Architectural reset state for a vCPU entering at pc with x0 (Linux boot protocol). */
void arch_vcpu_reset(struct vcpu *v, uint64_t pc, uint64_t x0);

/* Makes v this CPU's loaded vCPU (saving the previous one's EL1 state). */
void arch_vcpu_load(struct vcpu *v);
/* Saves the loaded vCPU's EL1 state so another can be loaded (or the CPU can idle). */
void arch_vcpu_put(void);
/* If v's state is in this CPU's registers (EL1, FP/SIMD), saves it and leaves none. */
void arch_vcpu_unload(struct vcpu *v);

/* Enters the (loaded) vCPU with the given list registers and ICH_HCR_EL2; returns how
 * it exited and the list registers as the guest left them. */
void arch_vcpu_run(struct vcpu *v, const uint64_t *lrs, unsigned nr_lrs, uint64_t ich_hcr,
		   uint64_t *lrs_out, struct vcpu_exit *e);

/* Exceptions injected into the (loaded) vCPU's EL1, as the hardware would take them. */
void arch_vcpu_inject_undef(struct vcpu *v);
void arch_vcpu_inject_dabt(struct vcpu *v, uint64_t far, bool write);
void arch_vcpu_inject_iabt(struct vcpu *v, uint64_t far);

/* Lazy FP/SIMD: called on the FP access trap; gives v the registers. */
void arch_vcpu_fp_switch(struct vcpu *v);
/* Forget v as FP owner (its VM is going away): its registers are scrubbed. */
void arch_vcpu_fp_release(struct vcpu *v);
/* On this CPU: if v's FP/SIMD registers are live here, save them into v and scrub the
 * registers, so v can next run on any CPU (host-driven vCPUs move between CPUs). */
void arch_vcpu_fp_save_release(struct vcpu *v);

/* A vCPU's saved virtual timer (it is not loaded): enabled, unmasked and expired. */
bool arch_vtimer_should_fire(const struct vcpu *v);

#endif
