/*
 * Fake stage-2 for the ownership tests: per-VM IPA -> PA + perms maps, TLBs that keep
 * unmapped entries until flushed, and a content tag per RAM page. It implements
 * struct mem_s2_ops and checks, as the module drives it, the properties the hardware
 * would need: nothing is mapped twice or unmapped when absent, no page is zeroed or
 * given to anyone while an old TLB entry still reaches it, and no guest's data reaches
 * another VM unless that guest is disclosing it itself (share/lend of its own page).
 */
#ifndef MEM_TEST_FAKE_S2_H
#define MEM_TEST_FAKE_S2_H

#include <stdint.h>
#include <palisade/mem_own.h>

#define FAKE_VMS 8          /* vm ids 0..7 can hold mappings */
#define FAKE_MAPS 256       /* mappings per VM */
#define FAKE_PAGES 256      /* RAM pages whose content is tracked */
#define FAKE_REGIONS 4
#define FAKE_IPA_LIMIT ((uint64_t)1 << 40)  /* guests' IPA space in the fake */

struct fake_map {
	uint64_t ipa;
	uint64_t pa;
	uint64_t perms;
};

struct fake_vm {
	uint32_t n, nstale;
	struct fake_map map[FAKE_MAPS];    /* sorted by ipa, unused slots zero */
	struct fake_map stale[FAKE_MAPS];  /* unmapped, still in the TLB */
};

/* Everything a transition may change; compared byte for byte around failed calls. */
struct fake_state {
	struct fake_vm vm[FAKE_VMS];
	/* 0: zero (or host data); else the guest that last had the page to itself */
	uint16_t content[FAKE_PAGES];
	uint64_t map_calls, unmap_calls, flush_calls, zero_calls, zeroed_pages;
	uint64_t violations;
};

struct fake_s2 {
	struct fake_state s;
	/* below: not part of the compared state */
	char first_violation[256];
	uint64_t prepare_calls;
	int fail_prepare;            /* if nonzero, the next prepare_map returns it */
	uint64_t tables_limit;       /* if nonzero, more tables than this in one call fail */
	uint64_t tables_needed_calls, last_tables;
	unsigned int nr;
	struct { uint64_t base_pfn, pages, index; } rg[FAKE_REGIONS];
};

extern struct fake_s2 fake;
extern const struct mem_s2_ops fake_ops;
/* The guest that the current thread's call lets disclose its pages (VM_ID_NONE: none). */
extern _Thread_local vm_id_t fake_discloser;

void fake_init(const struct mem_region *ram, unsigned int nr);
int fake_page_index(uint64_t pa);  /* -1 if not RAM */
const struct fake_map *fake_lookup(vm_id_t vm, uint64_t ipa);
/* How many VMs map pa, and the mapping of pa in vm (NULL if none). */
unsigned int fake_mappers(uint64_t pa);
const struct fake_map *fake_find_pa(vm_id_t vm, uint64_t pa);

#endif
