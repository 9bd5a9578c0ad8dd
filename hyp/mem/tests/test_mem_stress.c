/*
 * Concurrency stress: worker threads hammer the module with lend/share/donate/
 * relinquish/reclaim/unshare, hypervisor donations and VM teardown/re-creation, their
 * arguments read racily from mem_query() so that many calls collide. A reader thread
 * checks that every query answer is self-consistent while this goes on. The fake
 * stage-2 checks ordering on every effect (it runs under the module's lock); afterwards
 * every invariant must hold, and tearing everything down must give the host all RAM back.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "env.h"

#define WORKERS 4
#define ITERATIONS 60000
#define GUESTS 4                    /* guests 2..5 */

struct worker {
	pthread_t thread;
	uint64_t rng;
	unsigned int ok, refused, bad_status;
};

static volatile int stop;
static pthread_barrier_t start;  /* workers and reader begin together */
static unsigned int reader_checks, reader_errors;

static uint64_t rnd(uint64_t *s)  /* splitmix64 */
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static unsigned int rn(uint64_t *s, unsigned int n)
{
	return (unsigned int)(rnd(s) % n);
}

static bool guest(vm_id_t vm)
{
	return vm >= VM_ID_FIRST_GUEST && vm < VM_ID_LIMIT;
}

/* Where vm sees pa right now (racy: only used to make plausible requests). */
static uint64_t ipa_of(vm_id_t vm, uint64_t pa)
{
	struct mem_page_info i;

	if (vm >= VM_ID_LIMIT || mem_query(vm, pa_init(pa), &i) != PAL_OK)
		return 0;
	return ipa_addr(i.ipa);
}

static int one_call(uint64_t *s)
{
	uint64_t pa = env_page(rn(s, RAM_PAGES)), n = 1 + rn(s, 3);
	vm_id_t g = (vm_id_t)(2 + rn(s, GUESTS));
	uint64_t gipa = GIPA + rn(s, 256) * PAGE_SIZE;
	uint8_t perms = (uint8_t)(1 + rn(s, 7));
	struct mem_page_info h;
	int ret;

	mem_query(VM_ID_HYP, pa_init(pa), &h);
	switch (rn(s, 12)) {
	case 0:
	case 1:
		return mem_lend(VM_ID_HOST, pa_init(pa), ipa_init(pa), n, g, ipa_init(gipa), perms);
	case 2:
		return t_share(VM_ID_HOST, pa, pa, n, g, gipa, perms);
	case 3:
		return mem_donate(VM_ID_HOST, pa_init(pa), ipa_init(pa), n, g, ipa_init(gipa));
	case 4:
	case 5:
		return mem_relinquish(h.borrower, pa_init(pa),
				      ipa_init(ipa_of(h.borrower, pa)), 1);
	case 6:
		return mem_reclaim(h.owner, pa_init(pa), ipa_init(ipa_of(h.owner, pa)), 1);
	case 7:
		return mem_unshare(h.owner, pa_init(pa), ipa_init(ipa_of(h.owner, pa)), 1);
	case 8:
		if (!guest(h.owner))
			return PAL_E_DENIED;
		return t_share(h.owner, pa, ipa_of(h.owner, pa), 1, VM_ID_HOST, pa, perms);
	case 9:
		return mem_donate(h.owner, pa_init(pa), ipa_init(ipa_of(h.owner, pa)), 1,
				  VM_ID_HOST, ipa_init(pa));
	case 10:
		if (h.state == MEM_HYP_DONATED)
			return mem_return_from_hyp(pa_init(pa), 1);
		return mem_donate_to_hyp(pa_init(pa), n);
	default:
		if (rn(s, 8))
			return PAL_OK;
		ret = mem_vm_teardown(g, pa_init(0), 0, NULL, NULL);
		if (ret == PAL_OK || ret == PAL_E_NOT_FOUND)
			ret = mem_vm_create(g, 0);
		return ret;
	}
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	pthread_barrier_wait(&start);
	for (unsigned int i = 0; i < ITERATIONS; i++) {
		int ret = one_call(&w->rng);

		if (ret == PAL_OK)
			w->ok++;
		else if (ret == PAL_E_INVALID || ret == PAL_E_DENIED || ret == PAL_E_BUSY ||
			 ret == PAL_E_STATE || ret == PAL_E_NOT_FOUND || ret == PAL_E_RANGE)
			w->refused++;
		else
			w->bad_status++;
	}
	return NULL;
}

/* Every answer is one consistent snapshot of one entry. */
static void *reader_main(void *arg)
{
	uint64_t s = 42;

	(void)arg;
	pthread_barrier_wait(&start);
	while (!__atomic_load_n(&stop, __ATOMIC_ACQUIRE)) {
		uint64_t pa = env_page(rn(&s, RAM_PAGES));
		vm_id_t vm = (vm_id_t)rn(&s, FAKE_VMS);
		struct mem_page_info i;
		bool ok;

		if (mem_query(vm, pa_init(pa), &i) != PAL_OK) {
			reader_errors++;
			continue;
		}
		ok = ((i.state == MEM_LENT || i.state == MEM_SHARED) == (i.borrower != VM_ID_NONE)) &&
		     i.owner != i.borrower &&
		     (i.view == MEM_VIEW_NONE) == (vm != i.owner && vm != i.borrower) &&
		     (i.view != MEM_VIEW_LENT || i.perms == 0) &&
		     (i.view != MEM_VIEW_BORROWED || i.perms != 0) &&
		     (i.owner != VM_ID_HYP || i.perms == 0) &&
		     (vm != VM_ID_HOST || i.perms == 0 || ipa_addr(i.ipa) == pa);
		reader_errors += !ok;
		reader_checks++;
	}
	return NULL;
}

static void test_stress(void **state)
{
	struct worker w[WORKERS];
	pthread_t reader;
	unsigned int ok = 0, refused = 0;

	(void)state;
	assert_int_equal(env_init(), PAL_OK);
	assert_int_equal(mem_vm_create(4, 0), PAL_OK);
	assert_int_equal(mem_vm_create(5, 0), PAL_OK);

	assert_int_equal(pthread_barrier_init(&start, NULL, WORKERS + 1), 0);
	assert_int_equal(pthread_create(&reader, NULL, reader_main, NULL), 0);
	for (int i = 0; i < WORKERS; i++) {
		w[i] = (struct worker){ .rng = 0x57e55ull + (uint64_t)i };
		assert_int_equal(pthread_create(&w[i].thread, NULL, worker_main, &w[i]), 0);
	}
	for (int i = 0; i < WORKERS; i++) {
		assert_int_equal(pthread_join(w[i].thread, NULL), 0);
		assert_int_equal(w[i].bad_status, 0);
		ok += w[i].ok;
		refused += w[i].refused;
	}
	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
	assert_int_equal(pthread_join(reader, NULL), 0);
	pthread_barrier_destroy(&start);
	printf("  %u calls done, %u refused; reader: %u checks, %u errors\n", ok, refused,
	       reader_checks, reader_errors);
	assert_int_equal(reader_errors, 0);
	assert_true(ok > WORKERS * ITERATIONS / 10);
	assert_int_equal(check_invariants(), 0);

	/* Everything back: tear down every guest, return every hypervisor donation. */
	for (vm_id_t g = 2; g < 2 + GUESTS; g++)
		assert_true(mem_vm_teardown(g, pa_init(0), 0, NULL, NULL) == PAL_OK || !"guest gone");
	for (unsigned int i = 0; i < RAM_PAGES; i++) {
		struct mem_page_info h;

		assert_int_equal(mem_query(VM_ID_HYP, pa_init(env_page(i)), &h), PAL_OK);
		if (h.state == MEM_HYP_DONATED)
			assert_int_equal(mem_return_from_hyp(pa_init(env_page(i)), 1), PAL_OK);
		assert_int_equal(mem_query(VM_ID_HOST, pa_init(env_page(i)), &h), PAL_OK);
		assert_int_equal(h.view, i < HYP_PAGES ? MEM_VIEW_NONE : MEM_VIEW_OWNED);
	}
	assert_int_equal(fake.s.vm[VM_ID_HOST].n, RAM_PAGES - HYP_PAGES);
	assert_int_equal(check_invariants(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stress),
	};

	return cmocka_run_group_tests_name("mem_stress", tests, NULL, NULL);
}
