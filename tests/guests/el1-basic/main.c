/*
 * EL1 test guest: runs as a VM under Palisade and checks, from the inside, what the
 * virtualization core promises: hypercalls and SMCCC/PSCI, an external abort (not a
 * hypervisor crash) for addresses nothing backs, the hypervisor's memory out of reach,
 * a second vCPU started with PSCI CPU_ON, the emulated GICv3 (distributor registers,
 * virtual timer interrupt, SGIs between vCPUs), FP/SIMD state kept per vCPU.
 * Prints PALISADE-TEST verdicts on its console (the PL011 at 0x09000000) and ends with
 * PSCI SYSTEM_OFF.
 */
#include <stdbool.h>
#include <stdint.h>
#include "palisade/hypercall_stubs.h"
#include "guest_console.h"

#define GICD 0x08000000ul
#define GICR 0x080a0000ul
#define HYP_BASE 0x40200000ul        /* the hypervisor's image: never mapped to a VM */
#define UDS_PAGE 0x40100000ul        /* UDS and boot handoff: reserved, never mapped */
#define BOOT_STAGE 0x40110000ul      /* the boot stage's memory: reserved, never mapped */
#define NOTHING_THERE 0x0f000000ul   /* no device, no RAM */

#define PSCI_VERSION 0x84000000u
#define PSCI_CPU_ON 0xC4000003u
#define PSCI_FEATURES 0x8400000Au
#define PSCI_SYSTEM_OFF 0x84000008u
#define SMCCC_VERSION 0x80000000u

#define rd_sysreg(r) ({ uint64_t __v; __asm__ volatile("mrs %0, " #r : "=r"(__v)); __v; })
#define wr_sysreg(r, v) __asm__ volatile("msr " #r ", %0" : : "r"((uint64_t)(v)))

extern char secondary_start[];

static volatile int print_lock;

static void lock(void) { while (__atomic_exchange_n(&print_lock, 1, __ATOMIC_ACQUIRE)) ; }
static void unlock(void) { __atomic_store_n(&print_lock, 0, __ATOMIC_RELEASE); }

/* Both vCPUs print: one line at a time. */
static void verdict(const char *name, bool ok, const char *why)
{
	lock();
	guest_verdict(name, ok, why);
	unlock();
}

static int64_t smc_call(uint64_t fn, uint64_t a1, uint64_t a2, uint64_t a3)
{
	register uint64_t x0 __asm__("x0") = fn, x1 __asm__("x1") = a1;
	register uint64_t x2 __asm__("x2") = a2, x3 __asm__("x3") = a3;

	__asm__ volatile("hvc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3) : : "memory");
	return (int64_t)x0;
}

/* Exceptions: synchronous aborts are expected by the abort tests; IRQs by the GIC tests. */
static volatile uint64_t last_esr, last_far, sync_count;
static volatile uint32_t irqs_seen[2][32];

void guest_exception(uint64_t kind, uint64_t esr, uint64_t far, uint64_t *elr)
{
	if ((kind & 3) == 1) {   /* IRQ */
		uint64_t cpu = rd_sysreg(mpidr_el1) & 0xff;
		uint64_t intid = rd_sysreg(S3_0_C12_C12_0) & 0xffffff;   /* ICC_IAR1_EL1 */

		if (intid < 32) {
			irqs_seen[cpu & 1][intid]++;
			if (intid == 27)
				wr_sysreg(cntv_ctl_el0, 2);   /* mask: one interrupt is enough */
		}
		wr_sysreg(S3_0_C12_C12_1, intid);   /* ICC_EOIR1_EL1: drop + deactivate */
		return;
	}
	last_esr = esr;
	last_far = far;
	sync_count++;
	*elr += 4;   /* skip the faulting access */
}

static bool read_faults(uint64_t addr, uint64_t *esr)
{
	uint64_t before = sync_count;

	(void)*(volatile uint32_t *)addr;
	__asm__ volatile("" ::: "memory");
	*esr = last_esr;
	return sync_count == before + 1;
}

static void gic_cpu_init(void)
{
	volatile uint32_t *rd = (volatile uint32_t *)(GICR + 0x20000 * (rd_sysreg(mpidr_el1) & 0xff));
	volatile uint32_t *sgi = (volatile uint32_t *)((uintptr_t)rd + 0x10000);

	rd[0x14 / 4] &= ~2u;                   /* GICR_WAKER.ProcessorSleep */
	while (rd[0x14 / 4] & 4u)
		;
	sgi[0x80 / 4] = ~0u;                   /* group 1 */
	sgi[0x100 / 4] = (1u << 27) | (1u << 3);   /* enable vtimer and SGI 3 */
	wr_sysreg(S3_0_C12_C12_5, 7);          /* ICC_SRE_EL1 */
	__asm__ volatile("isb");
	wr_sysreg(S3_0_C4_C6_0, 0xff);         /* ICC_PMR_EL1 */
	wr_sysreg(S3_0_C12_C12_7, 1);          /* ICC_IGRPEN1_EL1 */
	__asm__ volatile("isb; msr daifclr, #2");
}

static volatile bool cpu1_up, cpu1_done;
static volatile uint64_t cpu1_fp_ok;

/* FP/SIMD registers are per vCPU: fill v0 with a pattern, let the other vCPU run, check. */
static bool fp_pattern_survives(uint64_t pattern)
{
	uint64_t out;

	__asm__ volatile("fmov d0, %0" : : "r"(pattern) : "v0");
	for (volatile int i = 0; i < 20000; i++)
		;
	__asm__ volatile("fmov %0, d0" : "=r"(out));
	return out == pattern;
}

void guest_main(uint64_t cpu)
{
	if (cpu == 1) {
		gic_cpu_init();
		cpu1_up = true;
		cpu1_fp_ok = fp_pattern_survives(0x1111222233334444ull);
		/* Wait for SGI 3 from vCPU 0, in WFI (the hypervisor must wake us). */
		guest_irq_mask();
		while (!irqs_seen[1][3])
			guest_wait_irq();
		guest_irq_unmask();
		cpu1_done = true;
		for (;;)
			guest_wait_irq();
	}

	guest_puts("el1-basic: guest running at EL1\n");
	{
		struct pal_hc_version_result v;
		int64_t rc = pal_hc_version(&v);

		verdict("hvc_pal_version", rc == 0 && v.abi_version == PAL_ABI_VERSION,
			"PAL_VERSION failed or wrong ABI version");
	}
	{
		struct pal_hc_caller_id_result id;

		verdict("hvc_caller_id_is_host", pal_hc_caller_id(&id) == 0 && id.vm_id == 1,
			"PAL_CALLER_ID did not say VM 1");
	}
	verdict("hvc_unknown_not_supported", smc_call(0xC600F0F0u, 0, 0, 0) == -1,
		"unknown hypercall did not return NOT_SUPPORTED");
	verdict("smccc_version", smc_call(SMCCC_VERSION, 0, 0, 0) == 0x10001, "not SMCCC 1.1");
	verdict("psci_version", smc_call(PSCI_VERSION, 0, 0, 0) == 0x10001, "not PSCI 1.1");
	verdict("psci_features_cpu_on", smc_call(PSCI_FEATURES, PSCI_CPU_ON, 0, 0) == 0,
		"CPU_ON not reported");
	{
		uint64_t esr;
		bool f = read_faults(NOTHING_THERE, &esr);

		verdict("unbacked_access_gets_external_abort",
			f && (esr >> 26) == 0x25 && (esr & 0x3f) == 0x10 && last_far == NOTHING_THERE,
			"no synchronous external abort for an address nothing backs");
		f = read_faults(HYP_BASE, &esr);
		verdict("hypervisor_memory_unreachable", f && (esr >> 26) == 0x25,
			"the hypervisor's image was readable from a VM");
		f = read_faults(UDS_PAGE, &esr) && (esr >> 26) == 0x25 &&
		    read_faults(UDS_PAGE + 0x800, &esr) && (esr >> 26) == 0x25 &&
		    read_faults(BOOT_STAGE, &esr) && (esr >> 26) == 0x25;
		verdict("boot_secrets_unreachable", f,
			"the UDS page or the boot stage's memory was readable from a VM");
	}
	{
		volatile uint32_t *d = (volatile uint32_t *)GICD;
		uint32_t typer = d[1], pidr2 = d[0xffe8 / 4];

		verdict("vgic_distributor_registers", ((pidr2 >> 4) & 0xf) == 3 && (typer & 0x1f) >= 1,
			"GICD_PIDR2/TYPER not a GICv3 distributor");
		d[0] = (1u << 4) | (1u << 1);   /* ARE, EnableGrp1 */
	}
	gic_cpu_init();
	{
		int64_t rc = smc_call(PSCI_CPU_ON, 1, (uint64_t)secondary_start, 1);

		for (volatile int i = 0; i < 100000000 && !cpu1_up; i++)
			;
		verdict("psci_cpu_on_second_vcpu", rc == 0 && cpu1_up, "vCPU 1 did not start");
		verdict("psci_cpu_on_twice_already_on",
			smc_call(PSCI_CPU_ON, 1, (uint64_t)secondary_start, 1) == -4,
			"a running vCPU could be started again");
	}
	{
		uint64_t freq = rd_sysreg(cntfrq_el0);

		wr_sysreg(cntv_tval_el0, freq / 1000);   /* 1 ms */
		wr_sysreg(cntv_ctl_el0, 1);
		guest_irq_mask();
		for (int i = 0; i < 1000 && !irqs_seen[0][27]; i++)
			guest_wait_irq();
		guest_irq_unmask();
		verdict("vtimer_interrupt_wakes_wfi", irqs_seen[0][27] == 1,
			"the virtual timer interrupt did not arrive");
	}
	verdict("fp_simd_state_per_vcpu", fp_pattern_survives(0x5555666677778888ull),
		"v0 changed under vCPU 0");
	{
		/* SGI 3 to vCPU 1: TargetList bit 1, Aff1..3 = 0. */
		wr_sysreg(S3_0_C12_C11_5, (3ull << 24) | (1u << 1));
		for (volatile int i = 0; i < 100000000 && !cpu1_done; i++)
			;
		verdict("sgi_between_vcpus", cpu1_done && irqs_seen[1][3] == 1,
			"vCPU 1 did not take SGI 3");
		verdict("fp_simd_state_per_vcpu_1", cpu1_fp_ok, "v0 changed under vCPU 1");
	}

	lock();
	guest_verdict_end();
	unlock();
	smc_call(PSCI_SYSTEM_OFF, 0, 0, 0);
}
