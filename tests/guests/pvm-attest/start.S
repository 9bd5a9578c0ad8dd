/* Entry of the pvm-attest protected VM: zero bss, a stack, then C. */
	.section .text.head, "ax"
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
2:	adrp	x1, __stack_top
	add	sp, x1, :lo12:__stack_top
	bl	pvm_main
3:	wfi
	b	3b
