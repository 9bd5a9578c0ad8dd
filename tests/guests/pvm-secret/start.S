/* arm64 Image header (Documentation/arm64/booting.rst), then a stack and C. */
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
2:	adrp	x1, __stack_top
	add	sp, x1, :lo12:__stack_top
	bl	pvm_main
3:	wfi
	b	3b
