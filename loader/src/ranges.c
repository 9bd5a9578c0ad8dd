/* Range lists: see ranges.h. */
#include "ranges.h"

int ranges_subtract(struct u64_range *list, unsigned *count, unsigned max,
		    uint64_t base, uint64_t end)
{
	unsigned n = *count;

	for (unsigned i = 0; i < n; i++) {
		struct u64_range r = list[i];

		if (end <= r.base || base >= r.end)
			continue;
		if (base > r.base && end < r.end) {
			/* A hole in the middle: keep both sides. */
			if (n == max)
				return -1;
			list[i].end = base;
			list[n].base = end;
			list[n].end = r.end;
			n++;
		} else if (base > r.base) {
			list[i].end = base;
		} else if (end < r.end) {
			list[i].base = end;
		} else {
			/* Fully covered: drop it and look at what moved into slot i. */
			list[i] = list[--n];
			i--;
		}
	}
	*count = n;
	return 0;
}

void ranges_sort(struct u64_range *list, unsigned count)
{
	for (unsigned i = 1; i < count; i++) {
		struct u64_range r = list[i];
		unsigned j = i;

		while (j > 0 && list[j - 1].base > r.base) {
			list[j] = list[j - 1];
			j--;
		}
		list[j] = r;
	}
}
