/*
 * Range lists shared by the manifest parser and the host device-tree rewriter. Private
 * to loader/src. Lists are plain arrays with a count; every operation is bounded.
 */
#ifndef LOADER_RANGES_H
#define LOADER_RANGES_H

#include <stdint.h>

struct u64_range {
	uint64_t base;
	uint64_t end;      /* exclusive; base < end */
};

/*
 * Removes [base, end) from the list in place, splitting a range that straddles it.
 * Returns 0, or -1 when a split would need more than 'max' entries.
 */
int ranges_subtract(struct u64_range *list, unsigned *count, unsigned max,
		    uint64_t base, uint64_t end);

/* Sorts the list by base (insertion sort: lists are short). */
void ranges_sort(struct u64_range *list, unsigned count);

static inline uint64_t align_down(uint64_t v, uint64_t a)
{
	return v & ~(a - 1);
}

/* Rounds up; false when that overflows. */
static inline int align_up(uint64_t v, uint64_t a, uint64_t *out)
{
	if (v > UINT64_MAX - (a - 1))
		return 0;
	*out = (v + a - 1) & ~(a - 1);
	return 1;
}

#endif /* LOADER_RANGES_H */
