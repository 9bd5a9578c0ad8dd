/*
 * Unit tests of the ownership module: every transition, every refusal, with the whole
 * state (table, fake stage-2s, TLBs, content tags, call counters) compared byte for
 * byte around each refusal, and every invariant checked after each test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "env.h"

#define P(i) env_page(i)
#define RWX MEM_PERM_RWX
#define RW (MEM_PERM_R | MEM_PERM_W)
#define RO MEM_PERM_R

static struct snapshot snap;

/* A refused call must return code and leave every byte of state as it was. */
#define REFUSED(code, call) do {                                  \
	snap_take(&snap);                                         \
	assert_int_equal((call), (code));                         \
	assert_true(snap_same(&snap));                            \
} while (0)

static int donate(vm_id_t f, uint64_t pa, uint64_t ipa, uint64_t n, vm_id_t to, uint64_t to_ipa)
{
	return mem_donate(f, pa_init(pa), ipa_init(ipa), n, to, ipa_init(to_ipa));
}

static int lend(vm_id_t f, uint64_t pa, uint64_t ipa, uint64_t n, vm_id_t to,
		uint64_t to_ipa, uint8_t perms)
{
	return mem_lend(f, pa_init(pa), ipa_init(ipa), n, to, ipa_init(to_ipa), perms);
}

#define share t_share

static int relinquish(vm_id_t b, uint64_t pa, uint64_t ipa, uint64_t n)
{
	return mem_relinquish(b, pa_init(pa), ipa_init(ipa), n);
}

static int reclaim(vm_id_t o, uint64_t pa, uint64_t ipa, uint64_t n)
{
	return mem_reclaim(o, pa_init(pa), ipa_init(ipa), n);
}

static int unshare(vm_id_t o, uint64_t pa, uint64_t ipa, uint64_t n)
{
	return mem_unshare(o, pa_init(pa), ipa_init(ipa), n);
}

static struct mem_page_info info(vm_id_t vm, uint64_t pa)
{
	struct mem_page_info i;

	assert_int_equal(mem_query(vm, pa_init(pa), &i), PAL_OK);
	return i;
}

static enum mem_view view(vm_id_t vm, uint64_t pa)
{
	return info(vm, pa).view;
}

/* vm maps ipa -> pa with perms (perms 0: ipa not mapped). */
static void assert_mapped(vm_id_t vm, uint64_t ipa, uint64_t pa, uint8_t perms)
{
	const struct fake_map *m = fake_lookup(vm, ipa);

	if (!perms) {
		assert_null(m);
		return;
	}
	assert_non_null(m);
	assert_int_equal(m->pa, pa);
	assert_int_equal(m->perms, perms);
}

static int setup(void **state)
{
	(void)state;
	return env_init() == PAL_OK ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	return check_invariants() == 0 ? 0 : -1;
}

/* ---------------------------------------------------------------- init */

static void test_table_bytes(void **state)
{
	(void)state;
	assert_int_equal(mem_own_table_bytes(1ull << 30), 2ull << 20);  /* 2 MiB per GiB */
	assert_int_equal(mem_own_table_bytes(4ull << 30), 8ull << 20);
	assert_int_equal(mem_own_table_bytes(PAGE_SIZE), 8);
	assert_int_equal(mem_own_table_bytes(PAGE_SIZE - 1), 0);
	assert_int_equal(mem_own_table_bytes(0), 0);
}

static void test_init_state(void **state)
{
	(void)state;
	for (unsigned int i = 0; i < RAM_PAGES; i++) {
		struct mem_page_info h = info(VM_ID_HOST, P(i));

		if (i < HYP_PAGES) {
			assert_int_equal(h.view, MEM_VIEW_NONE);
			assert_int_equal(h.owner, VM_ID_HYP);
			assert_int_equal(view(VM_ID_HYP, P(i)), MEM_VIEW_OWNED);
			assert_mapped(VM_ID_HOST, P(i), 0, 0);
		} else {
			assert_int_equal(h.view, MEM_VIEW_OWNED);
			assert_int_equal(h.perms, RWX);
			assert_int_equal(ipa_addr(h.ipa), P(i));
			assert_mapped(VM_ID_HOST, P(i), P(i), RWX);
		}
		assert_int_equal(view(G2, P(i)), MEM_VIEW_NONE);
	}
	/* one map call per host run: A after the carve-out, and B */
	assert_int_equal(fake.s.map_calls, 2);
	assert_int_equal(fake.s.vm[VM_ID_HOST].n, RAM_PAGES - HYP_PAGES);
}

static uint64_t tbl[32];

static void test_init_rejects(void **state)
{
	const struct mem_region ram[1] = { { { RAM_A }, 16 * PAGE_SIZE } };
	const struct mem_region overlap[2] = { { { RAM_A }, 16 * PAGE_SIZE },
					       { { RAM_A + 8 * PAGE_SIZE }, 16 * PAGE_SIZE } };
	const struct mem_region outside[1] = { { { RAM_B }, PAGE_SIZE } };
	const struct mem_region wrap[1] = { { { ~0ull - PAGE_SIZE }, 4 * PAGE_SIZE } };
	struct mem_region many[MEM_MAX_REGIONS + 1];
	struct mem_s2_ops no_zero = fake_ops;

	(void)state;
	no_zero.zero = NULL;
	for (unsigned int i = 0; i <= MEM_MAX_REGIONS; i++)
		many[i] = (struct mem_region){ { RAM_A + 2 * i * PAGE_SIZE }, PAGE_SIZE };

	fake_init(ram, 1);
	assert_int_equal(mem_own_init(NULL, sizeof(tbl), ram, 1, NULL, 0, &fake_ops),
			 PAL_E_INVALID);
	assert_int_equal(mem_own_init((char *)tbl + 4, 8 * 16, ram, 1, NULL, 0, &fake_ops),
			 PAL_E_INVALID);
	assert_int_equal(mem_own_init(tbl, 8 * 15, ram, 1, NULL, 0, &fake_ops),
			 PAL_E_NO_MEMORY);
	assert_int_equal(mem_own_init(tbl, sizeof(tbl), ram, 0, NULL, 0, &fake_ops),
			 PAL_E_INVALID);
	assert_int_equal(mem_own_init(tbl, sizeof(tbl), many, MEM_MAX_REGIONS + 1, NULL, 0,
				      &fake_ops), PAL_E_INVALID);
	assert_int_equal(mem_own_init(tbl, sizeof(tbl), overlap, 2, NULL, 0, &fake_ops),
			 PAL_E_INVALID);
	assert_int_equal(mem_own_init(tbl, sizeof(tbl), wrap, 1, NULL, 0, &fake_ops),
			 PAL_E_INVALID);
	assert_int_equal(mem_own_init(tbl, sizeof(tbl), ram, 1, outside, 1, &fake_ops),
			 PAL_E_RANGE);
	assert_int_equal(mem_own_init(tbl, sizeof(tbl), ram, 1, NULL, 0, NULL), PAL_E_INVALID);
	assert_int_equal(mem_own_init(tbl, sizeof(tbl), ram, 1, NULL, 0, &no_zero),
			 PAL_E_INVALID);
	/* a failed init maps nothing and leaves no RAM behind */
	assert_int_equal(fake.s.map_calls, 0);
	assert_int_equal(mem_donate(VM_ID_HOST, pa_init(RAM_A), ipa_init(RAM_A), 1,
				    G2, ipa_init(GIPA)), PAL_E_RANGE);
	assert_int_equal(env_init(), PAL_OK);
}

/* Memory nodes out of order, adjacent, with ragged edges: trimmed, sorted, merged. */
static void test_init_regions_merge(void **state)
{
	const struct mem_region ram[3] = {
		{ { RAM_A + 4 * PAGE_SIZE }, 2 * PAGE_SIZE },          /* adjacent to the next */
		{ { RAM_A + 0x1800 }, 0x2800 },                         /* -> pages 2, 3 */
		{ { RAM_B + 0x10 }, PAGE_SIZE },                        /* < a page: dropped */
	};
	const struct mem_region fake_ram[1] = { { { RAM_A + 2 * PAGE_SIZE }, 4 * PAGE_SIZE } };
	const struct mem_region hyp[1] = { { { RAM_A + 5 * PAGE_SIZE + 8 }, 16 } };  /* page 5 */

	(void)state;
	fake_init(fake_ram, 1);
	assert_int_equal(mem_own_init(tbl, 4 * 8, ram, 3, hyp, 1, &fake_ops), PAL_OK);
	assert_int_equal(fake.s.map_calls, 1);  /* pages 2..4: one run */
	assert_int_equal(view(VM_ID_HYP, RAM_A + 5 * PAGE_SIZE), MEM_VIEW_OWNED);
	assert_int_equal(mem_query(VM_ID_HOST, pa_init(RAM_A + PAGE_SIZE), &(struct mem_page_info){ 0 }),
			 PAL_E_RANGE);
	assert_int_equal(mem_query(VM_ID_HOST, pa_init(RAM_B), &(struct mem_page_info){ 0 }),
			 PAL_E_RANGE);
	assert_int_equal(mem_vm_create(G2, 0), PAL_OK);
	/* a range across the two merged nodes is one range */
	assert_int_equal(donate(VM_ID_HOST, RAM_A + 2 * PAGE_SIZE, RAM_A + 2 * PAGE_SIZE, 3,
				G2, GIPA), PAL_OK);
	assert_int_equal(fake.s.vm[G2].n, 3);
	assert_int_equal(fake.s.violations, 0);
	assert_int_equal(env_init(), PAL_OK);
}

/* ---------------------------------------------------------------- transitions */

static void test_donate_host_to_guest(void **state)
{
	(void)state;
	assert_int_equal(donate(VM_ID_HOST, P(10), P(10), 3, G2, GIPA), PAL_OK);
	for (unsigned int k = 0; k < 3; k++) {
		struct mem_page_info g = info(G2, P(10 + k));

		assert_int_equal(g.view, MEM_VIEW_OWNED);
		assert_int_equal(g.owner, G2);
		assert_int_equal(ipa_addr(g.ipa), GIPA + k * PAGE_SIZE);
		assert_int_equal(view(VM_ID_HOST, P(10 + k)), MEM_VIEW_NONE);
		assert_mapped(VM_ID_HOST, P(10 + k), 0, 0);
		assert_mapped(G2, GIPA + k * PAGE_SIZE, P(10 + k), RWX);
	}
	assert_int_equal(fake.s.zeroed_pages, 0);  /* the host's content is the point */
}

static void test_donate_guest_to_host(void **state)
{
	(void)state;
	assert_int_equal(donate(VM_ID_HOST, P(10), P(10), 3, G2, GIPA), PAL_OK);
	assert_int_equal(donate(G2, P(11), GIPA + PAGE_SIZE, 2, VM_ID_HOST, P(11)), PAL_OK);
	assert_int_equal(fake.s.zeroed_pages, 2);
	assert_int_equal(view(VM_ID_HOST, P(11)), MEM_VIEW_OWNED);
	assert_mapped(VM_ID_HOST, P(12), P(12), RWX);
	assert_mapped(G2, GIPA + PAGE_SIZE, 0, 0);
	assert_int_equal(view(G2, P(10)), MEM_VIEW_OWNED);
}

static void test_donate_guest_to_guest(void **state)
{
	(void)state;
	assert_int_equal(donate(VM_ID_HOST, P(70), P(70), 2, G2, GIPA), PAL_OK);
	assert_int_equal(donate(G2, P(70), GIPA, 2, G3, GIPA + 0x100000), PAL_OK);
	assert_int_equal(fake.s.zeroed_pages, 2);
	assert_int_equal(view(G3, P(71)), MEM_VIEW_OWNED);
	assert_mapped(G3, GIPA + 0x101000, P(71), RWX);
	assert_int_equal(fake.s.vm[G2].n, 0);
}

static void test_lend_relinquish(void **state)
{
	(void)state;
	assert_int_equal(lend(VM_ID_HOST, P(20), P(20), 4, G2, GIPA, RW), PAL_OK);
	assert_int_equal(view(VM_ID_HOST, P(20)), MEM_VIEW_LENT);
	assert_int_equal(view(G2, P(23)), MEM_VIEW_BORROWED);
	assert_int_equal(info(G2, P(23)).perms, RW);
	assert_mapped(VM_ID_HOST, P(21), 0, 0);
	assert_mapped(G2, GIPA + 3 * PAGE_SIZE, P(23), RW);
	assert_int_equal(fake.s.zeroed_pages, 0);

	assert_int_equal(relinquish(G2, P(21), GIPA + PAGE_SIZE, 2), PAL_OK);
	assert_int_equal(fake.s.zeroed_pages, 2);
	assert_int_equal(view(VM_ID_HOST, P(21)), MEM_VIEW_OWNED);
	assert_mapped(VM_ID_HOST, P(22), P(22), RWX);
	assert_int_equal(view(VM_ID_HOST, P(23)), MEM_VIEW_LENT);
	assert_int_equal(view(G2, P(20)), MEM_VIEW_BORROWED);
}

static void test_lend_reclaim(void **state)
{
	(void)state;
	assert_int_equal(lend(VM_ID_HOST, P(20), P(20), 4, G2, GIPA, RWX), PAL_OK);
	assert_int_equal(reclaim(VM_ID_HOST, P(20), P(20), 4), PAL_OK);
	assert_int_equal(fake.s.zeroed_pages, 4);
	assert_int_equal(fake.s.vm[G2].n, 0);
	assert_int_equal(view(VM_ID_HOST, P(20)), MEM_VIEW_OWNED);
	assert_mapped(VM_ID_HOST, P(23), P(23), RWX);
}

static void test_share_relinquish(void **state)
{
	uint64_t unmaps;

	(void)state;
	unmaps = fake.s.unmap_calls;
	assert_int_equal(share(VM_ID_HOST, P(30), P(30), 2, G2, GIPA, RO), PAL_OK);
	assert_int_equal(fake.s.unmap_calls, unmaps);  /* the host keeps its mapping */
	assert_int_equal(view(VM_ID_HOST, P(30)), MEM_VIEW_SHARED_OWNED);
	assert_int_equal(view(G2, P(31)), MEM_VIEW_SHARED_BORROWED);
	assert_mapped(VM_ID_HOST, P(30), P(30), RWX);
	assert_mapped(G2, GIPA + PAGE_SIZE, P(31), RO);
	assert_int_equal(relinquish(G2, P(30), GIPA, 2), PAL_OK);
	assert_int_equal(fake.s.zeroed_pages, 0);  /* the host could read it all along */
	assert_int_equal(view(VM_ID_HOST, P(30)), MEM_VIEW_OWNED);
	assert_int_equal(fake.s.vm[G2].n, 0);
}

static void test_share_unshare(void **state)
{
	(void)state;
	assert_int_equal(share(VM_ID_HOST, P(30), P(30), 2, G2, GIPA, RWX), PAL_OK);
	assert_int_equal(unshare(VM_ID_HOST, P(30), P(30), 2), PAL_OK);
	assert_int_equal(fake.s.zeroed_pages, 0);
	assert_int_equal(view(G2, P(30)), MEM_VIEW_NONE);
	assert_mapped(VM_ID_HOST, P(31), P(31), RWX);
}

/* A pVM shares its own page with the host (a virtio buffer) and takes it back. */
static void test_guest_share_to_host(void **state)
{
	(void)state;
	assert_int_equal(donate(VM_ID_HOST, P(80), P(80), 2, G2, GIPA), PAL_OK);
	assert_int_equal(share(G2, P(80), GIPA, 2, VM_ID_HOST, P(80), RW), PAL_OK);
	assert_int_equal(view(G2, P(80)), MEM_VIEW_SHARED_OWNED);
	assert_int_equal(view(VM_ID_HOST, P(81)), MEM_VIEW_SHARED_BORROWED);
	assert_mapped(VM_ID_HOST, P(81), P(81), RW);
	assert_mapped(G2, GIPA + PAGE_SIZE, P(81), RWX);
	assert_int_equal(relinquish(VM_ID_HOST, P(80), P(80), 1), PAL_OK);
	assert_int_equal(unshare(G2, P(81), GIPA + PAGE_SIZE, 1), PAL_OK);
	assert_int_equal(fake.s.zeroed_pages, 0);
	assert_int_equal(view(G2, P(80)), MEM_VIEW_OWNED);
	assert_int_equal(view(VM_ID_HOST, P(81)), MEM_VIEW_NONE);
	assert_int_equal(fake.s.vm[VM_ID_HOST].n, RAM_PAGES - HYP_PAGES - 2);
}

static void test_hyp_donate_return(void **state)
{
	struct mem_page_info h;

	(void)state;
	assert_int_equal(mem_donate_to_hyp(pa_init(P(40)), 2), PAL_OK);
	h = info(VM_ID_HYP, P(41));
	assert_int_equal(h.view, MEM_VIEW_OWNED);
	assert_int_equal(h.state, MEM_HYP_DONATED);
	assert_int_equal(h.perms, 0);
	assert_int_equal(view(VM_ID_HOST, P(41)), MEM_VIEW_NONE);
	assert_mapped(VM_ID_HOST, P(40), 0, 0);
	assert_int_equal(fake.s.zeroed_pages, 0);
	assert_int_equal(mem_return_from_hyp(pa_init(P(40)), 2), PAL_OK);
	assert_int_equal(fake.s.zeroed_pages, 2);  /* it held VM metadata */
	assert_mapped(VM_ID_HOST, P(41), P(41), RWX);
}

static void test_teardown(void **state)
{
	uint64_t zeroed, host_maps;

	(void)state;
	assert_int_equal(donate(VM_ID_HOST, P(50), P(50), 3, G2, GIPA), PAL_OK);
	assert_int_equal(share(G2, P(52), GIPA + 2 * PAGE_SIZE, 1, VM_ID_HOST, P(52), RO),
			 PAL_OK);
	assert_int_equal(lend(VM_ID_HOST, P(53), P(53), 1, G2, GIPA + 0x10000, RW), PAL_OK);
	assert_int_equal(share(VM_ID_HOST, P(54), P(54), 1, G2, GIPA + 0x20000, RW), PAL_OK);
	assert_int_equal(lend(VM_ID_HOST, P(55), P(55), 1, G3, GIPA, RW), PAL_OK);
	assert_int_equal(donate(VM_ID_HOST, P(90), P(90), 1, G2, GIPA + 0x30000), PAL_OK);
	zeroed = fake.s.zeroed_pages;
	host_maps = fake.s.vm[VM_ID_HOST].n;

	assert_int_equal(mem_vm_teardown(G2, pa_init(0), 0, NULL, NULL), PAL_OK);
	/* owned (50, 51, 52 shared, 90) and borrowed exclusively (53): zeroed; 54 was shared */
	assert_int_equal(fake.s.zeroed_pages - zeroed, 5);
	assert_int_equal(fake.s.vm[G2].n, 0);
	assert_int_equal(fake.s.vm[VM_ID_HOST].n, host_maps + 4);  /* 52 was already there */
	for (unsigned int i = 50; i <= 54; i++) {
		assert_int_equal(view(VM_ID_HOST, P(i)), MEM_VIEW_OWNED);
		assert_mapped(VM_ID_HOST, P(i), P(i), RWX);
	}
	assert_int_equal(view(VM_ID_HOST, P(90)), MEM_VIEW_OWNED);
	assert_int_equal(view(G3, P(55)), MEM_VIEW_BORROWED);  /* others untouched */

	/* gone: cannot receive, cannot call, cannot be torn down twice; can be re-created */
	REFUSED(PAL_E_NOT_FOUND, donate(VM_ID_HOST, P(60), P(60), 1, G2, GIPA));
	REFUSED(PAL_E_DENIED, relinquish(G2, P(53), GIPA + 0x10000, 1));
	REFUSED(PAL_E_NOT_FOUND, mem_vm_teardown(G2, pa_init(0), 0, NULL, NULL));
	assert_int_equal(mem_vm_create(G2, 0), PAL_OK);
	assert_int_equal(donate(VM_ID_HOST, P(60), P(60), 1, G2, GIPA), PAL_OK);
}

/* Stage-2 effects come in runs: one unmap, one flush, one map per contiguous range. */
static void test_batching(void **state)
{
	struct fake_state before;

	(void)state;
	before = fake.s;
	assert_int_equal(lend(VM_ID_HOST, P(64), P(64), 16, G2, GIPA, RW), PAL_OK);
	assert_int_equal(fake.s.unmap_calls - before.unmap_calls, 1);
	assert_int_equal(fake.s.flush_calls - before.flush_calls, 1);
	assert_int_equal(fake.s.map_calls - before.map_calls, 1);
	before = fake.s;
	assert_int_equal(reclaim(VM_ID_HOST, P(64), P(64), 16), PAL_OK);
	assert_int_equal(fake.s.unmap_calls - before.unmap_calls, 1);
	assert_int_equal(fake.s.flush_calls - before.flush_calls, 1);
	assert_int_equal(fake.s.zero_calls - before.zero_calls, 1);
	assert_int_equal(fake.s.map_calls - before.map_calls, 1);

	/* teardown: one flush per VM touched (the guest and the host), whatever the runs */
	assert_int_equal(donate(VM_ID_HOST, P(64), P(64), 2, G2, GIPA), PAL_OK);
	assert_int_equal(donate(VM_ID_HOST, P(70), P(70), 2, G2, GIPA + 0x100000), PAL_OK);
	assert_int_equal(donate(VM_ID_HOST, P(10), P(10), 1, G2, GIPA + 0x200000), PAL_OK);
	assert_int_equal(share(G2, P(70), GIPA + 0x100000, 1, VM_ID_HOST, P(70), RO), PAL_OK);
	before = fake.s;
	assert_int_equal(mem_vm_teardown(G2, pa_init(0), 0, NULL, NULL), PAL_OK);
	assert_int_equal(fake.s.flush_calls - before.flush_calls, 2);
}

static void test_query(void **state)
{
	struct mem_page_info i;

	(void)state;
	assert_int_equal(lend(VM_ID_HOST, P(20), P(20), 1, G2, GIPA, RO), PAL_OK);
	i = info(G2, P(20) + 123);  /* any address inside the page */
	assert_int_equal(i.view, MEM_VIEW_BORROWED);
	assert_int_equal(i.owner, VM_ID_HOST);
	assert_int_equal(i.borrower, G2);
	assert_int_equal(i.state, MEM_LENT);
	assert_int_equal(i.perms, RO);
	assert_int_equal(ipa_addr(i.ipa), GIPA);
	i = info(VM_ID_HOST, P(20));
	assert_int_equal(i.view, MEM_VIEW_LENT);
	assert_int_equal(i.perms, 0);
	assert_int_equal(view(G3, P(20)), MEM_VIEW_NONE);
	assert_int_equal(info(VM_ID_HOST, P(5)).borrower, VM_ID_NONE);
	assert_int_equal(mem_query(VM_ID_HOST, pa_init(RAM_A - 1), &i), PAL_E_RANGE);
	assert_int_equal(mem_query(VM_ID_HOST, pa_init(RAM_B + RAM_PAGES_EACH * PAGE_SIZE), &i),
			 PAL_E_RANGE);
	assert_int_equal(mem_query(VM_ID_LIMIT, pa_init(P(20)), &i), PAL_E_INVALID);
	assert_int_equal(mem_query(VM_ID_HOST, pa_init(P(20)), NULL), PAL_E_INVALID);
}

static void test_vm_lifecycle(void **state)
{
	(void)state;
	REFUSED(PAL_E_INVALID, mem_vm_create(VM_ID_HOST, 0));
	REFUSED(PAL_E_INVALID, mem_vm_create(VM_ID_HYP, 0));
	REFUSED(PAL_E_INVALID, mem_vm_create(VM_ID_LIMIT, 0));
	REFUSED(PAL_E_STATE, mem_vm_create(G2, 0));
	REFUSED(PAL_E_INVALID, mem_vm_teardown(VM_ID_HOST, pa_init(0), 0, NULL, NULL));
	REFUSED(PAL_E_INVALID, mem_vm_teardown(VM_ID_HYP, pa_init(0), 0, NULL, NULL));
	REFUSED(PAL_E_NOT_FOUND, mem_vm_teardown(G4, pa_init(0), 0, NULL, NULL));
	assert_int_equal(mem_vm_create(VM_ID_LIMIT - 1, 0), PAL_OK);
	assert_int_equal(mem_vm_teardown(VM_ID_LIMIT - 1, pa_init(0), 0, NULL, NULL), PAL_OK);
}

/* ---------------------------------------------------------------- refusals */

static void test_bad_ranges(void **state)
{
	uint64_t top = ~PAGE_MASK;  /* last page of the address space */

	(void)state;
	REFUSED(PAL_E_INVALID, donate(VM_ID_HOST, P(10), P(10), 0, G2, GIPA));
	REFUSED(PAL_E_INVALID, donate(VM_ID_HOST, P(10) + 8, P(10) + 8, 1, G2, GIPA));
	REFUSED(PAL_E_INVALID, donate(VM_ID_HOST, P(10), P(11), 1, G2, GIPA));  /* host ipa != pa */
	REFUSED(PAL_E_INVALID, donate(VM_ID_HOST, top, top, 2, G2, GIPA));       /* wraps */
	REFUSED(PAL_E_INVALID, donate(VM_ID_HOST, P(10), P(10), ~0ull, G2, GIPA));
	REFUSED(PAL_E_INVALID, donate(VM_ID_HOST, P(10), P(10), 1ull << 52, G2, GIPA));
	REFUSED(PAL_E_INVALID, lend(VM_ID_HOST, P(10), P(10), 0, G2, GIPA, RW));
	REFUSED(PAL_E_INVALID, reclaim(VM_ID_HOST, P(10) + 1, P(10) + 1, 1));
	REFUSED(PAL_E_INVALID, relinquish(G2, P(10), GIPA + 1, 1));
	REFUSED(PAL_E_INVALID, mem_donate_to_hyp(pa_init(P(10)), 0));
	REFUSED(PAL_E_INVALID, mem_donate_to_hyp(pa_init(P(10) + 4), 1));
	REFUSED(PAL_E_INVALID, mem_return_from_hyp(pa_init(top), 2));
	/* outside RAM: below, in the gap, across the end of a region, past the last */
	REFUSED(PAL_E_RANGE, donate(VM_ID_HOST, 0x1000, 0x1000, 1, G2, GIPA));
	REFUSED(PAL_E_RANGE, donate(VM_ID_HOST, 0x80000000, 0x80000000, 1, G2, GIPA));
	REFUSED(PAL_E_RANGE, lend(VM_ID_HOST, P(62), P(62), 3, G2, GIPA, RW));
	REFUSED(PAL_E_RANGE, share(VM_ID_HOST, P(127), P(127), 2, G2, GIPA, RW));
	REFUSED(PAL_E_INVALID, reclaim(VM_ID_HOST, top, top, 1));  /* its end is 2^64 */
	REFUSED(PAL_E_RANGE, reclaim(VM_ID_HOST, top - PAGE_SIZE, top - PAGE_SIZE, 1));
	REFUSED(PAL_E_RANGE, mem_donate_to_hyp(pa_init(P(63)), 2));
	REFUSED(PAL_E_RANGE, mem_return_from_hyp(pa_init(RAM_A - PAGE_SIZE), 1));
}

static void test_not_owner(void **state)
{
	(void)state;
	assert_int_equal(donate(VM_ID_HOST, P(10), P(10), 2, G2, GIPA), PAL_OK);
	REFUSED(PAL_E_DENIED, donate(VM_ID_HOST, P(10), P(10), 1, G3, GIPA));
	REFUSED(PAL_E_DENIED, share(VM_ID_HOST, P(11), P(11), 1, G3, GIPA, RW));
	REFUSED(PAL_E_DENIED, donate(G3, P(10), GIPA, 1, VM_ID_HOST, P(10)));
	REFUSED(PAL_E_DENIED, share(G3, P(10), GIPA, 1, VM_ID_HOST, P(10), RW));
	REFUSED(PAL_E_DENIED, donate(G2, P(20), GIPA, 1, VM_ID_HOST, P(20)));  /* host's page */
	REFUSED(PAL_E_DENIED, mem_donate_to_hyp(pa_init(P(10)), 1));
	/* the host's part of a range is not enough */
	REFUSED(PAL_E_DENIED, lend(VM_ID_HOST, P(9), P(9), 3, G3, GIPA, RW));
}

static void test_hyp_pages(void **state)
{
	(void)state;
	/* boot carve-outs: nobody may take them, they never go back */
	REFUSED(PAL_E_DENIED, donate(VM_ID_HOST, P(0), P(0), 1, G2, GIPA));
	REFUSED(PAL_E_DENIED, lend(VM_ID_HOST, P(1), P(1), 1, G2, GIPA, RW));
	REFUSED(PAL_E_DENIED, share(VM_ID_HOST, P(2), P(2), 1, G2, GIPA, RW));
	REFUSED(PAL_E_DENIED, reclaim(VM_ID_HOST, P(3), P(3), 1));
	REFUSED(PAL_E_DENIED, unshare(VM_ID_HOST, P(3), P(3), 1));
	REFUSED(PAL_E_DENIED, relinquish(VM_ID_HOST, P(3), P(3), 1));
	REFUSED(PAL_E_DENIED, lend(VM_ID_HOST, P(3), P(3), 2, G2, GIPA, RW));  /* straddles */
	REFUSED(PAL_E_DENIED, mem_donate_to_hyp(pa_init(P(0)), 1));
	REFUSED(PAL_E_DENIED, mem_return_from_hyp(pa_init(P(0)), 1));
	REFUSED(PAL_E_DENIED, mem_return_from_hyp(pa_init(P(10)), 1));  /* the host's */
	/* nobody gives pages to the hypervisor except through mem_donate_to_hyp */
	REFUSED(PAL_E_DENIED, donate(VM_ID_HOST, P(10), P(10), 1, VM_ID_HYP, 0));
	REFUSED(PAL_E_DENIED, lend(VM_ID_HOST, P(10), P(10), 1, VM_ID_HYP, 0, RW));
	REFUSED(PAL_E_DENIED, share(VM_ID_HOST, P(10), P(10), 1, VM_ID_HYP, 0, RW));
	/* and the hypervisor is not a caller of the VM interface */
	REFUSED(PAL_E_DENIED, donate(VM_ID_HYP, P(0), P(0), 1, VM_ID_HOST, P(0)));
	REFUSED(PAL_E_DENIED, reclaim(VM_ID_HYP, P(0), P(0), 1));
	/* metadata donated by the host stays the hypervisor's until returned */
	assert_int_equal(mem_donate_to_hyp(pa_init(P(40)), 2), PAL_OK);
	REFUSED(PAL_E_DENIED, lend(VM_ID_HOST, P(40), P(40), 1, G2, GIPA, RW));
	REFUSED(PAL_E_DENIED, reclaim(VM_ID_HOST, P(41), P(41), 1));
	REFUSED(PAL_E_DENIED, mem_donate_to_hyp(pa_init(P(41)), 1));
	REFUSED(PAL_E_DENIED, mem_return_from_hyp(pa_init(P(41)), 2));  /* 42 is the host's */
	assert_int_equal(mem_return_from_hyp(pa_init(P(40)), 2), PAL_OK);
}

static void test_self(void **state)
{
	(void)state;
	REFUSED(PAL_E_INVALID, donate(VM_ID_HOST, P(10), P(10), 1, VM_ID_HOST, P(10)));
	REFUSED(PAL_E_INVALID, lend(VM_ID_HOST, P(10), P(10), 1, VM_ID_HOST, P(10), RW));
	REFUSED(PAL_E_INVALID, share(VM_ID_HOST, P(10), P(10), 1, VM_ID_HOST, P(10), RW));
	assert_int_equal(donate(VM_ID_HOST, P(10), P(10), 1, G2, GIPA), PAL_OK);
	REFUSED(PAL_E_INVALID, donate(G2, P(10), GIPA, 1, G2, GIPA + PAGE_SIZE));
	REFUSED(PAL_E_INVALID, share(G2, P(10), GIPA, 1, G2, GIPA + PAGE_SIZE, RW));
}

static void test_receiver_missing(void **state)
{
	(void)state;
	REFUSED(PAL_E_NOT_FOUND, donate(VM_ID_HOST, P(10), P(10), 1, G4, GIPA));
	REFUSED(PAL_E_NOT_FOUND, lend(VM_ID_HOST, P(10), P(10), 1, G4, GIPA, RW));
	REFUSED(PAL_E_NOT_FOUND, share(VM_ID_HOST, P(10), P(10), 1, 60, GIPA, RW));
	REFUSED(PAL_E_NOT_FOUND, donate(VM_ID_HOST, P(10), P(10), 1, VM_ID_LIMIT, GIPA));
	REFUSED(PAL_E_NOT_FOUND, donate(VM_ID_HOST, P(10), P(10), 1, VM_ID_NONE, GIPA));
}

static void test_caller_invalid(void **state)
{
	(void)state;
	REFUSED(PAL_E_DENIED, donate(G4, P(10), GIPA, 1, VM_ID_HOST, P(10)));
	REFUSED(PAL_E_DENIED, relinquish(G4, P(10), GIPA, 1));
	REFUSED(PAL_E_DENIED, reclaim(VM_ID_LIMIT, P(10), GIPA, 1));
	REFUSED(PAL_E_DENIED, unshare(VM_ID_NONE, P(10), GIPA, 1));
}

static void test_already_lent_or_shared(void **state)
{
	(void)state;
	assert_int_equal(lend(VM_ID_HOST, P(10), P(10), 1, G2, GIPA, RW), PAL_OK);
	assert_int_equal(share(VM_ID_HOST, P(11), P(11), 1, G2, GIPA + PAGE_SIZE, RW), PAL_OK);
	REFUSED(PAL_E_STATE, lend(VM_ID_HOST, P(10), P(10), 1, G3, GIPA, RW));
	REFUSED(PAL_E_STATE, share(VM_ID_HOST, P(10), P(10), 1, G3, GIPA, RW));
	REFUSED(PAL_E_STATE, donate(VM_ID_HOST, P(10), P(10), 1, G3, GIPA));
	REFUSED(PAL_E_STATE, mem_donate_to_hyp(pa_init(P(10)), 1));
	/* one borrower per page */
	REFUSED(PAL_E_STATE, share(VM_ID_HOST, P(11), P(11), 1, G3, GIPA, RW));
	REFUSED(PAL_E_STATE, lend(VM_ID_HOST, P(11), P(11), 1, G3, GIPA, RW));
	REFUSED(PAL_E_STATE, donate(VM_ID_HOST, P(11), P(11), 1, G3, GIPA));
	REFUSED(PAL_E_STATE, mem_donate_to_hyp(pa_init(P(11)), 1));
	/* a borrower cannot pass it on */
	REFUSED(PAL_E_DENIED, donate(G2, P(10), GIPA, 1, G3, GIPA));
	REFUSED(PAL_E_DENIED, share(G2, P(11), GIPA + PAGE_SIZE, 1, VM_ID_HOST, P(11), RW));
}

static void test_wrong_state(void **state)
{
	(void)state;
	assert_int_equal(lend(VM_ID_HOST, P(10), P(10), 1, G2, GIPA, RW), PAL_OK);
	assert_int_equal(share(VM_ID_HOST, P(11), P(11), 1, G2, GIPA + PAGE_SIZE, RW), PAL_OK);
	REFUSED(PAL_E_STATE, reclaim(VM_ID_HOST, P(12), P(12), 1));   /* owned */
	REFUSED(PAL_E_STATE, reclaim(VM_ID_HOST, P(11), P(11), 1));   /* shared */
	REFUSED(PAL_E_STATE, unshare(VM_ID_HOST, P(10), P(10), 1));   /* lent */
	REFUSED(PAL_E_STATE, unshare(VM_ID_HOST, P(12), P(12), 1));   /* owned */
	REFUSED(PAL_E_DENIED, reclaim(G2, P(10), GIPA, 1));           /* borrower reclaims */
	REFUSED(PAL_E_DENIED, unshare(G2, P(11), GIPA + PAGE_SIZE, 1));
	REFUSED(PAL_E_DENIED, relinquish(VM_ID_HOST, P(10), P(10), 1)); /* owner relinquishes */
	REFUSED(PAL_E_DENIED, relinquish(VM_ID_HOST, P(12), P(12), 1)); /* nobody borrows */
	REFUSED(PAL_E_DENIED, relinquish(G3, P(10), GIPA, 1));        /* someone else's */
	/* a mix of states in one range: refused as a whole */
	REFUSED(PAL_E_STATE, lend(VM_ID_HOST, P(8), P(8), 5, G3, GIPA, RW));
	REFUSED(PAL_E_STATE, reclaim(VM_ID_HOST, P(9), P(9), 2));
	REFUSED(PAL_E_STATE, reclaim(VM_ID_HOST, P(10), P(10), 2));
	REFUSED(PAL_E_DENIED, relinquish(G2, P(10), GIPA, 3));
	REFUSED(PAL_E_STATE, mem_donate_to_hyp(pa_init(P(9)), 3));
}

/* A guest names its pages by IPA too; page k must sit at ipa + k in its stage-2. */
static void test_guest_ipa_mismatch(void **state)
{
	(void)state;
	assert_int_equal(donate(VM_ID_HOST, P(10), P(10), 1, G2, GIPA), PAL_OK);
	assert_int_equal(donate(VM_ID_HOST, P(11), P(11), 1, G2, GIPA + 0x5000), PAL_OK);
	REFUSED(PAL_E_INVALID, share(G2, P(10), GIPA, 2, VM_ID_HOST, P(10), RW));
	REFUSED(PAL_E_INVALID, donate(G2, P(10), GIPA + PAGE_SIZE, 1, VM_ID_HOST, P(10)));
	REFUSED(PAL_E_INVALID, donate(G2, P(10), GIPA, 2, VM_ID_HOST, P(10)));
	assert_int_equal(lend(VM_ID_HOST, P(20), P(20), 1, G2, GIPA + 0x9000, RW), PAL_OK);
	REFUSED(PAL_E_INVALID, relinquish(G2, P(20), GIPA, 1));
	assert_int_equal(share(G2, P(11), GIPA + 0x5000, 1, VM_ID_HOST, P(11), RW), PAL_OK);
	REFUSED(PAL_E_INVALID, unshare(G2, P(11), GIPA, 1));
}

static void test_guest_rules(void **state)
{
	(void)state;
	assert_int_equal(donate(VM_ID_HOST, P(10), P(10), 2, G2, GIPA), PAL_OK);
	/* a guest does not lend, and guests do not lend/share with each other */
	REFUSED(PAL_E_DENIED, lend(G2, P(10), GIPA, 1, VM_ID_HOST, P(10), RW));
	REFUSED(PAL_E_DENIED, lend(G2, P(10), GIPA, 1, G3, GIPA, RW));
	REFUSED(PAL_E_DENIED, share(G2, P(10), GIPA, 1, G3, GIPA, RW));
	/* ... but may donate to another guest (zeroed) or share with the host */
	assert_int_equal(share(G2, P(10), GIPA, 1, VM_ID_HOST, P(10), RO), PAL_OK);
}

static void test_bad_perms(void **state)
{
	(void)state;
	REFUSED(PAL_E_INVALID, lend(VM_ID_HOST, P(10), P(10), 1, G2, GIPA, 0));
	REFUSED(PAL_E_INVALID, lend(VM_ID_HOST, P(10), P(10), 1, G2, GIPA, 8));
	REFUSED(PAL_E_INVALID, share(VM_ID_HOST, P(10), P(10), 1, G2, GIPA, 0xff));
	REFUSED(PAL_E_INVALID, share(VM_ID_HOST, P(10), P(10), 1, G2, GIPA, 0));
}

static void test_receiver_ipa(void **state)
{
	(void)state;
	REFUSED(PAL_E_INVALID, donate(VM_ID_HOST, P(10), P(10), 1, G2, GIPA + 0x10));
	REFUSED(PAL_E_INVALID, lend(VM_ID_HOST, P(10), P(10), 2, G2, ~PAGE_MASK, RW));
	REFUSED(PAL_E_RANGE, lend(VM_ID_HOST, P(10), P(10), 2, G2, MEM_IPA_LIMIT - PAGE_SIZE, RW));
	REFUSED(PAL_E_RANGE, share(VM_ID_HOST, P(10), P(10), 1, G2, FAKE_IPA_LIMIT, RW));  /* stage-2 says */
	assert_int_equal(donate(VM_ID_HOST, P(10), P(10), 2, G2, GIPA), PAL_OK);
	REFUSED(PAL_E_INVALID, donate(G2, P(10), GIPA, 1, VM_ID_HOST, P(11)));  /* host: ipa == pa */
	REFUSED(PAL_E_INVALID, share(G2, P(10), GIPA, 1, VM_ID_HOST, GIPA, RW));
	/* the receiver already has something there */
	REFUSED(PAL_E_BUSY, lend(VM_ID_HOST, P(20), P(20), 1, G2, GIPA, RW));
	REFUSED(PAL_E_BUSY, share(VM_ID_HOST, P(20), P(20), 4, G2, GIPA - 2 * PAGE_SIZE, RW));
	REFUSED(PAL_E_BUSY, donate(VM_ID_HOST, P(20), P(20), 1, G2, GIPA + PAGE_SIZE));
	/* the same IPA in another guest is fine */
	assert_int_equal(lend(VM_ID_HOST, P(20), P(20), 1, G3, GIPA, RW), PAL_OK);
}

static void test_prepare_fails(void **state)
{
	(void)state;
	fake.fail_prepare = PAL_E_NO_MEMORY;
	REFUSED(PAL_E_NO_MEMORY, lend(VM_ID_HOST, P(20), P(20), 4, G2, GIPA, RW));
	fake.fail_prepare = PAL_E_NO_MEMORY;
	REFUSED(PAL_E_NO_MEMORY, donate(VM_ID_HOST, P(20), P(20), 4, G2, GIPA));
	/* per-page refusals come before asking the stage-2 */
	fake.fail_prepare = PAL_E_NO_MEMORY;
	REFUSED(PAL_E_DENIED, donate(VM_ID_HOST, P(3), P(3), 2, G2, GIPA));
	assert_int_equal(fake.fail_prepare, PAL_E_NO_MEMORY);
	fake.fail_prepare = 0;
	/* the host needs no preparation (its identity tables never fail, see the docs) */
	assert_int_equal(donate(VM_ID_HOST, P(20), P(20), 1, G2, GIPA), PAL_OK);
	fake.fail_prepare = PAL_E_NO_MEMORY;
	assert_int_equal(donate(G2, P(20), GIPA, 1, VM_ID_HOST, P(20)), PAL_OK);
	fake.fail_prepare = 0;
}

/* ------------------------------------------------- protected VMs (launch) */

/* G4 as a protected VM: memory only by launch gives from the host, until sealed. */
static void test_protected_receives_only_launch(void **state)
{
	(void)state;
	assert_int_equal(mem_vm_create(G4, MEM_VM_PROTECTED), PAL_OK);
	REFUSED(PAL_E_DENIED, donate(VM_ID_HOST, P(20), P(20), 1, G4, GIPA));
	REFUSED(PAL_E_DENIED, lend(VM_ID_HOST, P(20), P(20), 1, G4, GIPA, RWX));
	REFUSED(PAL_E_DENIED, share(VM_ID_HOST, P(20), P(20), 1, G4, GIPA, RW));
	/* another guest cannot give it pages either (issue 13, finding 7) */
	assert_int_equal(donate(VM_ID_HOST, P(21), P(21), 1, G2, GIPA), PAL_OK);
	REFUSED(PAL_E_DENIED, donate(G2, P(21), GIPA, 1, G4, GIPA + 0x100000));
	/* a launch give names a protected VM, from the host */
	REFUSED(PAL_E_DENIED, mem_launch_give(pa_init(P(22)), 1, G2, ipa_init(GIPA + PAGE_SIZE), false));
	assert_int_equal(mem_launch_give(pa_init(P(22)), 2, G4, ipa_init(GIPA), false), PAL_OK);
	assert_int_equal(mem_launch_give(pa_init(P(24)), 1, G4, ipa_init(GIPA + 2 * PAGE_SIZE), true), PAL_OK);
	assert_int_equal(view(G4, P(22)), MEM_VIEW_OWNED);
	assert_int_equal(view(G4, P(24)), MEM_VIEW_BORROWED);
	/* lent to a protected VM: the host cannot take it back */
	REFUSED(PAL_E_DENIED, reclaim(VM_ID_HOST, P(24), P(24), 1));
	/* sealed: not even launch gives any more */
	assert_int_equal(mem_vm_seal(G4), PAL_OK);
	REFUSED(PAL_E_DENIED, mem_launch_give(pa_init(P(25)), 1, G4, ipa_init(GIPA + 3 * PAGE_SIZE), false));
	/* it may still give its own pages away (to the host: zeroed) */
	assert_int_equal(donate(G4, P(23), GIPA + PAGE_SIZE, 1, VM_ID_HOST, P(23)), PAL_OK);
	/* and it may give back what it borrowed */
	assert_int_equal(relinquish(G4, P(24), GIPA + 2 * PAGE_SIZE, 1), PAL_OK);
	assert_int_equal(view(VM_ID_HOST, P(24)), MEM_VIEW_OWNED);
	/* teardown clears its protection: the id is a plain guest when created again */
	assert_int_equal(mem_vm_teardown(G4, pa_init(0), 0, NULL, NULL), PAL_OK);
	assert_int_equal(mem_vm_create(G4, 0), PAL_OK);
	assert_int_equal(donate(VM_ID_HOST, P(25), P(25), 1, G4, GIPA), PAL_OK);
	REFUSED(PAL_E_INVALID, mem_vm_create(G3, 2));
}

/* ---------------------------------------------------------- mem_access */

struct access_probe {
	unsigned calls;
	uint64_t page;
};

static void probe(void *arg, paddr_t page)
{
	struct access_probe *p = arg;

	p->calls++;
	p->page = pa_addr(page);
}

static int acc(vm_id_t vm, uint64_t pa, uint64_t ipa, unsigned need, struct access_probe *p)
{
	return mem_access(vm, pa_init(pa), ipa_init(ipa), need, probe, p);
}

static void test_access(void **state)
{
	struct access_probe p = { 0, 0 };
	const unsigned R = MEM_ACCESS_READ, W = MEM_ACCESS_WRITE, PRIV = MEM_ACCESS_PRIVATE;

	(void)state;
	/* the host's own page, at its identity IPA, any offset in the page */
	assert_int_equal(acc(VM_ID_HOST, P(30) + 8, P(30) + 8, R | W | PRIV, &p), PAL_OK);
	assert_int_equal(p.calls, 1);
	assert_int_equal(p.page, P(30));
	/* a guest's page only at the IPA where it sees it */
	assert_int_equal(donate(VM_ID_HOST, P(31), P(31), 1, G2, GIPA), PAL_OK);
	assert_int_equal(acc(G2, P(31), GIPA + 16, R | W | PRIV, &p), PAL_OK);
	REFUSED(PAL_E_RANGE, acc(G2, P(31), GIPA + PAGE_SIZE, R, &p));
	REFUSED(PAL_E_RANGE, acc(VM_ID_HOST, P(31), P(31), R, &p));   /* no longer the host's */
	REFUSED(PAL_E_RANGE, acc(G3, P(31), GIPA, R, &p));
	/* shared: both may read and write with their permissions, neither privately */
	assert_int_equal(share(G2, P(31), GIPA, 1, VM_ID_HOST, P(31), RO), PAL_OK);
	assert_int_equal(acc(G2, P(31), GIPA, R | W, &p), PAL_OK);
	REFUSED(PAL_E_RANGE, acc(G2, P(31), GIPA, R | PRIV, &p));
	assert_int_equal(acc(VM_ID_HOST, P(31), P(31), R, &p), PAL_OK);
	REFUSED(PAL_E_RANGE, acc(VM_ID_HOST, P(31), P(31), W, &p));
	/* lent: the borrower has it privately, the owner not at all */
	assert_int_equal(lend(VM_ID_HOST, P(32), P(32), 1, G3, GIPA, RW), PAL_OK);
	assert_int_equal(acc(G3, P(32), GIPA, R | W | PRIV, &p), PAL_OK);
	REFUSED(PAL_E_RANGE, acc(VM_ID_HOST, P(32), P(32), R, &p));
	/* hypervisor pages, holes and bad requests */
	REFUSED(PAL_E_RANGE, acc(VM_ID_HOST, P(0), P(0), R, &p));
	REFUSED(PAL_E_RANGE, acc(VM_ID_HOST, RAM_A - PAGE_SIZE, RAM_A - PAGE_SIZE, R, &p));
	REFUSED(PAL_E_INVALID, acc(VM_ID_HOST, P(30), P(30), 0, &p));
	REFUSED(PAL_E_INVALID, acc(VM_ID_HOST, P(30), P(30), 8, &p));
	REFUSED(PAL_E_INVALID, mem_access(VM_ID_HOST, pa_init(P(30)), ipa_init(P(30)), R, NULL, NULL));
	REFUSED(PAL_E_INVALID, acc(VM_ID_LIMIT, P(30), P(30), R, &p));
	/* a VM that does not exist (any more) gets nothing */
	REFUSED(PAL_E_RANGE, acc(G4, P(30), P(30), R, &p));
}

/* The check phase counts page tables; a shortage refuses the call, changing nothing. */
static void test_tables_counted(void **state)
{
	(void)state;
	fake.tables_limit = 1;   /* a donate to a guest unmaps from the host and maps: 2 runs */
	REFUSED(PAL_E_NO_MEMORY, donate(VM_ID_HOST, P(40), P(40), 2, G2, GIPA));
	assert_int_equal(fake.last_tables, 2);
	fake.tables_limit = 2;
	assert_int_equal(donate(VM_ID_HOST, P(40), P(40), 2, G2, GIPA), PAL_OK);
	/* a teardown is counted whole first: short, it changes nothing and may be retried */
	fake.tables_limit = 1;
	REFUSED(PAL_E_NO_MEMORY, mem_vm_teardown(G2, pa_init(0), 0, NULL, NULL));
	fake.tables_limit = 0;
	assert_int_equal(mem_vm_teardown(G2, pa_init(0), 0, NULL, NULL), PAL_OK);
	assert_int_equal(view(VM_ID_HOST, P(40)), MEM_VIEW_OWNED);
}

static unsigned released;

static void release_cb(void *arg)
{
	(void)arg;
	/* called with the ownership lock held: it must not call back into the module */
	released++;
}

/* Teardown returns the VM's pages, calls release, then returns its metadata, zeroed. */
static void test_teardown_with_metadata(void **state)
{
	(void)state;
	released = 0;
	assert_int_equal(mem_donate_to_hyp(pa_init(P(44)), 2), PAL_OK);
	assert_int_equal(donate(VM_ID_HOST, P(50), P(50), 1, G2, GIPA), PAL_OK);
	REFUSED(PAL_E_RANGE, mem_vm_teardown(G2, pa_init(RAM_A - 2 * PAGE_SIZE), 2, release_cb, NULL));
	REFUSED(PAL_E_DENIED, mem_vm_teardown(G2, pa_init(P(45)), 2, release_cb, NULL)); /* P(46): host's */
	REFUSED(PAL_E_INVALID, mem_vm_teardown(G2, pa_init(P(44) + 8), 2, release_cb, NULL));
	assert_int_equal(released, 0);
	assert_int_equal(mem_vm_teardown(G2, pa_init(P(44)), 2, release_cb, NULL), PAL_OK);
	assert_int_equal(released, 1);
	assert_int_equal(view(VM_ID_HOST, P(44)), MEM_VIEW_OWNED);
	assert_int_equal(view(VM_ID_HOST, P(45)), MEM_VIEW_OWNED);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_table_bytes), T(test_init_state), T(test_init_rejects),
		T(test_init_regions_merge),
		T(test_donate_host_to_guest), T(test_donate_guest_to_host),
		T(test_donate_guest_to_guest), T(test_lend_relinquish), T(test_lend_reclaim),
		T(test_share_relinquish), T(test_share_unshare), T(test_guest_share_to_host),
		T(test_hyp_donate_return), T(test_teardown), T(test_batching), T(test_query),
		T(test_vm_lifecycle),
		T(test_bad_ranges), T(test_not_owner), T(test_hyp_pages), T(test_self),
		T(test_receiver_missing), T(test_caller_invalid),
		T(test_already_lent_or_shared), T(test_wrong_state),
		T(test_guest_ipa_mismatch), T(test_guest_rules), T(test_bad_perms),
		T(test_receiver_ipa), T(test_prepare_fails),
		T(test_protected_receives_only_launch), T(test_access), T(test_tables_counted),
		T(test_teardown_with_metadata),
	};

	return cmocka_run_group_tests_name("mem_own", tests, NULL, NULL);
}
