/*
 * EL1 test guest entry. vCPU 0 enters at _start (x0 = device tree IPA); vCPU 1 is
 * started by PSCI CPU_ON at secondary_start with x0 = its index. Each gets a 16 KiB
 * stack and the exception vectors, then runs C.
 */
	.section .text.start, "ax"
	.global _start
_start:
	adrp	x1, __bss_start
	add	x1, x1, :lo12:__bss_start
	adrp	x2, __bss_end
	add	x2, x2, :lo12:__bss_end
1:	cmp	x1, x2
	b.hs	2f
	str	xzr, [x1], #8
	b	1b
2:	mov	x0, #0
	b	common

	.global secondary_start
secondary_start:
common:
	mov	x1, #(3 << 20)			/* CPACR_EL1.FPEN: FP/SIMD at EL1 */
	msr	cpacr_el1, x1
	isb
	adrp	x1, __stack_base
	add	x1, x1, :lo12:__stack_base
	add	x2, x0, #1
	lsl	x2, x2, #14
	add	sp, x1, x2
	adrp	x1, guest_vectors
	add	x1, x1, :lo12:guest_vectors
	msr	vbar_el1, x1
	isb
	bl	guest_main
3:	wfi
	b	3b

/* Vectors: save caller-saved registers, call guest_exception(kind, esr, far, elr_ptr). */
.macro gvec kind
	.balign 128
	sub	sp, sp, #256
	stp	x0, x1, [sp, #0]
	stp	x2, x3, [sp, #16]
	stp	x4, x5, [sp, #32]
	stp	x6, x7, [sp, #48]
	stp	x8, x9, [sp, #64]
	stp	x10, x11, [sp, #80]
	stp	x12, x13, [sp, #96]
	stp	x14, x15, [sp, #112]
	stp	x16, x17, [sp, #128]
	stp	x18, x30, [sp, #144]
	mov	x0, #\kind
	b	gvec_common
.endm

	.text
	.balign 2048
guest_vectors:
	gvec 0
	gvec 1
	gvec 2
	gvec 3
	gvec 4
	gvec 5
	gvec 6
	gvec 7
	gvec 8
	gvec 9
	gvec 10
	gvec 11
	gvec 12
	gvec 13
	gvec 14
	gvec 15

gvec_common:
	mrs	x1, esr_el1
	mrs	x2, far_el1
	mrs	x3, elr_el1
	str	x3, [sp, #160]
	add	x3, sp, #160
	bl	guest_exception
	ldr	x3, [sp, #160]
	msr	elr_el1, x3
	ldp	x0, x1, [sp, #0]
	ldp	x2, x3, [sp, #16]
	ldp	x4, x5, [sp, #32]
	ldp	x6, x7, [sp, #48]
	ldp	x8, x9, [sp, #64]
	ldp	x10, x11, [sp, #80]
	ldp	x12, x13, [sp, #96]
	ldp	x14, x15, [sp, #112]
	ldp	x16, x17, [sp, #128]
	ldp	x18, x30, [sp, #144]
	add	sp, sp, #256
	eret
