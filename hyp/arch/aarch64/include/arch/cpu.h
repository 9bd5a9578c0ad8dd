/*
 * The arch interface the core uses: CPU identity, per-CPU pointer, barriers, timing.
 */
#ifndef ARCH_CPU_H
#define ARCH_CPU_H

#include <stdbool.h>
#include <stdint.h>
#include "arch/sysreg.h"

struct cpu;

static inline struct cpu *arch_this_cpu(void)
{
	return (struct cpu *)read_sysreg(tpidr_el2);
}

static inline void arch_set_this_cpu(struct cpu *c)
{
	write_sysreg(tpidr_el2, (uint64_t)c);
}

static inline uint64_t arch_mpidr_affinity(void)
{
	return read_sysreg(mpidr_el1) & 0xff00ffffffull;
}

static inline uint64_t arch_counter(void) { isb(); return read_sysreg(cntpct_el0); }
static inline uint64_t arch_counter_freq(void) { return read_sysreg(cntfrq_el0); }

/*
 * Cleans [va, va + size) to the point of coherency, so an observer with caches off (a
 * guest starting with its MMU off) sees what EL2 or the host wrote. The line size comes
 * from CTR_EL0.DminLine.
 */
static inline void arch_clean_dcache_poc(uint64_t va, uint64_t size)
{
	uint64_t line = 4ull << ((read_sysreg(ctr_el0) >> 16) & 0xf);

	for (uint64_t a = va & ~(line - 1); a < va + size; a += line)
		__asm__ volatile("dc cvac, %0" : : "r"(a) : "memory");
	__asm__ volatile("dsb ish" ::: "memory");
}

/*
 * Cleans and invalidates [va, va + size) to the point of coherency: dirty lines reach
 * memory and no line is left, so the next read fetches what is in memory (not what a
 * cache kept from before, e.g. under another mapping's attributes).
 */
static inline void arch_clean_inval_dcache_poc(uint64_t va, uint64_t size)
{
	uint64_t line = 4ull << ((read_sysreg(ctr_el0) >> 16) & 0xf);

	for (uint64_t a = va & ~(line - 1); a < va + size; a += line)
		__asm__ volatile("dc civac, %0" : : "r"(a) : "memory");
	__asm__ volatile("dsb ish" ::: "memory");
}

/* Invalidates every instruction cache of the inner shareable domain (all CPUs), so
 * code just written or measured is what gets fetched. */
static inline void arch_icache_inval_all(void)
{
	__asm__ volatile("dsb ish; ic ialluis; dsb ish; isb" ::: "memory");
}

/*
 * Zeroes [va, va + size) (page aligned) with DC ZVA, a whole block per instruction, when
 * DCZID_EL0 allows it (DZP clear); else with 8-byte stores. Returns nothing until done.
 */
static inline void arch_zero_pages(uint64_t va, uint64_t size)
{
	uint64_t dczid = read_sysreg(dczid_el0);

	if (!(dczid & (1u << 4))) {
		uint64_t block = 4ull << (dczid & 0xf);

		for (uint64_t a = va; a < va + size; a += block)
			__asm__ volatile("dc zva, %0" : : "r"(a) : "memory");
	} else {
		for (uint64_t a = va; a < va + size; a += 8)
			*(volatile uint64_t *)(uintptr_t)a = 0;
	}
}

/*
 * Waits for an interrupt, then takes it: the one idiom for every wait loop at EL2. The
 * WFI runs with IRQs masked (a pending interrupt still ends it) and the interrupt is taken
 * right after. Unmasking before the WFI instead lets an interrupt that arrived after the
 * caller's last check be taken between the unmask and the WFI: its work is done, the
 * caller's condition is true, and the WFI sleeps until some unrelated interrupt, possibly
 * forever (the lost wake-up behind issue #4 and the selftest hang of issue #15).
 */
static inline void arch_wait_for_interrupt(void)
{
	__asm__ volatile("dsb sy; wfi; msr daifclr, #2; isb; msr daifset, #2" ::: "memory");
}

static inline void arch_irq_mask_all(void) { __asm__ volatile("msr daifset, #0xf" ::: "memory"); }

/* Park this CPU for good: interrupts masked, low-power wait. Used after a fatal error. */
static inline __attribute__((noreturn)) void arch_cpu_park(void)
{
	arch_irq_mask_all();
	for (;;)
		wfi();
}

/* Checks, at boot, the CPU features Palisade needs. Returns NULL or what is missing. */
const char *arch_check_features(void);

/* Stage-1 translation probes (AT S1E2R/W): true when the access would be permitted. */
bool arch_at_can_read(uintptr_t va);
bool arch_at_can_write(uintptr_t va);

/* Fault probes used by self-tests: try the access, return the ESR of the fault it took
 * (0 if it did not fault). Only meaningful while probing is armed (see exception.c). */
uint64_t arch_probe_write(volatile uint64_t *addr, uint64_t value);
uint64_t arch_probe_exec(uintptr_t addr);

#endif
