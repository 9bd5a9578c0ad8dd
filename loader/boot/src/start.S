/*
 * Palisade boot stage: entry and exit (docs/attestation.md section 2).
 *
 * QEMU starts palisade-boot.elf here on CPU 0 at EL2, MMU and caches off, x0 = 0 (an
 * ELF image gets no DTB pointer; QEMU puts the DTB at the start of RAM). Nothing here
 * depends on HCR_EL2.E2H. The stage zeroes its .bss and stack, runs boot_stage_main(),
 * then erases its .bss and stack again (the crypto arena and every C frame that held a
 * secret), clears the general registers and jumps to the hypervisor with
 * x0 = DTB and x1 = handoff block.
 */
#include "boot_stage.h"

	.section .text.entry, "ax"
	.global _start
_start:
	msr	daifset, #0xf
	mov	x19, x0				/* DTB pointer from the loader (0 for ELF) */
	mrs	x1, CurrentEL
	cmp	x1, #(2 << 2)
	b.ne	not_el2
	adr_l	x1, boot_vectors
	msr	vbar_el2, x1
	isb

	bl	wipe_bss_and_stack
	adr_l	x1, __stack_top
	mov	sp, x1
	mov	x29, xzr
	mov	x30, xzr
	mov	x0, x19
	bl	boot_stage_main			/* returns x0 = DTB, x1 = handoff */

	mov	x19, x0
	mov	x20, x1
	/* From here on no C runs: erase everything C left behind (stack included). */
	bl	wipe_bss_and_stack
	mov	x0, x19
	mov	x1, x20
	.irp	r, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29
	mov	x\r, xzr
	.endr
	mov	sp, x2				/* sp = 0: the hypervisor sets its own */
	msr	vbar_el2, xzr
	dsb	sy
	isb
	mov_imm	x30, BOOT_HYP_ENTRY
	br	x30

	/* Not at EL2: the hypervisor cannot run. Stop. */
not_el2:
	wfi
	b	not_el2

/* Zeroes [__bss_start, __bss_end), which holds the stack too; uses x2, x3 only. */
wipe_bss_and_stack:
	adr_l	x2, __bss_start
	adr_l	x3, __bss_end
1:	cmp	x2, x3
	b.hs	2f
	stp	xzr, xzr, [x2], #16
	b	1b
2:	ret

	/* Any exception in the stage is fatal: report it and power off. */
	.section .text.vectors, "ax"
	.balign	2048
boot_vectors:
	.rept	16
	.balign	128
	b	boot_exception
	.endr

boot_exception:
	adr_l	x0, __stack_top
	mov	sp, x0
	mrs	x0, esr_el2
	mrs	x1, elr_el2
	mrs	x2, far_el2
	bl	boot_stage_fault		/* does not return */
	b	not_el2
