/*
 * The boot stage's view of the QEMU virt board (docs/attestation.md section 6): where the
 * UDS, the handoff block and the hypervisor image are. Shared by start.S and main.c.
 */
#ifndef BOOT_STAGE_H
#define BOOT_STAGE_H

#define BOOT_UART_BASE		0x09000000
#define BOOT_RAM_BASE		0x40000000	/* QEMU puts the DTB here for an ELF -kernel */
#define BOOT_UDS_ADDR		0x40100000	/* UDS page: UDS in its first 64 bytes */
#define BOOT_UDS_PAGE_SIZE	4096
#define BOOT_HANDOFF_ADDR	0x40100800	/* handoff block, same page */
#define BOOT_HYP_ENTRY		0x40200000	/* palisade-hyp.bin, placed by -device loader */
#define BOOT_RESERVED_END	0x40900000	/* end of the hypervisor's reserved region */

#define PSCI_SYSTEM_OFF		0x84000008

#ifdef __ASSEMBLER__
/* PC-relative address of a symbol anywhere within +-4 GiB. */
.macro adr_l reg, sym
	adrp	\reg, \sym
	add	\reg, \reg, :lo12:\sym
.endm

/* A 32-bit constant. */
.macro mov_imm reg, val
	movz	\reg, #((\val) & 0xffff)
	movk	\reg, #(((\val) >> 16) & 0xffff), lsl #16
.endm
#endif

#endif
