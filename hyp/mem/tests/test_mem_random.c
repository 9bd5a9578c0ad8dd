/*
 * Randomized differential test: a fixed-seed stream of calls, biased towards plausible
 * ones, goes to the module and to the reference model. After each call: same status;
 * if refused, every byte of state unchanged; if done, the module's view of every page,
 * the fake stage-2s and the number of zeroed pages all match the model. The invariant
 * checker runs every 256 calls and at the end.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "env.h"
#include "ref_model.h"

#define SEED 0x5eed0005ull
#define OPS 80000

static uint64_t rng;

static uint64_t rnd(void)  /* splitmix64: same stream on every machine */
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static unsigned int rn(unsigned int n)
{
	return (unsigned int)(rnd() % n);
}

static struct ref model;
static struct snapshot snap;

enum kind { K_DONATE, K_LEND, K_SHARE, K_RELINQUISH, K_RECLAIM, K_UNSHARE,
	    K_HYP_DONATE, K_HYP_RETURN, K_CREATE, K_TEARDOWN, K_LAUNCH, K_SEAL, K_NR };
static const char *const kind_name[K_NR] = {
	"donate", "lend", "share", "relinquish", "reclaim", "unshare",
	"donate_to_hyp", "return_from_hyp", "vm_create", "vm_teardown",
	"launch_give", "vm_seal",
};
static unsigned int tried[K_NR], done[K_NR];
static unsigned int by_status[16];  /* by -status */

static int pick_vm(void)
{
	static const int odd[] = { VM_ID_HYP, 6, 7, 60, VM_ID_LIMIT, VM_ID_NONE };
	unsigned int r = rn(100);

	if (r < 30)
		return VM_ID_HOST;
	if (r < 92)
		return 2 + (int)rn(4);
	return odd[rn(6)];
}

static uint64_t pick_pa(void)
{
	static const uint64_t odd[] = { 0x1000, RAM_A - PAGE_SIZE, 0x80000000,
					RAM_B + RAM_PAGES_EACH * PAGE_SIZE, ~PAGE_MASK,
					RAM_A + 7 * PAGE_SIZE + 8 };

	if (rn(100) < 3)
		return odd[rn(6)];
	return env_page(rn(RAM_PAGES));
}

static uint64_t pick_pages(void)
{
	static const uint64_t odd[] = { 0, ~0ull, 1ull << 52, 200 };
	unsigned int r = rn(100);

	if (r < 55)
		return 1;
	if (r < 85)
		return 2 + rn(3);
	if (r < 97)
		return 5 + rn(12);
	return odd[rn(4)];
}

/* Often a page already in the state the call needs, found by a random walk. */
static uint64_t pick_pa_in(enum ref_kind kind)
{
	unsigned int start = rn(RAM_PAGES);

	if (rn(100) < 35)
		return pick_pa();
	for (unsigned int j = 0; j < RAM_PAGES; j++) {
		unsigned int i = (start + j) % RAM_PAGES;

		if (model.pg[i].kind == kind)
			return env_page(i);
	}
	return pick_pa();
}

/* Where vm sees the page at pa according to the model (or a plausible wrong answer). */
static uint64_t pick_ipa(int vm, uint64_t pa)
{
	int i = ref_index(pa);
	unsigned int r = rn(100);

	if (r < 4)
		return GIPA + rn(64) * PAGE_SIZE + (r < 2 ? 8 : 0);
	if (vm == VM_ID_HOST)
		return pa;
	if (i >= 0 && model.pg[i].owner == vm)
		return model.pg[i].owner_ipa;
	if (i >= 0 && model.pg[i].borrower == vm)
		return model.pg[i].borrower_ipa;
	return GIPA + rn(192) * PAGE_SIZE;
}

static uint64_t pick_to_ipa(int to, uint64_t pa)
{
	unsigned int r = rn(100);

	if (to == VM_ID_HOST)
		return r < 94 ? pa : pa + PAGE_SIZE;
	if (r < 3)
		return GIPA + 0x10;
	if (r < 5)
		return MEM_IPA_LIMIT - PAGE_SIZE;
	if (r < 7)
		return FAKE_IPA_LIMIT - PAGE_SIZE;
	return GIPA + rn(96) * PAGE_SIZE;  /* small window: some calls find it taken */
}

static int pick_perms(void)
{
	static const int odd[] = { 0, 8, 0xff };

	return rn(100) < 92 ? 1 + (int)rn(7) : odd[rn(3)];
}

/* The caller a plausible request would come from: the page's owner or borrower. */
static int pick_caller(uint64_t pa, bool borrower)
{
	int i = ref_index(pa);

	if (i >= 0 && rn(100) < 75) {
		if (!borrower)
			return model.pg[i].owner == VM_ID_HYP ? VM_ID_HOST : model.pg[i].owner;
		if (model.pg[i].borrower >= 0)
			return model.pg[i].borrower;
	}
	return pick_vm();
}

/* Module and model agree on every page, and the stage-2s hold exactly the model's. */
static void compare_with_model(unsigned int op)
{
	unsigned int expected_maps = 0, mapped = 0;

	for (unsigned int i = 0; i < RAM_PAGES; i++) {
		const struct ref_page *p = &model.pg[i];
		uint64_t pa = env_page(i);
		struct mem_page_info h, o, b;
		static const enum mem_state st[] = { MEM_OWNED, MEM_LENT, MEM_SHARED,
						     MEM_HYP_DONATED };

		assert_int_equal(mem_query(VM_ID_HYP, pa_init(pa), &h), PAL_OK);
		/* I1: no page belongs to, or is lent to, a guest that does not exist */
		assert_true(p->owner <= VM_ID_HOST || model.live[p->owner]);
		assert_true(p->borrower <= VM_ID_HOST || model.live[p->borrower]);
		if (h.owner != p->owner || h.state != st[p->kind] ||
		    h.borrower != (p->borrower < 0 ? VM_ID_NONE : p->borrower)) {
			fprintf(stderr, "op %u: page %u: module owner %u borrower %u state %u, "
				"model %d %d %d\n", op, i, h.owner, h.borrower, h.state,
				p->owner, p->borrower, p->kind);
			fail();
		}
		if (p->owner != VM_ID_HYP && (p->kind == REF_OWNED || p->kind == REF_SHARED)) {
			const struct fake_map *m = fake_lookup((vm_id_t)p->owner, p->owner_ipa);

			assert_int_equal(mem_query((vm_id_t)p->owner, pa_init(pa), &o), PAL_OK);
			assert_int_equal(ipa_addr(o.ipa), p->owner_ipa);
			assert_non_null(m);
			assert_int_equal(m->pa, pa);
			assert_int_equal(m->perms, MEM_PERM_RWX);
			expected_maps++;
		}
		if (p->kind == REF_LENT || p->kind == REF_SHARED) {
			const struct fake_map *m = fake_lookup((vm_id_t)p->borrower,
							       p->borrower_ipa);

			assert_int_equal(mem_query((vm_id_t)p->borrower, pa_init(pa), &b), PAL_OK);
			assert_int_equal(ipa_addr(b.ipa), p->borrower_ipa);
			assert_int_equal(b.perms, p->perms);
			assert_non_null(m);
			assert_int_equal(m->pa, pa);
			assert_int_equal(m->perms, (uint64_t)p->perms);
			expected_maps++;
		}
	}
	for (vm_id_t vm = 0; vm < FAKE_VMS; vm++)
		mapped += fake.s.vm[vm].n;
	assert_int_equal(mapped, expected_maps);  /* nothing beyond the model's mappings */
	assert_int_equal(fake.s.zeroed_pages, model.zeroed);
}

static void test_random_vs_model(void **state)
{
	(void)state;
	rng = SEED;
	assert_int_equal(env_init(), PAL_OK);
	ref_init(&model);
	compare_with_model(0);

	for (unsigned int op = 1; op <= OPS; op++) {
		enum kind k;
		unsigned int r = rn(100);
		int got = 0, want = 0, caller, to, perms, fail_prepare = 0;
		bool prot = false, lend_it = false;
		uint64_t pa, pages, ipa, to_ipa;

		k = r < 13 ? K_DONATE : r < 26 ? K_LEND : r < 39 ? K_SHARE :
		    r < 52 ? K_RELINQUISH : r < 64 ? K_RECLAIM : r < 76 ? K_UNSHARE :
		    r < 81 ? K_HYP_DONATE : r < 85 ? K_HYP_RETURN : r < 90 ? K_CREATE :
		    r < 93 ? K_TEARDOWN : r < 98 ? K_LAUNCH : K_SEAL;
		if (k == K_RELINQUISH)
			pa = pick_pa_in(rn(2) ? REF_LENT : REF_SHARED);
		else if (k == K_RECLAIM)
			pa = pick_pa_in(REF_LENT);
		else if (k == K_UNSHARE)
			pa = pick_pa_in(REF_SHARED);
		else if (k == K_HYP_RETURN)
			pa = pick_pa_in(REF_HYP_DONATED);
		else
			pa = pick_pa();
		pages = pick_pages();
		caller = pick_caller(pa, k == K_RELINQUISH);
		ipa = pick_ipa(caller, pa);
		to = pick_vm();
		to_ipa = pick_to_ipa(to, pa);
		perms = pick_perms();
		if ((k == K_DONATE || k == K_LEND || k == K_SHARE || k == K_LAUNCH) && rn(100) < 3)
			fail_prepare = PAL_E_NO_MEMORY;
		if (k == K_LAUNCH) {
			caller = 1;
			ipa = pa;
			lend_it = rn(2);
		}

		snap_take(&snap);
		fake.fail_prepare = fail_prepare;
		fake_discloser = k == K_SHARE ? (vm_id_t)caller : VM_ID_NONE;
		switch (k) {
		case K_DONATE:
			got = mem_donate((vm_id_t)caller, pa_init(pa), ipa_init(ipa), pages,
					 (vm_id_t)to, ipa_init(to_ipa));
			break;
		case K_LEND:
			got = mem_lend((vm_id_t)caller, pa_init(pa), ipa_init(ipa), pages,
				       (vm_id_t)to, ipa_init(to_ipa), (uint8_t)perms);
			break;
		case K_SHARE:
			got = mem_share((vm_id_t)caller, pa_init(pa), ipa_init(ipa), pages,
					(vm_id_t)to, ipa_init(to_ipa), (uint8_t)perms);
			break;
		case K_RELINQUISH:
			got = mem_relinquish((vm_id_t)caller, pa_init(pa), ipa_init(ipa), pages);
			break;
		case K_RECLAIM:
			got = mem_reclaim((vm_id_t)caller, pa_init(pa), ipa_init(ipa), pages);
			break;
		case K_UNSHARE:
			got = mem_unshare((vm_id_t)caller, pa_init(pa), ipa_init(ipa), pages);
			break;
		case K_HYP_DONATE:
			got = mem_donate_to_hyp(pa_init(pa), pages);
			break;
		case K_HYP_RETURN:
			got = mem_return_from_hyp(pa_init(pa), pages);
			break;
		case K_CREATE:
			to = 2 + (int)rn(6);  /* ids the fake can hold */
			prot = rn(100) < 40;
			got = mem_vm_create((vm_id_t)to, prot ? MEM_VM_PROTECTED : 0);
			break;
		case K_LAUNCH:
			got = mem_launch_give(pa_init(pa), pages, (vm_id_t)to, ipa_init(to_ipa), lend_it);
			break;
		case K_SEAL:
			to = 2 + (int)rn(6);
			got = mem_vm_seal((vm_id_t)to);
			break;
		case K_TEARDOWN:
			to = (int)rn(9);
			got = mem_vm_teardown((vm_id_t)to, pa_init(0), 0, NULL, NULL);
			break;
		default:
			break;
		}
		fake.fail_prepare = 0;
		fake_discloser = VM_ID_NONE;

		if (k <= K_UNSHARE)
			want = ref_call(&model, (enum ref_op)k, caller, pa, ipa, pages, to,
					to_ipa, perms, fail_prepare);
		else if (k == K_HYP_DONATE)
			want = ref_hyp_donate(&model, pa, pages);
		else if (k == K_HYP_RETURN)
			want = ref_hyp_return(&model, pa, pages);
		else if (k == K_CREATE)
			want = ref_create(&model, to, prot);
		else if (k == K_LAUNCH)
			want = ref_call(&model, lend_it ? R_LAUNCH_LEND : R_LAUNCH_DONATE, 1, pa, pa,
					pages, to, to_ipa, 7, fail_prepare);
		else if (k == K_SEAL)
			want = ref_seal(&model, to);
		else
			want = ref_teardown(&model, to);

		tried[k]++;
		by_status[-got & 15]++;
		if (got != want || fake.s.violations) {
			fprintf(stderr, "op %u: %s caller %d pa %#llx ipa %#llx pages %llu to %d "
				"to_ipa %#llx perms %d: module %d, model %d; %s\n", op,
				kind_name[k], caller, (unsigned long long)pa,
				(unsigned long long)ipa, (unsigned long long)pages, to,
				(unsigned long long)to_ipa, perms, got, want,
				fake.s.violations ? fake.first_violation : "");
			fail();
		}
		if (got != PAL_OK)
			assert_true(snap_same(&snap));
		else
			done[k]++;
		compare_with_model(op);
		if (op % 256 == 0)
			assert_int_equal(check_invariants(), 0);
	}
	assert_int_equal(check_invariants(), 0);

	for (int k = 0; k < K_NR; k++) {
		printf("  %-16s %6u calls %6u done\n", kind_name[k], tried[k], done[k]);
		assert_true(done[k] >= 50);  /* the stream really exercises every transition */
	}
	printf("  status:");
	for (int e = 0; e <= 8; e++)
		printf(" %d:%u", -e, by_status[e]);
	printf("\n");
	for (int e = 2; e <= 8; e++)
		assert_true(by_status[e] >= 50 || e == 4);  /* every refusal but NO_MEMORY... */
	assert_true(by_status[4] >= 10);                   /* ...which is injected, rarely */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_vs_model),
	};

	return cmocka_run_group_tests_name("mem_random", tests, NULL, NULL);
}
