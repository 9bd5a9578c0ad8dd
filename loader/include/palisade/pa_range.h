/*
 * A range of host physical memory, as the loader passes it around: RAM regions, the
 * hypervisor's reserved memory, images placed by QEMU, guest memory backing.
 * Portable. A valid range has size > 0 and base + size does not wrap.
 */
#ifndef PALISADE_PA_RANGE_H
#define PALISADE_PA_RANGE_H

#include <stdbool.h>
#include <stdint.h>

#include "palisade/addr.h"

struct pa_range {
	paddr_t base;
	uint64_t size;
};

static inline struct pa_range pa_range_init(uint64_t base, uint64_t size)
{
	return (struct pa_range){ pa_init(base), size };
}

/* Exclusive end; only meaningful for a valid range. */
static inline uint64_t pa_range_end(struct pa_range r)
{
	return pa_addr(r.base) + r.size;
}

static inline bool pa_range_valid(struct pa_range r)
{
	uint64_t end;

	return r.size != 0 && range_end(pa_addr(r.base), r.size, &end);
}

static inline bool pa_range_overlap(struct pa_range a, struct pa_range b)
{
	return pa_addr(a.base) < pa_range_end(b) && pa_addr(b.base) < pa_range_end(a);
}

static inline bool pa_range_contains(struct pa_range outer, struct pa_range inner)
{
	return pa_addr(inner.base) >= pa_addr(outer.base) &&
	       pa_range_end(inner) <= pa_range_end(outer);
}

#endif /* PALISADE_PA_RANGE_H */
