/* Per-CPU state (see palisade/cpu.h). */
#include <stddef.h>
#include "palisade/cpu.h"

/* arch/aarch64/probe.S addresses these fields by offset. */
_Static_assert(offsetof(struct cpu, probe_armed) == 0, "probe.S offset");
_Static_assert(offsetof(struct cpu, probe_resume) == 8, "probe.S offset");
_Static_assert(offsetof(struct cpu, probe_esr) == 16, "probe.S offset");

struct cpu cpus[CPU_MAX];
uint32_t cpu_count;

uint32_t cpus_online(void)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < cpu_count; i++)
		n += cpus[i].online;
	return n;
}
