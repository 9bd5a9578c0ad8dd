/*
 * Entry of the bare-metal bench guests. With IMAGE_HEADER the binary starts with an arm64
 * Linux Image header, so that the hypervisor's loader places a guest VM's copy like a
 * kernel; without it, it is a raw image run in place as the host VM.
 *
 * vCPU 0 enters at _start (x0 = device tree); a second vCPU started with PSCI CPU_ON
 * enters at secondary_start with x0 = its index. Each gets a 16 KiB stack, FP/SIMD
 * enabled, the exception vectors, then bench_main(index, x0 at entry, CNTVCT_EL0 at
 * entry): vCPU 0 reads the counter in its first instruction, so the third argument is the
 * virtual time from reset to this VM's first instruction (0 for other vCPUs).
 */
	.section .text.start, "ax"
	.global _start
_start:
#ifdef IMAGE_HEADER
	b	entry				/* code0 */
	.word	0				/* code1 */
	.quad	0				/* text_offset */
	.quad	__image_size			/* image_size */
	.quad	(1 << 1) | (1 << 3)		/* LE, 4 KiB pages, anywhere in memory */
	.quad	0, 0, 0				/* reserved */
	.ascii	"ARM\x64"			/* magic */
	.word	0				/* reserved */
entry:
#endif
	mrs	x20, cntvct_el0
	mov	x19, x0
	adrp	x1, __bss_start
	add	x1, x1, :lo12:__bss_start
	adrp	x2, __bss_end
	add	x2, x2, :lo12:__bss_end
1:	cmp	x1, x2
	b.hs	2f
	str	xzr, [x1], #8
	b	1b
2:	mov	x0, #0
	mov	x1, x19
	mov	x2, x20
	b	common

	.global secondary_start
secondary_start:
	mov	x1, #0
	mov	x2, #0
common:
	mov	x3, #(3 << 20)			/* CPACR_EL1.FPEN: no FP/SIMD traps */
	msr	cpacr_el1, x3
	isb
	adrp	x3, __stack_base
	add	x3, x3, :lo12:__stack_base
	add	x4, x0, #1
	lsl	x4, x4, #14
	add	sp, x3, x4
	adrp	x3, bench_vectors
	add	x3, x3, :lo12:bench_vectors
	msr	vbar_el1, x3
	isb
	bl	bench_main
3:	wfi
	b	3b

/* Vectors: save the caller-saved registers, bench_exception(kind, esr, far, &elr). */
.macro bvec kind
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
	b	bvec_common
.endm

	.text
	.balign 2048
bench_vectors:
	bvec 0
	bvec 1
	bvec 2
	bvec 3
	bvec 4
	bvec 5
	bvec 6
	bvec 7
	bvec 8
	bvec 9
	bvec 10
	bvec 11
	bvec 12
	bvec 13
	bvec 14
	bvec 15

bvec_common:
	mrs	x1, esr_el1
	mrs	x2, far_el1
	mrs	x3, elr_el1
	str	x3, [sp, #160]
	add	x3, sp, #160
	bl	bench_exception
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
