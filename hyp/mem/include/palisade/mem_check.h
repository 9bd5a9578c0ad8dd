/*
 * Debug-build invariant checker of the ownership table (docs/memory.md, "Invariants").
 *
 * Compiled only when PALISADE_MEM_CHECK is defined (the debug hypervisor image,
 * palisade-hyp-debug.bin, built with -DPALISADE_DEBUG_INVARIANTS=ON, and the host unit
 * tests): hyp/mem/src/mem_check.c is #included at the end of mem_own.c so that it reads
 * the table directly, under the ownership lock, without widening the module's interface.
 * It recomputes from each entry, independently of mem_own.c's own access_of(), what
 * every VM may reach and compares it with the stage-2s, which it reads only through the
 * callbacks below (the integrator takes each VM's lock in them: lock order db.lock ->
 * VM lock, as for struct mem_s2_ops).
 *
 * Checked:
 *  - I1/I2/I5 per entry: a known state, owner and borrower consistent with it, perms
 *    non-zero and at most RWX exactly when lent or shared, HYP_DONATED owned by the
 *    hypervisor, nobody lends but the host, no lending or sharing between two guests, no
 *    page owned by or lent to a VM id that is not live;
 *  - I3/I4 (full check): each VM's stage-2 maps, for RAM, exactly the pages the table
 *    gives it, each at the IPA and with the permissions the table says (the host
 *    identity), Normal memory; no hypervisor page is in any stage-2; VM ids that are not
 *    live map no RAM;
 *  - the same per page for a range (quick check): the host's identity mapping of each
 *    page, and the guest party's mapping at its IPA;
 *  - the integrator's per-VM and global accounting (check_vm, check_global: page pools),
 *    and that each live VM's metadata range is HYP_DONATED.
 * Cost: the full check is O(RAM pages + stage-2 leaves), one pass over the table and one
 * over every VM's leaves (blocks expanded to pages); the quick check O(pages).
 */
#ifndef PALISADE_MEM_CHECK_H
#define PALISADE_MEM_CHECK_H

#include <stdbool.h>
#include <stdint.h>

#include <palisade/addr.h>
#include <palisade/vmid.h>

/* A stage-2 descriptor: prot is S2_R/W/X (same values as MEM_PERM_*) | 0x8 for Device. */
typedef int (*mem_check_leaf_fn)(void *arg, uint64_t ipa, uint64_t pa, uint64_t size,
				 unsigned prot);

#define MEM_CHECK_PROT_DEVICE 0x8u

struct mem_check_vm {
	bool exists;          /* the integrator has a stage-2 for this id */
	paddr_t meta_pa;      /* its metadata pages (HYP_DONATED), 0 pages: none */
	uint64_t meta_pages;
	const char *problem;  /* an accounting problem found by the integrator, or NULL */
};

struct mem_check_ops {
	void *ctx;
	/* Every leaf of vm's stage-2, in any order (PAL_E_NOT_FOUND: vm has no stage-2). */
	int (*for_each_leaf)(void *ctx, vm_id_t vm, mem_check_leaf_fn fn, void *arg);
	/* One page of vm's stage-2: PAL_OK with *pa and *prot, else PAL_E_NOT_FOUND. */
	int (*lookup)(void *ctx, vm_id_t vm, uint64_t ipa, uint64_t *pa, unsigned *prot);
	/* What the integrator knows about vm (pools, metadata); may be NULL. */
	void (*check_vm)(void *ctx, vm_id_t vm, struct mem_check_vm *out);
	/* Global accounting (the hypervisor's page pool): NULL when sane; may be NULL. */
	const char *(*check_global)(void *ctx);
	/* One violation: a short description and up to three numbers. */
	void (*report)(void *ctx, const char *what, uint64_t a, uint64_t b, uint64_t c);
};

/* Whole table and every stage-2 (ids 1..63), under the ownership lock. Returns the
 * number of violations reported (each reported once through ops->report; at most
 * MEM_CHECK_MAX_REPORTS per call, the rest only counted). */
#define MEM_CHECK_MAX_REPORTS 8
unsigned mem_check_full(const struct mem_check_ops *ops);

/* The pages of [pa, pa + pages) that are RAM (others skipped): each entry's consistency
 * and the mappings it implies (host by identity, the guest party at its IPA) present
 * with the right permissions; the host's identity IPA unmapped when it has no access.
 * Under the ownership lock. */
unsigned mem_check_range(const struct mem_check_ops *ops, paddr_t pa, uint64_t pages);

#endif /* PALISADE_MEM_CHECK_H */
