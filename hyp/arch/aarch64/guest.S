/*
 * Entering and leaving a guest. guest_enter(regs) saves the hypervisor's callee-saved
 * registers and regs itself on the EL2 stack, loads the guest's general registers and
 * ERETs (ELR_EL2/SPSR_EL2 and every system register are set in C beforehand).
 * Any exception from the guest arrives at guest_exit (vectors.S, with the guest's
 * x0/x1 pushed and x0 = vector kind), which stores the guest's registers back into
 * regs, unwinds, and returns the kind from guest_enter().
 */
#define REGS_SP_EL0	248

	.text
	.global guest_enter
guest_enter:
	stp	x29, x30, [sp, #-96]!
	stp	x19, x20, [sp, #16]
	stp	x21, x22, [sp, #32]
	stp	x23, x24, [sp, #48]
	stp	x25, x26, [sp, #64]
	stp	x27, x28, [sp, #80]
	str	x0, [sp, #-16]!			/* regs, for guest_exit */

	ldr	x1, [x0, #REGS_SP_EL0]
	msr	sp_el0, x1
	ldp	x2, x3, [x0, #16]
	ldp	x4, x5, [x0, #32]
	ldp	x6, x7, [x0, #48]
	ldp	x8, x9, [x0, #64]
	ldp	x10, x11, [x0, #80]
	ldp	x12, x13, [x0, #96]
	ldp	x14, x15, [x0, #112]
	ldp	x16, x17, [x0, #128]
	ldp	x18, x19, [x0, #144]
	ldp	x20, x21, [x0, #160]
	ldp	x22, x23, [x0, #176]
	ldp	x24, x25, [x0, #192]
	ldp	x26, x27, [x0, #208]
	ldp	x28, x29, [x0, #224]
	ldr	x30, [x0, #240]
	ldp	x0, x1, [x0, #0]
	eret
	dsb	nsh				/* no speculation past the ERET */
	isb

	.global guest_exit
guest_exit:
	/* sp -> [guest x0, guest x1], then the regs pointer. */
	ldr	x1, [sp, #16]
	stp	x2, x3, [x1, #16]
	stp	x4, x5, [x1, #32]
	stp	x6, x7, [x1, #48]
	stp	x8, x9, [x1, #64]
	stp	x10, x11, [x1, #80]
	stp	x12, x13, [x1, #96]
	stp	x14, x15, [x1, #112]
	stp	x16, x17, [x1, #128]
	stp	x18, x19, [x1, #144]
	stp	x20, x21, [x1, #160]
	stp	x22, x23, [x1, #176]
	stp	x24, x25, [x1, #192]
	stp	x26, x27, [x1, #208]
	stp	x28, x29, [x1, #224]
	str	x30, [x1, #240]
	ldp	x2, x3, [sp], #16
	stp	x2, x3, [x1, #0]
	mrs	x2, sp_el0
	str	x2, [x1, #REGS_SP_EL0]
	add	sp, sp, #16			/* the regs pointer */

	ldp	x19, x20, [sp, #16]
	ldp	x21, x22, [sp, #32]
	ldp	x23, x24, [sp, #48]
	ldp	x25, x26, [sp, #64]
	ldp	x27, x28, [sp, #80]
	ldp	x29, x30, [sp], #96
	ret				/* x0 = vector kind */
