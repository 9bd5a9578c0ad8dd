/*
 * AArch64 system register access and the bit definitions Palisade uses.
 * EL2 runs with HCR_EL2.E2H=1 (VHE): the *_EL2 names below are the hypervisor's own
 * registers, and TCR_EL2/SCTLR_EL2 take the EL1 layouts.
 */
#ifndef ARCH_SYSREG_H
#define ARCH_SYSREG_H

#include <stdint.h>

/* Two levels, so that a register name built by a macro is expanded before stringizing. */
#define __read_sysreg(r) ({ uint64_t __v; __asm__ volatile("mrs %0, " #r : "=r"(__v)); __v; })
#define __write_sysreg(r, v) __asm__ volatile("msr " #r ", %0" : : "r"((uint64_t)(v)))
#define read_sysreg(r) __read_sysreg(r)
#define write_sysreg(r, v) __write_sysreg(r, v)
#define isb() __asm__ volatile("isb" ::: "memory")
#define dsb(opt) __asm__ volatile("dsb " #opt ::: "memory")
#define wfi() __asm__ volatile("wfi" ::: "memory")
#define wfe() __asm__ volatile("wfe" ::: "memory")
#define sev() __asm__ volatile("sev" ::: "memory")

/* HCR_EL2 */
#define HCR_RW   (1ull << 31)   /* EL1 is AArch64 */
#define HCR_E2H  (1ull << 34)   /* VHE: EL2 host */

/* ID_AA64MMFR1_EL1.VH (bits 11:8): VHE implemented */
#define MMFR1_VH_SHIFT 8
/* ID_AA64MMFR0_EL1.PARange (bits 3:0) */
#define MMFR0_PARANGE_MASK 0xfull
/* ID_AA64MMFR0_EL1.TGran4 (bits 31:28): 0xf = 4 KiB granule not supported */
#define MMFR0_TGRAN4_SHIFT 28

/* SCTLR_EL2 with E2H=1 (SCTLR_EL1 layout) */
#define SCTLR_M    (1ull << 0)
#define SCTLR_A    (1ull << 1)
#define SCTLR_C    (1ull << 2)
#define SCTLR_SA   (1ull << 3)
#define SCTLR_I    (1ull << 12)
#define SCTLR_WXN  (1ull << 19)
#define SCTLR_RES1 ((1ull << 29) | (1ull << 28) | (1ull << 23) | (1ull << 22) | \
		    (1ull << 20) | (1ull << 11))

/* TCR_EL2 with E2H=1 (TCR_EL1 layout) */
#define TCR_T0SZ(n)       ((uint64_t)(n) << 0)
#define TCR_IRGN0_WBWA    (1ull << 8)
#define TCR_ORGN0_WBWA    (1ull << 10)
#define TCR_SH0_INNER     (3ull << 12)
#define TCR_TG0_4K        (0ull << 14)
#define TCR_EPD1          (1ull << 23)
#define TCR_IPS_SHIFT     32

/* MAIR indexes used by Palisade's stage-1 tables */
#define MAIR_IDX_DEVICE   0   /* Device-nGnRnE */
#define MAIR_IDX_NORMAL   1   /* Normal, inner/outer write-back, read/write-allocate */
#define MAIR_VALUE        ((0x00ull << (8 * MAIR_IDX_DEVICE)) | (0xffull << (8 * MAIR_IDX_NORMAL)))

/* ESR_ELx exception classes */
#define ESR_EC_SHIFT      26
#define ESR_EC(esr)       (((esr) >> ESR_EC_SHIFT) & 0x3f)
#define ESR_ISS(esr)      ((esr) & 0x1ffffff)
#define EC_UNKNOWN        0x00
#define EC_HVC64          0x16
#define EC_SMC64          0x17
#define EC_SYSREG         0x18
#define EC_IABT_LOW       0x20
#define EC_IABT_CUR       0x21
#define EC_PC_ALIGN       0x22
#define EC_DABT_LOW       0x24
#define EC_DABT_CUR       0x25
#define EC_SP_ALIGN       0x26
#define EC_BRK64          0x3c

/* PAR_EL1 after an AT instruction */
#define PAR_F             (1ull << 0)

#endif
