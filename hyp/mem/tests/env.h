/*
 * Shared test environment: two RAM regions, a hypervisor carve-out, the module on the
 * fake stage-2, the invariant checker and whole-state snapshots.
 */
#ifndef MEM_TEST_ENV_H
#define MEM_TEST_ENV_H

#include <stdbool.h>
#include <stdint.h>

#include <palisade/error.h>
#include <palisade/mem_own.h>

#include "fake_s2.h"

#define RAM_A 0x40000000ull          /* 64 pages, the first 4 are the hypervisor's */
#define RAM_B 0x100000000ull         /* 64 pages, not adjacent to A */
#define RAM_PAGES_EACH 64
#define RAM_PAGES (2 * RAM_PAGES_EACH)
#define HYP_PAGES 4
#define GIPA 0x80000000ull           /* where tests put guest memory */

#define G2 ((vm_id_t)2)
#define G3 ((vm_id_t)3)
#define G4 ((vm_id_t)4)              /* not created by env_init */

extern const struct mem_region env_ram[2];
extern uint64_t env_table[RAM_PAGES];

/* A page of RAM by index 0..RAM_PAGES-1 (A then B). */
uint64_t env_page(unsigned int i);

/* Fresh module and fake; guests 2 and 3 exist. Returns the init status. */
int env_init(void);

/* Checks every invariant of docs/memory.md against queries and the fake; prints and
 * counts the failures. */
unsigned int check_invariants(void);

struct snapshot {
	uint64_t table[RAM_PAGES];
	struct fake_state s;
};
void snap_take(struct snapshot *s);
bool snap_same(const struct snapshot *s);

/* Transition wrappers: let a guest caller disclose its own pages while it shares. */
int t_share(vm_id_t from, uint64_t pa, uint64_t ipa, uint64_t pages, vm_id_t to,
	    uint64_t to_ipa, uint8_t perms);

#endif
