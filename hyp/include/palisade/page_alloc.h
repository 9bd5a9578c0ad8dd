/*
 * Page allocator for hypervisor-private memory (page tables, per-VM metadata).
 * Portable. A bitmap over one contiguous pool: first-fit, contiguous runs, zeroed pages.
 * The pool is fixed at boot; later growth comes only from memory the host donates.
 */
#ifndef PALISADE_PAGE_ALLOC_H
#define PALISADE_PAGE_ALLOC_H

#include <stddef.h>
#include <stdint.h>
#include "palisade/addr.h"
#include "palisade/spinlock.h"

struct page_pool {
	spinlock_t lock;
	uint64_t base;          /* address of page 0 (as mapped at EL2: VA == PA) */
	uint64_t pages;         /* pages in the pool */
	uint64_t free_pages;
	uint64_t *bitmap;       /* 1 bit per page, set = allocated */
};

/* Bytes of bitmap a pool of 'pages' needs. */
size_t page_pool_bitmap_bytes(uint64_t pages);

/* base must be page aligned; bitmap must hold page_pool_bitmap_bytes(pages). */
int page_pool_init(struct page_pool *pool, uint64_t base, uint64_t pages, uint64_t *bitmap);

/* Allocates 'count' contiguous zeroed pages; returns their address or 0. */
uint64_t page_alloc(struct page_pool *pool, uint64_t count);

/* Same, with the first page's address a multiple of align_pages pages (a power of two). */
uint64_t page_alloc_aligned(struct page_pool *pool, uint64_t count, uint64_t align_pages);

/* Frees pages from page_alloc. Returns PAL_E_INVALID (and frees nothing) for a range that
 * is not inside the pool, not page aligned, or not entirely allocated. */
int page_free(struct page_pool *pool, uint64_t addr, uint64_t count);

#endif
