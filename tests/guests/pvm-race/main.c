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
#include "guest_console.h"
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

/*
 * The AArch32 scenario goes to AArch32 EL0 twice, each time coming back to EL1 through
 * an SVC (vector 12, lower EL AArch32 sync), resumed at EL1 in a continuation:
 *  1. interrupts unmasked, a long T32 loop then SVC #2: the hypervisor's own interrupts
 *     (its scheduler tick) arrive while EL0 runs T32 and must not stop the VM;
 *  2. interrupts masked, WFI then SVC #0 (then SVC #1): the WFI, trapped to EL2 and woken
 *     by its virtual timer, must resume at the SVC #0 right after it (a 16-bit T32
 *     instruction), not 4 bytes on at SVC #1.
 */
static void a32_phase2(void);
static void a32_done(void);
static volatile uint64_t a32_phase, a32_t0;
static volatile uint64_t a32_esr[3], a32_elr[3], a32_kind[3];

void guest_exception(uint64_t kind, uint64_t esr, uint64_t far, uint64_t *elr)
{
	(void)far;
	if (scenario == SC_AARCH32_EL0 && kind >= 12 && a32_phase >= 1 && a32_phase <= 2) {
		/* Record, then resume at EL1 (AArch64, SP_EL1, DAIF masked), never in EL0. */
		a32_kind[a32_phase] = kind;
		a32_esr[a32_phase] = esr;
		a32_elr[a32_phase] = *elr;
		__asm__ volatile("msr spsr_el1, %0" : : "r"(0x3c5ull));
		*elr = (uint64_t)(uintptr_t)(a32_phase == 1 ? a32_phase2 : a32_done);
		a32_phase++;
		return;
	}
	unexpected = esr | kind << 32;
	report(15, unexpected);
	*elr += 4;
}

__asm__(".pushsection .text\n"
	".balign 4\n"
	".global t32_loop, t32_wfi\n"
	"t32_loop:\n"
	".hword 0x3801\n"       /* 0: subs r0, #1   */
	".hword 0xd1fd\n"       /* 2: bne 0         */
	".hword 0xdf02\n"       /* 4: svc #2        */
	".hword 0xe7fe\n"       /* 6: b .           */
	"t32_wfi:\n"
	".hword 0xbf30\n"       /* 0: wfi           */
	".hword 0xdf00\n"       /* 2: svc #0        */
	".hword 0xdf01\n"       /* 4: svc #1        */
	".hword 0xe7fe\n"       /* 6: b .           */
	".popsection\n");
extern const uint16_t t32_loop[], t32_wfi[];

static uint64_t read_cntvct(void)
{
	uint64_t t;

	__asm__ volatile("isb; mrs %0, cntvct_el0" : "=r"(t));
	return t;
}

/* ERET to AArch32 EL0 T32 code at pc with r0 = n; spsr: M = 0b10000 (EL0 AArch32), T. */
static __attribute__((noreturn)) void enter_el0(const uint16_t *pc, uint64_t spsr, uint64_t n)
{
	register uint64_t x0 __asm__("x0") = n;

	__asm__ volatile("msr spsr_el1, %1\n"
			 "msr elr_el1, %2\n"
			 "isb\n"
			 "eret\n"
			 : "+r"(x0)
			 : "r"(spsr), "r"((uint64_t)(uintptr_t)pc)
			 : "memory");
	__builtin_unreachable();
}

static void a32_done(void)
{
	report(1, a32_esr[2]);
	report(2, a32_elr[2] - (uint64_t)(uintptr_t)t32_wfi);
	report(3, a32_kind[2]);
	power_off();
}

static void a32_phase2(void)
{
	uint64_t now;

	report(4, read_cntvct() - a32_t0);
	report(5, a32_esr[1]);
	report(6, a32_kind[1]);
	/* Its virtual timer pending now, enabled in its GIC (PPI 27): it wakes the WFI. */
	write32(0x08000000ull, 2);                               /* GICD_CTLR.EnableGrp1 */
	write32(0x080a0000ull + 0x10000 + 0x100, 1u << 27);      /* GICR_ISENABLER0: PPI 27 */
	__asm__ volatile("mrs %0, cntvct_el0" : "=r"(now));
	__asm__ volatile("msr cntv_cval_el0, %0; msr cntv_ctl_el0, %1; isb"
			 : : "r"(now), "r"(1ull));
	enter_el0(t32_wfi, 0x1f0 /* A, I, F masked */, 0);
}

static void aarch32_el0(void)
{
	uint64_t sctlr;

	__asm__ volatile("mrs %0, sctlr_el1" : "=r"(sctlr));
	sctlr |= 1ull << 16;     /* nTWI: EL0's WFI is not trapped to EL1 */
	__asm__ volatile("msr sctlr_el1, %0; isb" : : "r"(sctlr));
	a32_phase = 1;
	a32_t0 = read_cntvct();
	/* About a second of T32 at EL0 under QEMU (many scheduler ticks), interrupts on. */
	enter_el0(t32_loop, 0x130 /* A masked */, 300000000);
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
			guest_wait_irq();
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
	case SC_SHARE_XONLY:
		/* Q holds no valid descriptor (zero): the host must never get to read it. */
		report(1, (uint64_t)pal_hc_mem_share(Q_IPA, 1, 1, 0, 4));
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
