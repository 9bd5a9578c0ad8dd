/* Assembler helpers and the constants assembly shares with C. */
#ifndef ARCH_ASM_H
#define ARCH_ASM_H

#define CPU_STACK_SIZE	16384

#ifdef __ASSEMBLER__
#define HCR_RW_BIT	(1 << 31)
#define HCR_E2H_BIT	(1 << 34)
/* Physical IRQ/FIQ/SError route to EL2: without these, interrupts would target EL1 and
 * never be taken while EL2 runs. */
#define HCR_AMO_IMO_FMO	((1 << 5) | (1 << 4) | (1 << 3))

/* PC-relative address of a symbol anywhere within +-4 GiB. */
.macro adr_l reg, sym
	adrp	\reg, \sym
	add	\reg, \reg, :lo12:\sym
.endm
#endif

#endif
