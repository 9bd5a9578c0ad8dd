/*
 * pvm-fuzz: the protected VM of qemu.fuzz.hypercalls (fuzz-host launches it, 2 vCPUs).
 * Each vCPU makes seeded random calls on its own pages (its half of the zone: MEM_SHARE
 * with the host, MEM_UNSHARE, MEM_DONATE to the host, MEM_RELINQUISH, MEM_QUERY), ATTEST
 * and MEASURE_* with buffers anywhere in its memory, and invalid calls. Nothing but this
 * vCPU changes its zone pages while the VM lives (the host cannot: the VM is protected;
 * VM_DESTROY ends it), so the expected status of every call on them is exact, and a
 * page it still has must read back what it wrote, a page it gave away must fault. The
 * private pages (PRIV_IPA) hold a pattern written at start and are never named by a call
 * that writes: they must never change. Any discrepancy is written to DEV_FAIL (the host
 * fails the test). The host may VM_DESTROY the VM at any moment.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "palisade/error.h"
#include "palisade/hypercall_stubs.h"
#include "fuzz_proto.h"

#define PSCI_CPU_ON     0xC4000003u
#define PSCI_CPU_OFF    0x84000002u
#define PSCI_SYSTEM_OFF 0x84000008u
#define PAGE            4096ull

extern char secondary_start[];

enum zstate { Z_HAVE, Z_SHARED, Z_GONE };

static volatile uint64_t faults[2];
static volatile uint64_t done1;
static uint64_t seed, steps, drained;

static uint64_t psci(uint64_t fn, uint64_t a1, uint64_t a2, uint64_t a3)
{
	register uint64_t x0 __asm__("x0") = fn;
	register uint64_t x1 __asm__("x1") = a1;
	register uint64_t x2 __asm__("x2") = a2;
	register uint64_t x3 __asm__("x3") = a3;

	__asm__ volatile("hvc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3) : : "memory");
	return x0;
}

static uint64_t dev_read(uint64_t a)
{
	uint64_t v;

	__asm__ volatile("ldr %0, [%1]" : "=r"(v) : "r"(a) : "memory");
	return v;
}

static void dev_write(uint64_t a, uint64_t v)
{
	__asm__ volatile("dsb sy; str %0, [%1]" : : "r"(v), "r"(a) : "memory");
}

static unsigned my_vcpu(void)
{
	uint64_t mpidr;

	__asm__ volatile("mrs %0, mpidr_el1" : "=r"(mpidr));
	return (unsigned)(mpidr & 0xff) & 1;
}

/* Any synchronous exception (an aborted read of a page it gave away): count, skip. */
void guest_exception(uint64_t kind, uint64_t esr, uint64_t far, uint64_t *elr)
{
	(void)kind;
	(void)esr;
	(void)far;
	faults[my_vcpu()]++;
	*elr += 4;
}

static bool read_faults(unsigned v, uint64_t addr, uint64_t *val)
{
	uint64_t before = faults[v];

	*val = *(volatile uint64_t *)(uintptr_t)addr;
	return faults[v] != before;
}

static uint64_t rnd(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*s = x;
	return x;
}

static uint64_t pattern(uint64_t ipa, unsigned w)
{
	return (ipa * 0x9e3779b97f4a7c15ull) ^ ((uint64_t)w << 56) ^ 0xa5a5000000000000ull;
}

static void fail(unsigned code, uint64_t step, uint64_t arg)
{
	dev_write(DEV_FAIL_ARG, arg);
	dev_write(DEV_FAIL, (uint64_t)code << 32 | (step & 0xffffffff));
}

static bool rc_defined(int64_t rc)
{
	return rc <= 0 && rc >= PAL_E_CRYPTO;
}

/* Writes the pattern into the first and last word of a zone page it has. */
static void mark(uint64_t ipa)
{
	((volatile uint64_t *)(uintptr_t)ipa)[0] = pattern(ipa, 0);
	((volatile uint64_t *)(uintptr_t)ipa)[511] = pattern(ipa, 511);
}

static void check_private(unsigned v, uint64_t step, uint64_t *s)
{
	/* Every page's first word, and one whole page, each step. */
	unsigned full = (unsigned)(rnd(s) % PRIV_PAGES);

	for (unsigned p = 0; p < PRIV_PAGES; p++) {
		uint64_t ipa = PRIV_IPA + p * PAGE, val;
		unsigned words = p == full ? 512 : 1;

		for (unsigned w = 0; w < words; w++) {
			if (read_faults(v, ipa + 8 * w, &val)) {
				fail(PF_PRIVATE_FAULT, step, ipa + 8 * w);
				return;
			}
			if (val != pattern(ipa, w)) {
				fail(PF_PRIVATE_CHANGED, step, ipa + 8 * w);
				return;
			}
		}
	}
}

static void fuzz(unsigned v)
{
	uint64_t s = seed ^ (0x1234567ull * (v + 1)), sum = 0;
	enum zstate st[ZONE_PER_VCPU];
	const unsigned first = v * ZONE_PER_VCPU;

	for (unsigned k = 0; k < ZONE_PER_VCPU; k++) {
		st[k] = Z_HAVE;
		mark(ZONE_IPA + (first + k) * PAGE);
	}
	for (unsigned i = 0; i < 10; i++)
		rnd(&s);
	for (uint64_t step = 0; step < steps; step++) {
		unsigned k = (unsigned)(rnd(&s) % ZONE_PER_VCPU), g = first + k;
		uint64_t ipa = ZONE_IPA + (uint64_t)g * PAGE, r = rnd(&s), val;
		bool lent = ZONE_LENT(g);
		int64_t rc, want = PAL_OK;
		unsigned op = (unsigned)(r % 16);
		bool exact = true;

		switch (op) {
		case 0: case 1: {                 /* MEM_SHARE with the host */
			uint8_t perms = (uint8_t)(1 + (r >> 8) % 7);

			rc = pal_hc_mem_share(ipa, 1, 1, 0, perms);
			want = st[k] == Z_GONE ? PAL_E_RANGE : lent ? PAL_E_DENIED :
			       st[k] == Z_SHARED ? PAL_E_STATE : PAL_OK;
			if (rc == PAL_OK && want == PAL_OK)
				st[k] = Z_SHARED;
			break;
		}
		case 2: case 3:                    /* MEM_UNSHARE */
			rc = pal_hc_mem_unshare(ipa, 1);
			want = st[k] == Z_GONE ? PAL_E_RANGE : lent ? PAL_E_DENIED :
			       st[k] == Z_SHARED ? PAL_OK : PAL_E_STATE;
			if (rc == PAL_OK && want == PAL_OK)
				st[k] = Z_HAVE;
			break;
		case 4:                            /* MEM_DONATE to the host: gone for good */
			if ((r >> 8) % 4)
				continue;   /* rarely: the zone would empty too fast */
			rc = pal_hc_mem_donate(ipa, 1, 1, 0);
			want = st[k] == Z_GONE ? PAL_E_RANGE : lent ? PAL_E_DENIED :
			       st[k] == Z_SHARED ? PAL_E_STATE : PAL_OK;
			if (rc == PAL_OK && want == PAL_OK)
				st[k] = Z_GONE;
			break;
		case 5:                            /* MEM_RELINQUISH */
			if ((r >> 8) % 4)
				continue;
			rc = pal_hc_mem_relinquish(ipa, 1);
			want = st[k] == Z_GONE ? PAL_E_RANGE : lent ? PAL_OK : PAL_E_DENIED;
			if (rc == PAL_OK && want == PAL_OK)
				st[k] = Z_GONE;
			break;
		case 6: {                          /* MEM_QUERY */
			struct pal_hc_mem_query_result q;

			rc = pal_hc_mem_query(ipa, &q);
			want = st[k] == Z_GONE ? PAL_E_RANGE : PAL_OK;
			if (rc == PAL_OK && st[k] != Z_GONE) {
				/* view: 1 owned, 3 borrowed, 4 shared by it */
				unsigned view = (q.state >> 8) & 0xff;
				unsigned wv = lent ? 3 : st[k] == Z_SHARED ? 4 : 1;

				if (view != wv)
					fail(PF_UNEXPECTED_RC, step, 0x5100000000ull | view << 8 | wv);
			}
			break;
		}
		case 7:                            /* ATTEST into one of its pages */
			if ((r >> 8) % 8)
				continue;   /* signing is slow under TCG */
			rc = pal_hc_attest(ipa, PAGE, NULL);
			/* Private memory: owned or borrowed, not shared. */
			want = st[k] == Z_HAVE ? PAL_OK : PAL_E_RANGE;
			if (rc == PAL_OK)
				mark(ipa);
			break;
		case 8: case 9: {                  /* MEASURE_READ into one of its pages */
			unsigned idx = (unsigned)((r >> 8) % 6);
			uint64_t off = ((r >> 16) % 500) * 8;

			rc = pal_hc_measure_read((uint8_t)idx, ipa + off);
			want = idx > 4 ? PAL_E_INVALID : st[k] == Z_HAVE ? PAL_OK : PAL_E_RANGE;
			if (rc == PAL_OK)
				mark(ipa);
			break;
		}
		case 10: case 11: {                /* MEASURE_EXTEND from anywhere */
			unsigned idx = (unsigned)((r >> 8) % 5);
			uint64_t where = (r >> 16) % 3 == 0 ? PRIV_IPA + ((r >> 20) % PRIV_PAGES) * PAGE :
					 (r >> 16) % 3 == 1 ? PVM_BASE + ((r >> 24) % 512) * PAGE : ipa;

			rc = pal_hc_measure_extend((uint8_t)idx, where + ((r >> 40) % 500) * 8);
			exact = false;   /* other vCPU's pages, the image... */
			if (idx > 3 && rc != PAL_E_INVALID)
				fail(PF_UNEXPECTED_RC, step, 0x5200000000ull | (uint64_t)(-rc));
			break;
		}
		case 12: {                         /* invalid: give to another guest */
			uint16_t to = (uint16_t)(2 + (r >> 8) % 62);

			rc = (r >> 16) & 1 ? pal_hc_mem_donate(ipa, 1, to, PVM_BASE) :
					     pal_hc_mem_share(ipa, 1, to, PVM_BASE, 3);
			exact = false;
			if (rc == PAL_OK)
				fail(PF_UNEXPECTED_RC, step, 0x5300000000ull | to);
			break;
		}
		case 13: {                         /* invalid shapes */
			uint64_t bad = (r >> 8) % 4 == 0 ? ipa + 8 : (r >> 8) % 4 == 1 ? 0x1000 :
				       (r >> 8) % 4 == 2 ? PVM_BASE + PVM_SIZE : 0xfffffffffffff000ull;

			rc = (r >> 12) & 1 ? pal_hc_mem_share(bad, 1, 1, 0, 1) :
					     pal_hc_mem_relinquish(bad, 1 + (r >> 20) % 1000);
			exact = false;
			if (rc == PAL_OK)
				fail(PF_UNEXPECTED_RC, step, 0x5400000000ull | bad);
			break;
		}
		case 14: {                         /* host-only calls: denied */
			rc = pal_hc_call(0xC6000200u + (uint32_t)((r >> 8) % 7), r >> 16, 0, 0, 0, 0, 0,
					 (uint64_t[3]){ 0 });
			want = PAL_E_DENIED;
			break;
		}
		default:                           /* a look at its pages */
			rc = PAL_OK;
			break;
		}
		/* The host's pool drained: a call that gives the host access to a page it had
		 * not (MEM_SHARE or MEM_DONATE to it, MEM_RELINQUISH of a page it lent, each
		 * one that would succeed) may need a host page table the pool cannot supply.
		 * Refused, nothing changed (st[k] stays). */
		if (drained && rc == PAL_E_NO_MEMORY && want == PAL_OK &&
		    (op <= 1 || op == 4 || op == 5)) {
			dev_write(DEV_NOMEM, op);
			want = PAL_E_NO_MEMORY;
		}
		if (!rc_defined(rc))
			fail(PF_UNDEFINED_RC, step, (uint64_t)rc);
		else if (exact && rc != want)
			fail(PF_UNEXPECTED_RC, step, (uint64_t)op << 48 | (uint64_t)(-rc) << 8 | (uint64_t)(-want));
		/* Its zone: pages it has read back what it wrote; pages it gave away fault. */
		for (unsigned j = 0; j < ZONE_PER_VCPU; j++) {
			uint64_t a = ZONE_IPA + (first + j) * PAGE;
			bool f = read_faults(v, a + 8 * 511, &val);

			if (st[j] == Z_GONE) {
				if (!f)
					fail(PF_GONE_PAGE_READ, step, a);
			} else if (f) {
				fail(PF_OWN_PAGE_FAULT, step, a);
			} else if (val != pattern(a, 511)) {
				fail(PF_ZONE_CHANGED, step, a);
			}
		}
		check_private(v, step, &s);
		sum += (uint64_t)rc;
		if ((step & 7) == 7)
			dev_write(DEV_PROGRESS, step + 1);
	}
	dev_write(DEV_DONE, sum);
}

void guest_main(uint64_t idx)
{
	if (idx == 0) {
		seed = dev_read(DEV_SEED) | 1;
		steps = dev_read(DEV_STEPS);
		drained = dev_read(DEV_DRAINED);
		for (unsigned p = 0; p < PRIV_PAGES; p++)
			for (unsigned w = 0; w < 512; w++)
				((volatile uint64_t *)(uintptr_t)(PRIV_IPA + p * PAGE))[w] =
					pattern(PRIV_IPA + p * PAGE, w);
		__asm__ volatile("dsb sy" ::: "memory");
		psci(PSCI_CPU_ON, 1, (uint64_t)(uintptr_t)secondary_start, 1);
		fuzz(0);
		while (!done1)
			;
		for (;;)
			psci(PSCI_SYSTEM_OFF, 0, 0, 0);
	}
	fuzz(1);
	done1 = 1;
	__asm__ volatile("dsb sy" ::: "memory");
	for (;;)
		psci(PSCI_CPU_OFF, 0, 0, 0);
}
