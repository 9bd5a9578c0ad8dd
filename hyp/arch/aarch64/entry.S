/*
 * EL2 entry points.
 *
 * _start: the boot stage (loader/boot) jumps here on the boot CPU at EL2, MMU off, with
 * x0 = DTB and x1 = the boot handoff block (docs/attestation.md section 6); QEMU's direct
 * boot of palisade-hyp.elf enters here too, with x0 = x1 = 0 (no attestation then).
 * The image starts with the 64-byte header the boot stage checks and measures.
 * secondary_entry: PSCI CPU_ON enters here on the other CPUs, x0 = context (CPU index).
 * Both switch on VHE (HCR_EL2.E2H) first, so that every later access to the *_EL2
 * registers uses the VHE layouts, set the exception vectors, then take a stack and
 * enter C. The boot CPU builds the page tables in C; secondaries load them here
 * (from boot_mmu_regs) before touching any C code that takes locks.
 */
#include "arch/asm.h"

	.section .text.entry, "ax"
	.global _start
_start:
	/* Image header (docs/attestation.md section 6): 64 bytes, branched over. */
	b	hyp_entry			/* 0: branch to the entry code */
	.word	0				/* 4: reserved */
	.ascii	"PALHYP01"			/* 8: magic */
	.quad	__hyp_file_size			/* 16: image_size (hyp.ld) */
	.word	PALISADE_HYP_SVN		/* 24: security version (CMake) */
	.fill	36, 1, 0			/* 28: reserved */
hyp_entry:
	msr	daifset, #0xf
	mov	x19, x0				/* DTB physical address */
	mov	x20, x1				/* boot handoff block, or 0 */
	mrs	x1, CurrentEL
	cmp	x1, #(2 << 2)
	b.ne	not_el2

	ldr	x1, =(HCR_E2H_BIT | HCR_RW_BIT | HCR_AMO_IMO_FMO)
	msr	hcr_el2, x1
	isb
	adr_l	x1, el2_vectors
	msr	vbar_el2, x1

	/* Zero .bss: nothing else may use it before this point. */
	adr_l	x1, __bss_start
	adr_l	x2, __bss_end
1:	cmp	x1, x2
	b.hs	2f
	str	xzr, [x1], #8
	b	1b
2:
	/* CPU 0 stack: cpu_stacks + STACK_SIZE. */
	adr_l	x1, cpu_stacks
	add	x1, x1, #CPU_STACK_SIZE
	mov	sp, x1
	mov	x29, xzr
	mov	x0, x19
	mov	x1, x20
	bl	boot_main
	b	arch_cpu_park_asm

	/* Not entered at EL2: nothing to virtualize. Hang with interrupts masked. */
not_el2:
	wfi
	b	not_el2

	.text
	.global secondary_entry
secondary_entry:
	msr	daifset, #0xf
	mov	x19, x0				/* CPU index */
	ldr	x1, =(HCR_E2H_BIT | HCR_RW_BIT | HCR_AMO_IMO_FMO)
	msr	hcr_el2, x1
	isb
	adr_l	x1, el2_vectors
	msr	vbar_el2, x1

	/* Stack: cpu_stacks + (index + 1) * STACK_SIZE. */
	adr_l	x1, cpu_stacks
	add	x2, x19, #1
	mov	x3, #CPU_STACK_SIZE
	madd	x1, x2, x3, x1
	mov	sp, x1

	/* Same translation regime as the boot CPU. */
	adr_l	x1, boot_mmu_regs
	ldp	x2, x3, [x1]			/* mair, tcr */
	ldp	x4, x5, [x1, #16]		/* ttbr0, sctlr */
	msr	mair_el2, x2
	msr	tcr_el2, x3
	msr	ttbr0_el2, x4
	isb
	tlbi	alle2
	dsb	nsh
	isb
	msr	sctlr_el2, x5
	isb

	mov	x29, xzr
	mov	x0, x19
	bl	secondary_main
	b	arch_cpu_park_asm

	.global arch_cpu_park_asm
arch_cpu_park_asm:
	msr	daifset, #0xf
3:	wfi
	b	3b

	/* int64_t arch_smc(fn, a1, a2, a3): SMCCC call to the firmware. */
	.global arch_smc
arch_smc:
	smc	#0
	ret
