/*
 * The hypervisor's own stage-1 translation (EL2&0 regime, VHE), identity mapped
 * (VA == PA). W^X is enforced twice: mmu_map() refuses writable+executable, and
 * SCTLR_EL2.WXN makes the hardware treat every writable page as execute-never.
 */
#ifndef PALISADE_MMU_H
#define PALISADE_MMU_H

#include <stdint.h>
#include "palisade/page_alloc.h"

#define MMU_R       (1u << 0)
#define MMU_W       (1u << 1)
#define MMU_X       (1u << 2)
#define MMU_DEVICE  (1u << 3)

/* Sets up an empty address space whose tables come from 'pool'. */
int mmu_init(struct page_pool *pool);

/* Maps [va, va+size) to pa; page aligned; never replaces an existing mapping. */
int mmu_map(uint64_t va, uint64_t pa, uint64_t size, unsigned attrs);

/* Turns translation on for the calling CPU (boot CPU first; secondaries copy its regs). */
void mmu_enable(void);

/* What is mapped at va: attrs of the leaf entry, or 0 if unmapped. */
unsigned mmu_lookup(uint64_t va);

#endif
