/*
 * Deliberate-fault probes for the W^X self-test. The probe records where execution
 * resumes if the access faults (cpu->probe_resume, via TPIDR_EL2) and arms the probe;
 * exception.c sees the armed probe, stores the ESR and returns to the resume point.
 * Returns the ESR of the fault, or 0 if the access went through.
 */
#include "arch/asm.h"

/* Offsets in struct cpu (checked by static asserts in hyp/core/cpu.c). */
#define CPU_PROBE_ARMED		0
#define CPU_PROBE_RESUME	8
#define CPU_PROBE_ESR		16

	.text
	/* uint64_t arch_probe_write(volatile uint64_t *addr, uint64_t value) */
	.global arch_probe_write
arch_probe_write:
	mrs	x9, tpidr_el2
	adr	x10, 1f
	str	xzr, [x9, #CPU_PROBE_ESR]
	str	x10, [x9, #CPU_PROBE_RESUME]
	mov	x10, #1
	str	x10, [x9, #CPU_PROBE_ARMED]
	dsb	sy
	str	x1, [x0]
1:	str	xzr, [x9, #CPU_PROBE_ARMED]
	ldr	x0, [x9, #CPU_PROBE_ESR]
	ret

	/* uint64_t arch_probe_exec(uintptr_t addr): branches to addr, which should hold a
	 * RET. If fetching it faults, execution resumes at 2f instead. */
	.global arch_probe_exec
arch_probe_exec:
	stp	x29, x30, [sp, #-16]!
	mrs	x9, tpidr_el2
	adr	x10, 2f
	str	xzr, [x9, #CPU_PROBE_ESR]
	str	x10, [x9, #CPU_PROBE_RESUME]
	mov	x10, #1
	str	x10, [x9, #CPU_PROBE_ARMED]
	isb
	blr	x0
2:	mrs	x9, tpidr_el2
	str	xzr, [x9, #CPU_PROBE_ARMED]
	ldr	x0, [x9, #CPU_PROBE_ESR]
	ldp	x29, x30, [sp], #16
	ret

	/* bool arch_at_can_read(va) / arch_at_can_write(va): stage-1 EL2 translation. */
	.global arch_at_can_read
arch_at_can_read:
	at	s1e2r, x0
	isb
	mrs	x0, par_el1
	and	x0, x0, #1
	eor	x0, x0, #1
	ret

	.global arch_at_can_write
arch_at_can_write:
	at	s1e2w, x0
	isb
	mrs	x0, par_el1
	and	x0, x0, #1
	eor	x0, x0, #1
	ret

	/* A RET in .text: the positive control for arch_probe_exec. */
	.global arch_probe_text_ret
arch_probe_text_ret:
	ret
