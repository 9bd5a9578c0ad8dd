/*
 * Stage-2 translation tables: a VM's guest physical (IPA) -> physical (PA) map.
 *
 * Portable (EL2 and host unit tests): no system registers, no barriers of its own.
 * Hardware effects (table memory, TLB maintenance) go through struct s2_mm_ops.
 *
 * Format (Arm ARM, VMSAv8-64 stage 2): 4 KiB granule, 40-bit IPA (VTCR_EL2.T0SZ = 24),
 * walk starting at level 1 (SL0 = 1) from two concatenated level-1 tables (8 KiB root,
 * 8 KiB aligned); 1 GiB blocks at level 1, 2 MiB blocks at level 2, 4 KiB pages at
 * level 3; output addresses up to 48 bits. docs/architecture.md, "Stage-2 translation".
 *
 * Every call validates its arguments and either succeeds or returns a PAL_E_* code
 * having changed nothing: the whole range is checked first, then every table the call
 * needs is counted and allocated, and only then is anything written.
 *
 * Locking: a page table has no lock of its own. Callers serialise every call on the same
 * struct s2_pgtable (including s2_lookup and s2_for_each_leaf, which read tables that a
 * concurrent unmap may free) with the owning VM's lock.
 *
 * Tables are reached by their physical address: the module assumes the table memory is
 * mapped VA == PA (EL2's identity map; on the host, the pointer is the "PA").
 */
#ifndef PALISADE_STAGE2_H
#define PALISADE_STAGE2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <palisade/addr.h>
#include <palisade/error.h>

/* Permission flags (the same R/W/X values as MEM_PERM_*). */
#define S2_R      0x1u  /* data reads */
#define S2_W      0x2u  /* data writes */
#define S2_X      0x4u  /* instruction fetch at EL1 and EL0 */
#define S2_DEVICE 0x8u  /* Device-nGnRE instead of Normal write-back; never with S2_X */
#define S2_PROT_MASK (S2_R | S2_W | S2_X | S2_DEVICE)

#define S2_IPA_BITS    40
#define S2_IPA_LIMIT   ((uint64_t)1 << S2_IPA_BITS)
#define S2_PA_BITS     48                     /* descriptor output address field [47:12] */
#define S2_PA_LIMIT    ((uint64_t)1 << S2_PA_BITS)
#define S2_START_LEVEL 1
#define S2_ROOT_BYTES  8192                   /* two concatenated level-1 tables */
#define S2_TABLE_BYTES 4096                   /* every level-2 and level-3 table */
#define S2_VMID_BITS   8                      /* VTCR_EL2.VS = 0 */

#define S2_PAGE_SIZE   ((uint64_t)1 << 12)    /* level 3 page */
#define S2_BLOCK_2M    ((uint64_t)1 << 21)    /* level 2 block */
#define S2_BLOCK_1G    ((uint64_t)1 << 30)    /* level 1 block */

/*
 * What the integrator provides. All callbacks are mandatory and are called with the
 * caller's VM lock held.
 */
struct s2_mm_ops {
	/*
	 * bytes is S2_ROOT_BYTES (once, by s2_init) or S2_TABLE_BYTES. Returns memory
	 * aligned to bytes, with *pa its physical address, which must equal the returned
	 * pointer (see above) and lie below S2_PA_LIMIT; NULL when out of memory. The
	 * module zeroes the table itself, so a stale table can never map anything.
	 */
	void *(*alloc_table)(void *cookie, size_t bytes, paddr_t *pa);
	void (*free_table)(void *cookie, void *va, size_t bytes);
	/*
	 * Make the new descriptors of [ipa, ipa + size) visible to every CPU's walker and
	 * remove every TLB and walk-cache entry of this VM for the range, complete on
	 * return. Called exactly once at the end of each successful s2_map, s2_unmap and
	 * s2_protect with that call's whole range, and once more per block split
	 * (break-before-make) with the block's range, before the new table is installed.
	 * Never called by a call that fails. Tables emptied by an unmap are freed only
	 * after the final call, so the invalidation must cover intermediate levels too.
	 */
	void (*tlb_inv_ipa)(void *cookie, ipaddr_t ipa, uint64_t size);
	void *cookie;
};

struct s2_pgtable {
	uint64_t *root;             /* 1024 level-1 entries; NULL when not initialised */
	paddr_t root_pa;
	struct s2_mm_ops ops;       /* a copy, so the caller's struct may go away */
};

/* Allocates the root. PAL_E_INVALID for a missing callback, PAL_E_NO_MEMORY. */
int s2_init(struct s2_pgtable *pt, const struct s2_mm_ops *ops);

/*
 * Frees every table, the root last, without TLB maintenance: call it only when no CPU
 * can run the VM any more and after invalidating its VMID (TLBI VMALLS12E1IS), since
 * walk caches may still point into these tables. pt is left uninitialised.
 */
void s2_destroy(struct s2_pgtable *pt);

/*
 * Maps [ipa, ipa + size) to [pa, pa + size) with prot. ipa, pa and size must be page
 * aligned, size non-zero; prot must grant at least one of S2_R/W/X and must not be
 * S2_DEVICE | S2_X. Uses a 1 GiB or 2 MiB block wherever ipa, pa and
 * the remaining size allow, 4 KiB pages elsewhere; blocks are never merged later.
 * Errors: PAL_E_INVALID (shape, wrap, prot), PAL_E_RANGE (IPA beyond S2_IPA_LIMIT or
 * PA beyond S2_PA_LIMIT), PAL_E_BUSY (some page of the range is already mapped),
 * PAL_E_NO_MEMORY (a table could not be had; the tables taken are given back).
 */
int s2_map(struct s2_pgtable *pt, ipaddr_t ipa, paddr_t pa, uint64_t size, unsigned prot);

/*
 * For a check-then-commit caller: the most tables an s2_map of [ipa, ipa + size) can
 * allocate, whatever its pa (the count for 4 KiB pages everywhere), after the same
 * checks as s2_map (PAL_E_BUSY if any page is mapped). Changes nothing. With that many
 * tables held in reserve for alloc_table, the following s2_map cannot fail.
 */
int s2_map_tables_needed(const struct s2_pgtable *pt, ipaddr_t ipa, uint64_t size,
			 uint64_t *tables);

/*
 * For a caller that commits several changes in a row and must not fail half-way: the
 * most tables an s2_map (map = true, at pa) or s2_unmap (map = false) of [ipa, ipa +
 * size) can allocate, counted on the current tables. A map is counted as if the range
 * were unmapped first (existing leaves in it never make it BUSY and never lower the
 * count), so the sum over a sequence of unmaps and then maps, all counted before any
 * runs, is enough for the whole sequence (tables an unmap frees go back to the same
 * allocator before the maps run). Changes nothing.
 */
int s2_change_tables_needed(const struct s2_pgtable *pt, ipaddr_t ipa, paddr_t pa,
			    uint64_t size, bool map, uint64_t *tables);

/*
 * Removes every mapping in [ipa, ipa + size); holes are fine. A block straddling an edge
 * of the range is split (break-before-make), which needs one table per split, so the
 * call may fail with PAL_E_NO_MEMORY (changing nothing). Tables left empty are freed.
 * While a block is being split, the rest of that block is briefly unmapped too: a vCPU
 * touching it takes a stage-2 fault, which the fault handler must treat as spurious
 * once it holds the VM lock and finds the IPA mapped.
 */
int s2_unmap(struct s2_pgtable *pt, ipaddr_t ipa, uint64_t size);

/*
 * Sets the permissions of every page of [ipa, ipa + size), which must be entirely
 * mapped (else PAL_E_NOT_FOUND). prot is any combination of S2_R/W/X, including none
 * (the entry stays, granting no access), plus S2_DEVICE exactly when the range is
 * Device memory: protect never changes the memory type (else PAL_E_STATE). Blocks
 * straddling an edge are split as for unmap (PAL_E_NO_MEMORY possible).
 */
int s2_protect(struct s2_pgtable *pt, ipaddr_t ipa, uint64_t size, unsigned prot);

/*
 * Translates ipa (any byte address below S2_IPA_LIMIT). On PAL_OK, *pa is the byte's
 * PA, *prot its S2_* flags and *mapping_size the size of the descriptor that maps it
 * (S2_PAGE_SIZE, S2_BLOCK_2M or S2_BLOCK_1G). Output pointers may be NULL.
 * PAL_E_NOT_FOUND when unmapped, PAL_E_RANGE beyond the IPA space.
 */
int s2_lookup(const struct s2_pgtable *pt, ipaddr_t ipa, paddr_t *pa, unsigned *prot,
	      uint64_t *mapping_size);

/*
 * Calls fn for every mapping descriptor, in increasing IPA order, with its IPA, PA,
 * size and prot. Stops at, and returns, the first non-zero value fn returns.
 */
typedef int (*s2_leaf_fn)(void *arg, ipaddr_t ipa, paddr_t pa, uint64_t size, unsigned prot);
int s2_for_each_leaf(const struct s2_pgtable *pt, s2_leaf_fn fn, void *arg);

/*
 * VTCR_EL2 for these tables, from ID_AA64MMFR0_EL1.PARange (bits [3:0]): T0SZ = 24,
 * SL0 = 1, inner/outer write-back cacheable, inner shareable walks, 4 KiB granule,
 * PS = PARange capped at 48 bits, 8-bit VMIDs, bit 31 (RES1) set. Returns 0 (never a
 * valid VTCR_EL2) when PARange is above 0xf or gives fewer than 40 bits, which the
 * 40-bit IPA space would exceed.
 */
uint64_t s2_vtcr(unsigned parange);

/* VTTBR_EL2: root PA | VMID << 48. 0 if pt is not initialised or vmid needs > 8 bits. */
uint64_t s2_vttbr(const struct s2_pgtable *pt, uint16_t vmid);

#endif /* PALISADE_STAGE2_H */
