/*
 * What race-host and pvm-race agree on: scenario numbers, the pVM's data pages, and a
 * small device the host emulates for the pVM through MMIO exits of VCPU_RUN (below
 * 1 GiB, outside the pVM's RAM): the pVM reads its scenario from it and reports results
 * into it, one 64-bit slot per result.
 */
#ifndef RACE_PROTO_H
#define RACE_PROTO_H

#define PVM_BASE        0x80000000ull
#define PVM_SIZE        0x200000ull          /* 2 MiB */
#define Q_IPA           0x80100000ull        /* scenario data page, outside the image */
#define P_IPA           0x801ff000ull        /* the page B gets from the host (scenario 2) */
#define FOREIGN_IPA     0x10000000ull        /* an IPA outside any pVM's RAM */

#define DEV_IPA         0x0a000000ull
#define DEV_SCENARIO    (DEV_IPA + 0x000)    /* read: the scenario number */
#define DEV_PEER        (DEV_IPA + 0x008)    /* read: another VM's id (scenario 7) */
#define DEV_REPORT      (DEV_IPA + 0x100)    /* write: slot k at + 8 * k, k < 16 */
#define DEV_BYTES       (DEV_IPA + 0x1000)   /* write: the byte-lane test (scenario 3) */
#define REPORT_SLOTS    16u

/* The value stored to DEV_BYTES with strb/strh/str w/str x. */
#define BYTES_VALUE     0x5ec2e75ec2e70041ull

enum race_scenario {
	SC_IDLE = 0,              /* reports slot 0 and powers off */
	SC_ATTEST_VS_DONATE = 1,  /* vCPU 0 ATTEST(Q) while vCPU 1 donates Q to the host */
	SC_MREAD_VS_DONATE = 2,   /* vCPU 0 MEASURE_READ(Q) in a loop while vCPU 1 donates Q */
	SC_CHECK_P_ZERO = 3,      /* slot 1 = 0 if P is all zero, else 1 + first nonzero offset */
	SC_MMIO_BYTES = 4,        /* strb, strh, str w, str x of BYTES_VALUE to DEV_BYTES */
	SC_SGI_OFF_VCPU = 5,      /* SGI to vCPU 1, never started; slot 1; then waits */
	SC_DEBUG_REGS = 6,        /* writes secrets to DBGBVR0_EL1 and DBGWVR0_EL1 */
	SC_BUSY_LOOP = 7,         /* a long busy loop at EL1 (PMU scenario) */
	SC_DONATE_TO_PEER = 8,    /* donates Q to the peer VM at FOREIGN_IPA: slot 1 = rc */
	SC_MEASURE_LOOP = 9,      /* slot 1, then MEASURE_EXTEND/MEASURE_READ forever */
	SC_AARCH32_EL0 = 10,
	SC_SHARE_XONLY = 11,      /* shares Q with the host, execute only: slot 1 = rc */      /* drops to AArch32 EL0 T32 code and checks the way back */
};

#define DEBUG_SECRET_B  0x0000aa55aa55a000ull  /* DBGBVR0_EL1 (word aligned VA) */
#define DEBUG_SECRET_W  0x0000a5a5a5a5a5a0ull  /* DBGWVR0_EL1 */
#define BUSY_ITERATIONS 20000000ull

#endif
