/*
 * Boot self-tests (palisade.selftest=1). Each check prints one structured verdict line
 *   PALISADE-TEST <name> PASS
 *   PALISADE-TEST <name> FAIL <reason>
 * and the run ends with PALISADE-TEST-END passed=<n> failed=<m>. The QEMU harness
 * (tests/harness) decides pass/fail from these lines only.
 */
#include <string.h>
#include "arch/cpu.h"
#include "palisade/boot.h"
#include "palisade/boot_identity.h"
#include "palisade/cpu.h"
#include "palisade/crypto.h"
#include "palisade/log.h"
#include "palisade/format.h"
#include "palisade/hypercall.h"
#include "palisade/irq.h"
#include "palisade/timer.h"
#include "palisade/mmu.h"
#include "palisade/platform.h"

/* ESR fault status codes (DFSC/IFSC bits 5:0): permission fault at level 1..3. */
#define FSC_PERMISSION(esr) ((((esr) & 0x3f) & 0x3c) == 0x0c)

extern char arch_probe_text_ret[];

/* A RET instruction in writable data: executing it must fault (W^X, WXN). */
static volatile uint32_t data_ret_insn[4] __attribute__((aligned(16))) = { 0xd65f03c0 };
static volatile uint64_t data_probe_word;

static unsigned passed, failed;

static void verdict(const char *name, const char *failure)
{
	if (failure) {
		failed++;
		log_printf("PALISADE-TEST %s FAIL %s\n", name, failure);
	} else {
		passed++;
		log_printf("PALISADE-TEST %s PASS\n", name);
	}
}

void selftest_cpu_checks(struct cpu *c)
{
	uint64_t sctlr = read_sysreg(sctlr_el2);
	const char *fail = NULL;

	if (!(read_sysreg(hcr_el2) & HCR_E2H))
		fail = "HCR_EL2.E2H clear";
	else if (!(sctlr & SCTLR_M))
		fail = "MMU off";
	else if (!(sctlr & SCTLR_WXN))
		fail = "SCTLR_EL2.WXN clear";
	else if (arch_at_can_write((uintptr_t)__hyp_start))
		fail = "text writable";
	else if (!arch_at_can_read((uintptr_t)__hyp_start))
		fail = "text unreadable";
	else if (arch_at_can_write((uintptr_t)__text_end))
		fail = "rodata writable";
	else if (!arch_at_can_write((uintptr_t)&data_probe_word))
		fail = "data not writable";
	if (fail) {
		c->selftest_failures++;
		c->selftest_failed = fail;
	}
}

/* Every page of the image and pool has exactly the permissions of its class. */
static const char *check_image_tables(void)
{
	uint64_t res_end = platform_hyp_reserved_base() + platform_hyp_reserved_size();

	for (uint64_t va = (uintptr_t)__hyp_start; va < res_end; va += PAGE_SIZE) {
		unsigned want = va < (uintptr_t)__text_end ? (MMU_R | MMU_X)
			: va < (uintptr_t)__rodata_end ? MMU_R : (MMU_R | MMU_W);
		unsigned got = mmu_lookup(va);

		if (got != want)
			return va < (uintptr_t)__text_end ? "text page not R-X"
				: va < (uintptr_t)__rodata_end ? "rodata page not R--"
				: "data/pool page not RW-";
	}
	/* Nothing outside the text is executable: sample RAM, UART and GIC. */
	for (unsigned i = 0; i < boot_platform.mem_count; i++) {
		const struct pi_range *r = &boot_platform.mem[i];

		for (uint64_t va = r->base; va < r->base + r->size; va += 1ull << 21)
			if (mmu_lookup(va) & MMU_X && (va < (uintptr_t)__hyp_start ||
						       va >= (uintptr_t)__text_end))
				return "RAM outside text is executable";
	}
	if (mmu_lookup(boot_platform.uart.base) != (MMU_R | MMU_W | MMU_DEVICE))
		return "UART not mapped as RW device";
	if (mmu_lookup(boot_platform.gicd.base) != (MMU_R | MMU_W | MMU_DEVICE))
		return "GIC distributor not mapped as RW device";
	return NULL;
}

static const char *check_write_protection(void)
{
	volatile uint64_t *text = (volatile uint64_t *)(uintptr_t)__hyp_start;
	volatile uint64_t *rodata = (volatile uint64_t *)(uintptr_t)__text_end;
	uint64_t esr;

	/* Positive control: the probe itself works on writable data. */
	if (arch_probe_write(&data_probe_word, 0x5a5a) != 0 || data_probe_word != 0x5a5a)
		return "write to data faulted";
	/* Write back what is there, so a broken W^X corrupts nothing. */
	esr = arch_probe_write(text, *text);
	if (ESR_EC(esr) != EC_DABT_CUR || !FSC_PERMISSION(esr))
		return "write to text did not take a permission fault";
	esr = arch_probe_write(rodata, *rodata);
	if (ESR_EC(esr) != EC_DABT_CUR || !FSC_PERMISSION(esr))
		return "write to rodata did not take a permission fault";
	return NULL;
}

static const char *check_exec_protection(void)
{
	uint64_t esr;

	if (arch_probe_exec((uintptr_t)arch_probe_text_ret) != 0)
		return "executing text faulted";
	esr = arch_probe_exec((uintptr_t)data_ret_insn);
	if (ESR_EC(esr) != EC_IABT_CUR || !FSC_PERMISSION(esr))
		return "executing data did not take a permission fault";
	return NULL;
}

static const char *check_page_alloc(void)
{
	uint64_t free_before = hyp_pool.free_pages;
	uint64_t a = page_alloc(&hyp_pool, 3);
	const uint8_t *p = (const uint8_t *)(uintptr_t)a;

	if (!a)
		return "allocation of 3 pages failed";
	if ((a & PAGE_MASK) || a < hyp_pool.base ||
	    a + 3 * PAGE_SIZE > hyp_pool.base + (hyp_pool.pages << PAGE_SHIFT))
		return "allocation outside the pool";
	for (uint64_t i = 0; i < 3 * PAGE_SIZE; i++)
		if (p[i])
			return "allocated page not zeroed";
	if (page_free(&hyp_pool, a, 3) != 0)
		return "free failed";
	if (page_free(&hyp_pool, a, 3) == 0)
		return "double free accepted";
	if (hyp_pool.free_pages != free_before)
		return "free page count changed";
	return NULL;
}

/* Every other CPU takes an SGI from this one through the GIC. */
static const char *check_sgis(void)
{
	uint64_t deadline;
	uint32_t before[CPU_MAX];

	for (uint32_t i = 1; i < cpu_count; i++) {
		before[i] = cpus[i].test_sgis;
		if (cpus[i].online)
			irq_send_sgi(cpus[i].mpidr, IRQ_SGI_TEST);
	}
	deadline = timer_now() + timer_ms_to_ticks(1000);
	for (uint32_t i = 1; i < cpu_count; i++) {
		while (cpus[i].online && cpus[i].test_sgis == before[i] && timer_now() < deadline)
			;
		if (cpus[i].online && cpus[i].test_sgis != before[i] + 1)
			return "a CPU did not take exactly one SGI";
	}
	return NULL;
}

/* The EL2 timer interrupt arrives, and not before its deadline. */
static const char *check_hyp_timer(void)
{
	struct cpu *c = arch_this_cpu();
	uint32_t before = c->timer_irqs;
	uint64_t deadline = timer_now() + timer_ms_to_ticks(2);
	uint64_t give_up = deadline + timer_ms_to_ticks(1000);
	uint64_t fired_at;

	timer_arm_at(deadline);
	while (c->timer_irqs == before && timer_now() < give_up)
		arch_wait_for_interrupt();
	fired_at = timer_now();
	if (c->timer_irqs != before + 1)
		return "no timer interrupt";
	if (fired_at < deadline)
		return "timer interrupt before its deadline";
	return NULL;
}

/* The generated dispatch table, exercised at EL2 as a guest's HVC would be. */
static const char *check_hypercall_dispatch(void)
{
	struct hc_ctx ctx = { .caller = VM_ID_HOST };
	uint64_t regs[HC_NUM_REGS] = { HC_VERSION };

	if (hc_dispatch(&ctx, VM_ID_HOST, regs) != PAL_OK || regs[0] != PAL_OK ||
	    regs[1] != PAL_ABI_VERSION)
		return "PAL_VERSION did not return the ABI version";
	uint64_t unknown[HC_NUM_REGS] = { 0xC600F0F0u };
	if (hc_dispatch(&ctx, VM_ID_HOST, unknown) != PAL_E_NOT_SUPPORTED)
		return "unknown call not NOT_SUPPORTED";
	uint64_t junk[HC_NUM_REGS] = { HC_CALLER_ID, 1 };
	if (hc_dispatch(&ctx, VM_ID_HOST, junk) != PAL_E_INVALID)
		return "non-zero unused argument accepted";
	return NULL;
}

/* Below the image, the UDS page and the boot stage's memory read zero after boot. */
static const char *check_boot_secrets_erased(void)
{
	const volatile uint64_t *p = (const volatile uint64_t *)(uintptr_t)platform_hyp_reserved_base();
	const volatile uint64_t *end = (const volatile uint64_t *)(uintptr_t)__hyp_start;
	const volatile uint64_t *page = (const volatile uint64_t *)(uintptr_t)platform_boot_secrets_page();

	if (!page || (uintptr_t)page < (uintptr_t)p || (uintptr_t)page >= (uintptr_t)end)
		return "no boot secrets page below the image";
	if (mmu_lookup((uintptr_t)page) != (MMU_R | MMU_W))
		return "boot secrets page not mapped RW- at EL2";
	for (; p < end; p++)
		if (*p)
			return (uintptr_t)p < (uintptr_t)page + PAGE_SIZE ?
				"the UDS page is not zero" : "the boot stage's memory is not zero";
	return NULL;
}

/*
 * The attestation key signs, and its signature verifies under the public key in the
 * endorsement; a changed digest does not. Without a key, signing must fail cleanly.
 */
static const char *check_attestation_key(void)
{
	uint8_t digest[CRYPTO_SHA384_LEN], sig[CRYPTO_P384_SIG_LEN];
	const uint8_t *e = boot_identity_endorsement();

	memset(sig, 0x5a, sizeof(sig));
	crypto_sha384("palisade attestation self-test", 30, digest);
	if (!boot_identity_available()) {
		if (e || boot_identity_sign(digest, sig) != PAL_E_STATE || sig[0] || sig[95])
			return "signing without an attestation key did not fail cleanly";
		return NULL;
	}
	if (!e || !boot_identity_hm())
		return "no endorsement or measurement with a ready key";
	if (boot_identity_sign(digest, sig) != PAL_OK)
		return "signing failed";
	/* Endorsement offset 64: the attestation public key (docs/attestation.md section 3). */
	if (crypto_p384_verify(e + 64, digest, sig) != PAL_OK)
		return "signature does not verify under the endorsed key";
	digest[0] ^= 1;
	if (crypto_p384_verify(e + 64, digest, sig) == PAL_OK)
		return "signature verifies for another digest";
	return NULL;
}

unsigned selftest_run(void)
{
	static char cpu_fail[96];
	const char *fail = NULL;

	passed = failed = 0;
	if (cpus_online() != cpu_count) {
		fmt_snprintf(cpu_fail, sizeof(cpu_fail), "%u of %u CPUs online", cpus_online(),
			     cpu_count);
		fail = cpu_fail;
	}
	verdict("cpus_online", fail);

	fail = NULL;
	for (uint32_t i = 0; i < cpu_count && !fail; i++) {
		if (cpus[i].online && cpus[i].selftest_failures) {
			fmt_snprintf(cpu_fail, sizeof(cpu_fail), "cpu %u: %s", i,
				     cpus[i].selftest_failed);
			fail = cpu_fail;
		}
	}
	verdict("cpu_protections_all_cpus", fail);
	verdict("wx_page_tables", check_image_tables());
	verdict("wx_write_to_text_faults", check_write_protection());
	verdict("wx_exec_from_data_faults", check_exec_protection());
	verdict("page_alloc", check_page_alloc());
	verdict("hypercall_dispatch", check_hypercall_dispatch());
	verdict("gic_sgi_all_cpus", check_sgis());
	verdict("hyp_timer_irq", check_hyp_timer());

	const char *kat = NULL;
	verdict("crypto_kat", crypto_selftest(&kat) == 0 ? NULL : kat);
	verdict("boot_secrets_erased", check_boot_secrets_erased());
	verdict("attestation_key", check_attestation_key());

	log_printf("PALISADE-TEST-END passed=%u failed=%u\n", passed, failed);
	return failed;
}
