/*
 * pvm-race: the protected VM of the race tests (race-host launches it). It asks the host
 * which scenario to play (a read of DEV_SCENARIO, an MMIO exit) and reports results in
 * 64-bit slots of the host's device (race_proto.h). vCPU 0 enters at _start, vCPU 1 (when
 * the scenario wants one) at secondary_start, started by vCPU 0 with PSCI CPU_ON: the
 * host sees a CPU_ON exit and runs it on another of its vCPUs. The two vCPUs order their
 * race with flags in this VM's memory.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "palisade/error.h"
#include "palisade/hypercall_stubs.h"
#include "race_proto.h"

#define PSCI_CPU_ON     0xC4000003u
#define PSCI_CPU_OFF    0x84000002u
#define PSCI_SYSTEM_OFF 0x84000008u

extern char secondary_start[];
extern const uint16_t t32_code[];

static volatile uint64_t scenario;
static volatile uint64_t go, done1;
static uint8_t digest[48] __attribute__((aligned(8)));
static volatile uint64_t unexpected;

static uint64_t psci(uint64_t fn, uint64_t a1, uint64_t a2, uint64_t a3)
{
	register uint64_t x0 __asm__("x0") = fn;
	register uint64_t x1 __asm__("x1") = a1;
	register uint64_t x2 __asm__("x2") = a2;
	register uint64_t x3 __asm__("x3") = a3;

	__asm__ volatile("hvc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3) : : "memory");
	return x0;
}

static __attribute__((noreturn)) void power_off(void)
{
	for (;;)
		psci(PSCI_SYSTEM_OFF, 0, 0, 0);
}

/* Single loads and stores (with a valid syndrome) so the hypervisor can forward them. */
static uint64_t dev_read(uint64_t a)
{
	uint64_t v;

	__asm__ volatile("ldr %0, [%1]" : "=r"(v) : "r"(a) : "memory");
	return v;
}

static void report(unsigned k, uint64_t v)
{
	__asm__ volatile("dsb sy; str %0, [%1]" : : "r"(v), "r"(DEV_REPORT + 8 * k) : "memory");
}

static void write32(uint64_t a, uint32_t v)
{
	__asm__ volatile("str %w0, [%1]" : : "r"(v), "r"(a) : "memory");
}

static void barrier(void)
{
	__asm__ volatile("dsb sy" ::: "memory");
}

/* A sync exception at EL1 or from EL0: the AArch32 scenario's SVC comes back here. */
static void aarch32_back(void);
static volatile uint64_t a32_esr, a32_elr, a32_kind, a32_t0;

void guest_exception(uint64_t kind, uint64_t esr, uint64_t far, uint64_t *elr)
{
	(void)far;
	if (scenario == SC_AARCH32_EL0 && kind >= 12) {
		/* From AArch32 EL0: record the syndrome and the return address, then resume at
		 * EL1 (AArch64, SP_EL1, interrupts masked) in aarch32_back, never in EL0. */
		a32_kind = kind;
		a32_esr = esr;
		a32_elr = *elr;
		__asm__ volatile("msr spsr_el1, %0" : : "r"(0x3c5ull));
		*elr = (uint64_t)(uintptr_t)aarch32_back;
		return;
	}
	unexpected = esr | kind << 32;
	report(15, unexpected);
	*elr += 4;
}

/* The T32 code run at AArch32 EL0: r0 iterations of a loop, then WFI, then SVC #0. A
 * WFI resumed 4 bytes on (the width of an A64 instruction) would run SVC #1 instead. */
__asm__(".pushsection .text\n"
	".balign 4\n"
	".global t32_code\n"
	"t32_code:\n"
	".hword 0x3801\n"       /* 0: subs r0, #1   */
	".hword 0xd1fd\n"       /* 2: bne 0         */
	".hword 0xbf30\n"       /* 4: wfi           */
	".hword 0xdf00\n"       /* 6: svc #0        */
	".hword 0xdf01\n"       /* 8: svc #1        */
	".hword 0xe7fe\n"       /* 10: b .          */
	".popsection\n");

static uint64_t read_cntvct(void)
{
	uint64_t t;

	__asm__ volatile("isb; mrs %0, cntvct_el0" : "=r"(t));
	return t;
}

static void aarch32_back(void)
{
	report(1, a32_esr);
	report(2, a32_elr - (uint64_t)(uintptr_t)t32_code);
	report(3, a32_kind);
	report(4, read_cntvct() - a32_t0);
	power_off();
}

static void aarch32_el0(void)
{
	uint64_t sctlr, freq, now;

	/* Its virtual timer pending soon, enabled in its GIC (PPI 27) but masked in PSTATE:
	 * it wakes the WFI, and arriving while EL0 runs T32 it is taken to EL2 from there. */
	write32(0x08000000ull, 2);                               /* GICD_CTLR.EnableGrp1 */
	write32(0x080a0000ull + 0x10000 + 0x100, 1u << 27);      /* GICR_ISENABLER0: PPI 27 */
	__asm__ volatile("mrs %0, cntfrq_el0; mrs %1, cntvct_el0" : "=r"(freq), "=r"(now));
	__asm__ volatile("msr cntv_cval_el0, %0; msr cntv_ctl_el0, %1; isb"
			 : : "r"(now + freq / 50), "r"(1ull));
	__asm__ volatile("mrs %0, sctlr_el1" : "=r"(sctlr));
	sctlr |= 1ull << 16;     /* nTWI: EL0's WFI is not trapped to EL1 */
	__asm__ volatile("msr sctlr_el1, %0; isb" : : "r"(sctlr));
	/* EL0, AArch32 (M = 0b10000), T32 (T, bit 5), A, I and F masked. */
	a32_t0 = read_cntvct();
	register uint64_t x0 __asm__("x0") = 300000000;
	__asm__ volatile("msr spsr_el1, %1\n"
			 "msr elr_el1, %2\n"
			 "isb\n"
			 "eret\n"
			 : "+r"(x0)
			 : "r"(0x1f0ull), "r"((uint64_t)(uintptr_t)t32_code)
			 : "memory");
	__builtin_unreachable();
}

static void vcpu0(void)
{
	volatile uint8_t *q = (volatile uint8_t *)(uintptr_t)Q_IPA;
	int64_t rc;
	uint64_t n;

	scenario = dev_read(DEV_SCENARIO);
	barrier();
	switch (scenario) {
	case SC_ATTEST_VS_DONATE:
	case SC_MREAD_VS_DONATE:
		for (unsigned i = 0; i < 64; i++)
			q[i] = (uint8_t)(0x11 + i);      /* report_data: nonzero */
		psci(PSCI_CPU_ON, 1, (uint64_t)(uintptr_t)secondary_start, 1);
		go = 1;                                  /* vCPU 1 donates Q from now on */
		barrier();
		if (scenario == SC_ATTEST_VS_DONATE) {
			rc = pal_hc_attest(Q_IPA, 4096, NULL);
			n = 1;
		} else {
			for (n = 0, rc = 0; n < 20000000 && rc == 0 && !done1; n++)
				rc = pal_hc_measure_read(4, Q_IPA);
		}
		report(1, (uint64_t)rc);
		report(3, n);
		while (!done1)
			;
		break;
	case SC_CHECK_P_ZERO: {
		const volatile uint8_t *p = (const volatile uint8_t *)(uintptr_t)P_IPA;
		uint64_t bad = 0;

		for (unsigned i = 0; i < 4096 && !bad; i++)
			if (p[i])
				bad = i + 1;
		report(1, bad);
		break;
	}
	case SC_MMIO_BYTES: {
		register uint64_t x5 __asm__("x5") = BYTES_VALUE;
		register uint64_t x6 __asm__("x6") = DEV_BYTES;

		__asm__ volatile("strb w5, [x6]\n"
				 "strh w5, [x6]\n"
				 "str w5, [x6]\n"
				 "str x5, [x6]\n" : : "r"(x5), "r"(x6) : "memory");
		break;
	}
	case SC_SGI_OFF_VCPU:
		/* SGI 0 enabled at vCPU 1 and group 1 on, so the SGI is deliverable to it;
		 * vCPU 1 itself is never started. */
		write32(0x08000000ull, 2);                                  /* GICD_CTLR */
		write32(0x080a0000ull + 0x20000 + 0x10000 + 0x100, 1);      /* vCPU 1 ISENABLER0 */
		__asm__ volatile("msr S3_0_C12_C11_5, %0; isb" : : "r"(1ull << 1) : "memory");
		report(1, 1);
		for (;;)
			__asm__ volatile("wfi");
	case SC_DEBUG_REGS: {
		uint64_t b, w;

		__asm__ volatile("msr dbgbvr0_el1, %0; msr dbgwvr0_el1, %1; isb"
				 : : "r"(DEBUG_SECRET_B), "r"(DEBUG_SECRET_W));
		__asm__ volatile("mrs %0, dbgbvr0_el1; mrs %1, dbgwvr0_el1" : "=r"(b), "=r"(w));
		report(1, b);
		report(2, w);
		break;
	}
	case SC_BUSY_LOOP: {
		uint64_t i = BUSY_ITERATIONS;

		__asm__ volatile("1: subs %0, %0, #1; b.ne 1b" : "+r"(i));
		report(1, 0);
		break;
	}
	case SC_DONATE_TO_PEER:
		report(1, (uint64_t)pal_hc_mem_donate(Q_IPA, 1, (uint16_t)dev_read(DEV_PEER),
						      FOREIGN_IPA));
		break;
	case SC_MEASURE_LOOP:
		report(1, 1);
		for (;;) {
			pal_hc_measure_extend(0, (uint64_t)(uintptr_t)digest);
			pal_hc_measure_read(0, (uint64_t)(uintptr_t)digest);
		}
	case SC_AARCH32_EL0:
		aarch32_el0();
		break;
	default:
		break;
	}
	report(0, 0);
	power_off();
}

static void vcpu1(void)
{
	if (scenario == SC_ATTEST_VS_DONATE || scenario == SC_MREAD_VS_DONATE) {
		while (!go)
			;
		report(2, (uint64_t)pal_hc_mem_donate(Q_IPA, 1, 1, 0));
		done1 = 1;
		barrier();
	}
	for (;;)
		psci(PSCI_CPU_OFF, 0, 0, 0);
}

void guest_main(uint64_t idx)
{
	if (idx == 0)
		vcpu0();
	else
		vcpu1();
}
