/*
 * vtimer-stress entry, in the arm64 Image format (Documentation/arm64/booting.rst) so
 * the same program loads as the host VM (raw, at its link address) or as a guest (copied
 * to its memory base). vCPU 0 enters at _start; others are started by PSCI CPU_ON at
 * secondary_start with x0 = their index. Each gets a 16 KiB stack and the vectors.
 */
	.section .text.head, "ax"
	.global _start
_start:
	b	entry				/* code0 */
	.word	0				/* code1 */
	.quad	0				/* text_offset */
	.quad	__image_size			/* image_size (from the linker script) */
	.quad	(1 << 1) | (1 << 3)		/* LE, 4 KiB pages, anywhere in memory */
	.quad	0, 0, 0				/* reserved */
	.ascii	"ARM\x64"			/* magic */
	.word	0				/* reserved */
entry:
	adrp	x1, __bss_start
	add	x1, x1, :lo12:__bss_start
	adrp	x2, __bss_end
	add	x2, x2, :lo12:__bss_end
1:	cmp	x1, x2
	b.hs	2f
	str	xzr, [x1], #8
	b	1b
2:	mov	x0, #0

	.global secondary_start
secondary_start:
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

/* Vectors: save caller-saved registers, call guest_exception(kind). */
.macro gvec kind
	.balign 128
	sub	sp, sp, #160
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
	bl	guest_exception
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
	add	sp, sp, #160
	eret
