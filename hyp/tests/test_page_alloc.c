/* The hypervisor page allocator, over a host buffer. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "palisade/error.h"
#include "palisade/page_alloc.h"

#define POOL_PAGES 100

struct fixture {
	struct page_pool pool;
	uint8_t *mem;
	uint64_t *bitmap;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	f->mem = aligned_alloc(PAGE_SIZE, POOL_PAGES * PAGE_SIZE);
	memset(f->mem, 0xa5, POOL_PAGES * PAGE_SIZE);  /* dirty: allocation must zero */
	f->bitmap = malloc(page_pool_bitmap_bytes(POOL_PAGES));
	assert_int_equal(page_pool_init(&f->pool, (uintptr_t)f->mem, POOL_PAGES, f->bitmap), PAL_OK);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	free(f->mem);
	free(f->bitmap);
	free(f);
	return 0;
}

static void test_alloc_is_zeroed_aligned_and_disjoint(void **state)
{
	struct fixture *f = *state;
	uint64_t a = page_alloc(&f->pool, 1), b = page_alloc(&f->pool, 10);

	assert_true(a && b);
	assert_int_equal(a & PAGE_MASK, 0);
	assert_true(b >= a + PAGE_SIZE || a >= b + 10 * PAGE_SIZE);
	for (size_t i = 0; i < 10 * PAGE_SIZE; i++)
		assert_int_equal(((uint8_t *)(uintptr_t)b)[i], 0);
	assert_int_equal(f->pool.free_pages, POOL_PAGES - 11);
}

static void test_exhaustion_and_reuse(void **state)
{
	struct fixture *f = *state;
	uint64_t all = page_alloc(&f->pool, POOL_PAGES);

	assert_true(all);
	assert_int_equal(page_alloc(&f->pool, 1), 0);
	assert_int_equal(page_free(&f->pool, all + 5 * PAGE_SIZE, 2), PAL_OK);
	assert_int_equal(page_alloc(&f->pool, 3), 0);  /* only a 2-page hole */
	assert_int_equal(page_alloc(&f->pool, 2), all + 5 * PAGE_SIZE);
	assert_int_equal(page_alloc(&f->pool, 0), 0);
	assert_int_equal(page_alloc(&f->pool, POOL_PAGES + 1), 0);
}

static void test_bad_frees_change_nothing(void **state)
{
	struct fixture *f = *state;
	uint64_t a = page_alloc(&f->pool, 4);
	uint64_t before = f->pool.free_pages;
	uint64_t end = f->pool.base + POOL_PAGES * PAGE_SIZE;

	assert_int_equal(page_free(&f->pool, a + 1, 1), PAL_E_INVALID);          /* unaligned */
	assert_int_equal(page_free(&f->pool, a, 5), PAL_E_INVALID);              /* past the run */
	assert_int_equal(page_free(&f->pool, a, 0), PAL_E_INVALID);
	assert_int_equal(page_free(&f->pool, f->pool.base - PAGE_SIZE, 1), PAL_E_INVALID);
	assert_int_equal(page_free(&f->pool, end, 1), PAL_E_INVALID);
	assert_int_equal(page_free(&f->pool, a, UINT64_MAX), PAL_E_INVALID);     /* overflow */
	assert_int_equal(f->pool.free_pages, before);
	assert_int_equal(page_free(&f->pool, a, 4), PAL_OK);
	assert_int_equal(page_free(&f->pool, a, 4), PAL_E_INVALID);              /* double free */
	assert_int_equal(f->pool.free_pages, before + 4);
}

static void test_aligned_allocation(void **state)
{
	struct fixture *f = *state;
	uint64_t a = page_alloc(&f->pool, 1);
	uint64_t b = page_alloc_aligned(&f->pool, 2, 4);

	assert_true(a && b);
	assert_int_equal((b >> PAGE_SHIFT) & 3, 0);
	assert_int_equal(page_alloc_aligned(&f->pool, 1, 3), 0);   /* not a power of two */
	assert_int_equal(page_alloc_aligned(&f->pool, 1, 0), 0);
	assert_int_equal(page_free(&f->pool, b, 2), PAL_OK);
}

static void test_init_validates(void **state)
{
	struct page_pool p;
	uint64_t bm[2];
	(void)state;

	assert_int_equal(page_pool_init(&p, 0x1001, 10, bm), PAL_E_INVALID);
	assert_int_equal(page_pool_init(&p, 0x1000, 0, bm), PAL_E_INVALID);
	assert_int_equal(page_pool_init(&p, 0x1000, 10, NULL), PAL_E_INVALID);
	assert_int_equal(page_pool_init(&p, UINT64_MAX & ~PAGE_MASK, 2, bm), PAL_E_INVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_alloc_is_zeroed_aligned_and_disjoint, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exhaustion_and_reuse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_frees_change_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_aligned_allocation, setup, teardown),
		cmocka_unit_test(test_init_validates),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
