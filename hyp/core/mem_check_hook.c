/*
 * Debug image only (palisade-hyp-debug.bin, PALISADE_DEBUG_INVARIANTS): the ownership
 * invariants (palisade/mem_check.h) checked after every hypercall, from hc_dispatch().
 *
 * After each call, under the ownership lock:
 *  - quick check (mem_check_range) of the pages the call's arguments name (up to
 *    HOOK_ARG_PAGES from each argument that is a RAM address: a PA for the host, an IPA
 *    translated through the caller's stage-2 for a guest), plus a window of
 *    HOOK_RANDOM_PAGES pages at a pseudo-random place in RAM;
 *  - every PALISADE_DEBUG_INVARIANTS_FULL_EVERY calls (all CPUs together), the full check
 *    (mem_check_full): the whole table against every stage-2, the page pools.
 * A violation prints "PALISADE-INVARIANT <what> ..." (the test harness fails on it); the
 * first HOOK_MAX_LINES are printed, then checking stops. A call returning a status that
 * is not PAL_OK or one of the PAL_E_* codes is a violation too.
 */
#include "palisade/boot.h"
#include "palisade/error.h"
#include "palisade/hypercall.h"
#include "palisade/log.h"
#include "palisade/mem_check.h"
#include "palisade/mem_own.h"
#include "palisade/page_alloc.h"
#include "palisade/stage2.h"
#include "palisade/timer.h"
#include "palisade/vm.h"

#ifndef PALISADE_DEBUG_INVARIANTS_FULL_EVERY
#define PALISADE_DEBUG_INVARIANTS_FULL_EVERY 64
#endif
#define HOOK_ARG_PAGES    16
#define HOOK_RANDOM_PAGES 32
#define HOOK_MAX_LINES    32
#define HOOK_STATS_EVERY  8192

void hc_debug_after_call(struct hc_ctx *ctx, vm_id_t caller, const uint64_t in[HC_NUM_REGS],
			 int64_t status);

static volatile uint64_t calls, full_checks, full_ticks, lines;
static volatile uint32_t cur_fid, cur_caller;   /* for the report lines (racy: a hint) */

static void report(void *ctx, const char *what, uint64_t a, uint64_t b, uint64_t c)
{
	(void)ctx;
	if (__atomic_fetch_add(&lines, 1, __ATOMIC_RELAXED) >= HOOK_MAX_LINES)
		return;
	log_printf("PALISADE-INVARIANT %s (0x%llx 0x%llx 0x%llx) after call 0x%x by VM %u\n",
		   what, (unsigned long long)a, (unsigned long long)b, (unsigned long long)c,
		   cur_fid, cur_caller);
}

struct leaf_adapter {
	mem_check_leaf_fn fn;
	void *arg;
};

static int leaf_adapt(void *arg, ipaddr_t ipa, paddr_t pa, uint64_t size, unsigned prot)
{
	struct leaf_adapter *a = arg;

	return a->fn(a->arg, ipa_addr(ipa), pa_addr(pa), size, prot);
}

/* Called with the ownership lock held: VM lock inside it, as for the stage-2 ops. */
static int for_each_leaf(void *ctx, vm_id_t id, mem_check_leaf_fn fn, void *arg)
{
	struct vm *vm = vm_by_id(id);
	struct leaf_adapter a = { fn, arg };
	int rc = PAL_E_NOT_FOUND;

	(void)ctx;
	if (!vm)
		return PAL_E_NOT_FOUND;
	spin_lock(&vm->lock);
	if (vm->s2.root)
		rc = s2_for_each_leaf(&vm->s2, leaf_adapt, &a);
	spin_unlock(&vm->lock);
	return rc;
}

static int lookup(void *ctx, vm_id_t id, uint64_t ipa, uint64_t *pa, unsigned *prot)
{
	struct vm *vm = vm_by_id(id);
	paddr_t p = pa_init(0);
	int rc = PAL_E_NOT_FOUND;

	(void)ctx;
	if (!vm || ipa >= S2_IPA_LIMIT)
		return PAL_E_NOT_FOUND;
	spin_lock(&vm->lock);
	if (vm->s2.root)
		rc = s2_lookup(&vm->s2, ipa_init(ipa), &p, prot, NULL);
	spin_unlock(&vm->lock);
	*pa = pa_addr(p) & ~PAGE_MASK;
	return rc;
}

/* A pool's counters against its bitmap (pool lock: a leaf). */
static bool pool_sane(struct page_pool *pool)
{
	uint64_t used = 0, free_pages, pages;

	spin_lock(&pool->lock);
	free_pages = pool->free_pages;
	pages = pool->pages;
	for (uint64_t w = 0; pool->bitmap && w < (pages + 63) / 64; w++)
		used += (uint64_t)__builtin_popcountll(pool->bitmap[w]);
	spin_unlock(&pool->lock);
	return free_pages <= pages && used == pages - free_pages;
}

static void check_vm(void *ctx, vm_id_t id, struct mem_check_vm *out)
{
	struct vm *vm = vm_by_id(id);

	(void)ctx;
	if (!vm)
		return;
	out->exists = vm->s2.root != NULL;
	if (!vm->launch.meta_pages || vm->state == VM_STOPPED)
		return;   /* boot VMs use the hypervisor's pool; a stopped VM's may be gone */
	out->meta_pa = vm->launch.meta_pa;
	out->meta_pages = vm->launch.meta_pages;
	if (vm->launch.meta_pool.pages != vm->launch.meta_pages - 1)
		out->problem = "metadata pool size differs from the VM's metadata pages";
	else if (!pool_sane(&vm->launch.meta_pool))
		out->problem = "metadata pool: free pages and bitmap disagree (or free > pool)";
}

static const char *check_global(void *ctx)
{
	(void)ctx;
	return pool_sane(&hyp_pool) ? NULL :
	       "hypervisor pool: free pages and bitmap disagree (or free > pool)";
}

static const struct mem_check_ops check_ops = {
	.ctx = NULL,
	.for_each_leaf = for_each_leaf,
	.lookup = lookup,
	.check_vm = check_vm,
	.check_global = check_global,
	.report = report,
};

/* The n-th page of RAM (all regions in order), n taken modulo the RAM size. */
static uint64_t ram_page(uint64_t n)
{
	uint64_t total = 0;

	for (unsigned i = 0; i < boot_platform.mem_count; i++)
		total += boot_platform.mem[i].size >> PAGE_SHIFT;
	if (!total)
		return 0;
	n %= total;
	for (unsigned i = 0; i < boot_platform.mem_count; i++) {
		uint64_t pages = boot_platform.mem[i].size >> PAGE_SHIFT;

		if (n < pages)
			return (boot_platform.mem[i].base & ~PAGE_MASK) + (n << PAGE_SHIFT);
		n -= pages;
	}
	return 0;
}

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	return x ^ (x >> 33);
}

void hc_debug_after_call(struct hc_ctx *ctx, vm_id_t caller, const uint64_t in[HC_NUM_REGS],
			 int64_t status)
{
	uint64_t n = __atomic_fetch_add(&calls, 1, __ATOMIC_RELAXED);
	unsigned bad = 0;

	if (__atomic_load_n(&lines, __ATOMIC_RELAXED) >= HOOK_MAX_LINES)
		return;
	cur_fid = (uint32_t)in[0];
	cur_caller = caller;
	if (status > 0 || status < PAL_E_CRYPTO)
		report(NULL, "call returned an undefined status", (uint64_t)status, in[0], caller);

	/* The pages the arguments name. */
	for (unsigned i = 1; i < HC_NUM_REGS; i++) {
		uint64_t a = in[i] & ~PAGE_MASK, pa = a;
		unsigned prot;

		if (caller != VM_ID_HOST &&
		    (!ctx || !ctx->vm || lookup(NULL, caller, a, &pa, &prot) != PAL_OK))
			continue;
		if (ram_region_containing(pa, PAGE_SIZE))
			bad += mem_check_range(&check_ops, pa_init(pa), HOOK_ARG_PAGES);
	}
	/* Somewhere else. */
	bad += mem_check_range(&check_ops, pa_init(ram_page(mix(n + 1))), HOOK_RANDOM_PAGES);

	if (n % PALISADE_DEBUG_INVARIANTS_FULL_EVERY == 0) {
		uint64_t t0 = timer_now();

		bad += mem_check_full(&check_ops);
		__atomic_fetch_add(&full_ticks, timer_now() - t0, __ATOMIC_RELAXED);
		__atomic_fetch_add(&full_checks, 1, __ATOMIC_RELAXED);
	}
	if (n && n % HOOK_STATS_EVERY == 0)
		log_printf("PALISADE: invariants: %llu calls checked, %llu full checks (%llu us each)\n",
			   (unsigned long long)n, (unsigned long long)full_checks,
			   (unsigned long long)(full_checks ? full_ticks * 1000000 / timer_freq() /
						full_checks : 0));
	(void)bad;
}
