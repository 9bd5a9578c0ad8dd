/*
 * EL2 exception vectors. Every entry saves the full register state in a struct
 * exception_frame on the current stack and calls into C (exception.c), which decides.
 * Exceptions from EL2 itself go to exception.c (a diagnostic and a parked CPU, except
 * for probes and interrupts); exceptions from a guest leave guest_enter() (guest.S).
 */
#include "arch/asm.h"

#define FRAME_SIZE	(36 * 8)	/* x0-x30, sp, elr, spsr, esr, far */

.macro ventry kind
	.balign 128
	sub	sp, sp, #FRAME_SIZE
	stp	x0, x1, [sp, #0]
	mov	x0, #\kind
	b	vector_common
.endm

/* From a guest: keep its x0/x1 on the stack and leave through guest.S. */
.macro vguest kind
	.balign 128
	stp	x0, x1, [sp, #-16]!
	mov	x0, #\kind
	b	guest_exit
.endm

	.section .text.vectors, "ax"
	.balign 2048
	.global el2_vectors
el2_vectors:
	ventry 0	/* current EL, SP_EL0: sync */
	ventry 1	/* irq */
	ventry 2	/* fiq */
	ventry 3	/* serror */
	ventry 4	/* current EL, SP_ELx: sync */
	ventry 5
	ventry 6
	ventry 7
	vguest 8	/* lower EL, AArch64: sync */
	vguest 9	/* irq */
	vguest 10	/* fiq */
	vguest 11	/* serror */
	vguest 12	/* lower EL, AArch32 (guests are AArch64-only: HCR_EL2.RW) */
	vguest 13
	vguest 14
	vguest 15

vector_common:
	/* x0 = kind; the interrupted x0/x1 are already at [sp]. */
	stp	x2, x3, [sp, #16]
	stp	x4, x5, [sp, #32]
	stp	x6, x7, [sp, #48]
	stp	x8, x9, [sp, #64]
	stp	x10, x11, [sp, #80]
	stp	x12, x13, [sp, #96]
	stp	x14, x15, [sp, #112]
	stp	x16, x17, [sp, #128]
	stp	x18, x19, [sp, #144]
	stp	x20, x21, [sp, #160]
	stp	x22, x23, [sp, #176]
	stp	x24, x25, [sp, #192]
	stp	x26, x27, [sp, #208]
	stp	x28, x29, [sp, #224]
	add	x1, sp, #FRAME_SIZE
	stp	x30, x1, [sp, #240]		/* x30, interrupted sp */
	mrs	x1, elr_el2
	mrs	x2, spsr_el2
	stp	x1, x2, [sp, #256]
	mrs	x1, esr_el2
	mrs	x2, far_el2
	stp	x1, x2, [sp, #272]
	mov	x1, sp
	bl	exception_entry			/* (kind, frame): returns only to resume */

	/* Resume with the (possibly updated) frame. */
	ldp	x1, x2, [sp, #256]
	msr	elr_el2, x1
	msr	spsr_el2, x2
	ldp	x2, x3, [sp, #16]
	ldp	x4, x5, [sp, #32]
	ldp	x6, x7, [sp, #48]
	ldp	x8, x9, [sp, #64]
	ldp	x10, x11, [sp, #80]
	ldp	x12, x13, [sp, #96]
	ldp	x14, x15, [sp, #112]
	ldp	x16, x17, [sp, #128]
	ldp	x18, x19, [sp, #144]
	ldp	x20, x21, [sp, #160]
	ldp	x22, x23, [sp, #176]
	ldp	x24, x25, [sp, #192]
	ldp	x26, x27, [sp, #208]
	ldp	x28, x29, [sp, #224]
	ldr	x30, [sp, #240]
	ldp	x0, x1, [sp, #0]
	add	sp, sp, #FRAME_SIZE
	eret
