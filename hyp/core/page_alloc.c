/*
 * Bitmap page allocator for hypervisor-private memory: see palisade/page_alloc.h.
 * Lock: pool->lock only; it is a leaf lock (nothing else is taken while it is held).
 */
#include <string.h>
#include "palisade/error.h"
#include "palisade/page_alloc.h"

#define BITS 64

static bool bit_get(const uint64_t *bm, uint64_t i) { return (bm[i / BITS] >> (i % BITS)) & 1; }
static void bit_set(uint64_t *bm, uint64_t i) { bm[i / BITS] |= 1ull << (i % BITS); }
static void bit_clear(uint64_t *bm, uint64_t i) { bm[i / BITS] &= ~(1ull << (i % BITS)); }

size_t page_pool_bitmap_bytes(uint64_t pages)
{
	return (size_t)((pages + BITS - 1) / BITS) * sizeof(uint64_t);
}

int page_pool_init(struct page_pool *pool, uint64_t base, uint64_t pages, uint64_t *bitmap)
{
	uint64_t end;

	if (!pool || !bitmap || pages == 0 || (base & PAGE_MASK) ||
	    !range_end(base, pages << PAGE_SHIFT, &end) || (pages >> (64 - PAGE_SHIFT)))
		return PAL_E_INVALID;
	memset(bitmap, 0, page_pool_bitmap_bytes(pages));
	pool->lock = (spinlock_t)SPINLOCK_INIT;
	pool->base = base;
	pool->pages = pages;
	pool->free_pages = pages;
	pool->bitmap = bitmap;
	return PAL_OK;
}

uint64_t page_alloc(struct page_pool *pool, uint64_t count)
{
	return page_alloc_aligned(pool, count, 1);
}

uint64_t page_alloc_aligned(struct page_pool *pool, uint64_t count, uint64_t align_pages)
{
	uint64_t found = 0, run = 0, start = 0;

	if (count == 0 || count > pool->pages || align_pages == 0 ||
	    (align_pages & (align_pages - 1)))
		return 0;
	spin_lock(&pool->lock);
	if (count <= pool->free_pages) {
		for (uint64_t i = 0; i < pool->pages; i++) {
			if (bit_get(pool->bitmap, i)) {
				run = 0;
				continue;
			}
			/* A run may only start on an aligned address. */
			if (run == 0 && (((pool->base >> PAGE_SHIFT) + i) & (align_pages - 1)))
				continue;
			if (run++ == 0)
				start = i;
			if (run == count) {
				for (uint64_t j = start; j < start + count; j++)
					bit_set(pool->bitmap, j);
				pool->free_pages -= count;
				found = pool->base + (start << PAGE_SHIFT);
				break;
			}
		}
	}
	spin_unlock(&pool->lock);
	if (found)
		memset((void *)(uintptr_t)found, 0, count << PAGE_SHIFT);
	return found;
}

int page_free(struct page_pool *pool, uint64_t addr, uint64_t count)
{
	int ret = PAL_OK;
	uint64_t first;

	if ((addr & PAGE_MASK) || addr < pool->base || count == 0)
		return PAL_E_INVALID;
	first = (addr - pool->base) >> PAGE_SHIFT;
	if (first >= pool->pages || count > pool->pages - first)
		return PAL_E_INVALID;

	spin_lock(&pool->lock);
	/* Check the whole range first, so a bad request frees nothing. */
	for (uint64_t i = first; i < first + count; i++) {
		if (!bit_get(pool->bitmap, i)) {
			ret = PAL_E_INVALID;
			break;
		}
	}
	if (ret == PAL_OK) {
		for (uint64_t i = first; i < first + count; i++)
			bit_clear(pool->bitmap, i);
		pool->free_pages += count;
	}
	spin_unlock(&pool->lock);
	return ret;
}
