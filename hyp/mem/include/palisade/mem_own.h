/*
 * Memory ownership: who owns, lends, shares and may access every 4 KiB page of RAM.
 *
 * Portable core (EL2 and host unit tests). The database lives in memory handed over at
 * init; page-table and cache effects go through struct mem_s2_ops. Every transition
 * validates the whole range first and changes nothing on error (check-then-commit).
 * docs/memory.md holds the state table, the transitions and the invariants.
 *
 * Addresses: a page is named by its physical address (paddr_t). Each party also names
 * the IPA where it sees the page: the host is identity mapped (IPA == PA), a guest is not.
 * A hypercall handler translates a guest caller's IPA to a PA through that guest's
 * stage-2 and passes both; this module re-checks under its lock that the caller really
 * sees page k at ipa + k, so a stale or non-contiguous translation fails instead of
 * touching another page.
 */
#ifndef PALISADE_MEM_OWN_H
#define PALISADE_MEM_OWN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <palisade/addr.h>
#include <palisade/vmid.h>

/* Stage-2 permissions. Owners always get all three; a borrower gets what the owner grants. */
#define MEM_PERM_R   0x1u
#define MEM_PERM_W   0x2u
#define MEM_PERM_X   0x4u
#define MEM_PERM_RWX 0x7u

#define MEM_MAX_REGIONS 8                      /* RAM regions (device tree memory nodes) */
#define MEM_IPA_LIMIT ((uint64_t)1 << 44)      /* guest IPAs kept in 32-bit page numbers */

/* State of a page's table entry (docs/memory.md, "States"). */
enum mem_state {
	MEM_OWNED = 0,        /* the owner alone has access (the hypervisor: boot memory) */
	MEM_LENT = 1,         /* the borrower alone has access; the owner may reclaim */
	MEM_SHARED = 2,       /* owner and borrower both have access */
	MEM_HYP_DONATED = 3,  /* hypervisor metadata donated by the host; goes back to it */
};

/* The relation of one VM to one page, as mem_query() reports it. */
enum mem_view {
	MEM_VIEW_NONE = 0,        /* neither owner nor borrower */
	MEM_VIEW_OWNED,           /* owner, exclusive access (or hypervisor-owned) */
	MEM_VIEW_LENT,            /* owner, lent out: no access until reclaimed */
	MEM_VIEW_BORROWED,        /* borrower, exclusive access */
	MEM_VIEW_SHARED_OWNED,    /* owner, shared with a borrower */
	MEM_VIEW_SHARED_BORROWED, /* borrower of a shared page */
};

struct mem_page_info {
	enum mem_view view;   /* the queried VM's relation to the page */
	enum mem_state state;
	vm_id_t owner;
	vm_id_t borrower;     /* VM_ID_NONE unless lent or shared */
	uint8_t perms;        /* the queried VM's stage-2 permissions; 0 = not mapped */
	ipaddr_t ipa;         /* where the queried VM sees the page (when perms != 0) */
};

/* A physical range of RAM (a device tree memory node, or a hypervisor carve-out). */
struct mem_region {
	paddr_t base;
	uint64_t size;
};

/*
 * Hardware effects, provided by the stage-2 integrator (a fake in the unit tests).
 * All are called with the ownership lock held, in this order within one call:
 * prepare_map, tables_needed..., tables_available (check phase), then unmap...,
 * tlb_flush..., zero..., map... (commit). Only the check phase may fail: with the tables
 * it counted available, commit-phase effects always succeed.
 */
struct mem_s2_ops {
	void *ctx;
	/*
	 * Check phase, only for a range about to be given to a guest at new IPAs: return
	 * PAL_OK if map() of [ipa, ipa + pages) into vm cannot fail, PAL_E_BUSY if any IPA
	 * there is already mapped, PAL_E_NO_MEMORY if page tables cannot be had, PAL_E_RANGE
	 * if beyond the VM's IPA space. May allocate page tables, must not change access.
	 */
	int (*prepare_map)(void *ctx, vm_id_t vm, ipaddr_t ipa, uint64_t pages);
	/*
	 * Check phase, for every run the commit will unmap (map = false) or map (map =
	 * true, at pa): how many page tables that call can allocate (stage2.h's
	 * s2_change_tables_needed). Changes nothing.
	 */
	int (*tables_needed)(void *ctx, vm_id_t vm, ipaddr_t ipa, paddr_t pa, uint64_t pages,
			     bool map, uint64_t *tables);
	/* Check phase, last: PAL_OK if tables[v] tables can be had for every VM v at once,
	 * else PAL_E_NO_MEMORY; tables[] has VM_ID_LIMIT entries, zero outside the mask vms
	 * (bit v: VM v). They must stay available until the commit. */
	int (*tables_available)(void *ctx, const uint64_t *tables, uint64_t vms);
	/* Optional fast path, check phase: PAL_OK if every VM in the mask (bit v: VM v)
	 * can have every table it could ever still need, so no count is needed; anything
	 * else means "count exactly". NULL: always count. */
	int (*tables_headroom)(void *ctx, uint64_t vms);
	/* Map pages at ipa -> pa with MEM_PERM_* perms. Host ranges are identity. */
	void (*map)(void *ctx, vm_id_t vm, ipaddr_t ipa, paddr_t pa, uint64_t pages,
		    uint8_t perms);
	/* Remove the mappings; TLBs may still hold them until tlb_flush(). */
	void (*unmap)(void *ctx, vm_id_t vm, ipaddr_t ipa, uint64_t pages);
	/* Invalidate vm's stage-2 TLB entries in the range, complete on return (DSB). */
	void (*tlb_flush)(void *ctx, vm_id_t vm, ipaddr_t ipa, uint64_t pages);
	/* Zero the pages and clean them to the point of coherency. */
	void (*zero)(void *ctx, paddr_t pa, uint64_t pages);
};

/* Bytes of table needed for ram_bytes of RAM (the sum of the regions' sizes). */
uint64_t mem_own_table_bytes(uint64_t ram_bytes);

/*
 * Boot, one CPU, before any VM runs. Every RAM page starts owned by the host, except
 * the hyp[] carve-outs (the image, this table, stacks...), which the hypervisor owns for
 * good. Then maps the host's pages into its stage-2. table must be 8-byte aligned and
 * hypervisor-private (list it in hyp[]).
 */
int mem_own_init(void *table, uint64_t table_bytes,
		 const struct mem_region *ram, unsigned int nr_ram,
		 const struct mem_region *hyp, unsigned int nr_hyp,
		 const struct mem_s2_ops *ops);

/*
 * VM lifetime: a guest id can receive memory only between create and teardown. A
 * protected VM (MEM_VM_PROTECTED) receives memory only through mem_launch_give() until
 * mem_vm_seal(), and nothing after; pages it borrowed cannot be reclaimed from it.
 */
#define MEM_VM_PROTECTED 0x1u
int mem_vm_create(vm_id_t vm, unsigned int flags);
int mem_vm_seal(vm_id_t vm);
/*
 * Ends every share, returns every page vm borrowed to its owner and every page it owned
 * to the host, zeroing what it had alone; then calls release(arg) (with the ownership
 * lock held: free the VM's stage-2 tables there) and returns the meta_pages metadata
 * pages from meta_pa to the host, zeroed (0 pages: none). All or nothing: every page
 * table needed is counted first, PAL_E_NO_MEMORY changes nothing. vm must not run any
 * more.
 */
int mem_vm_teardown(vm_id_t vm, paddr_t meta_pa, uint64_t meta_pages,
		    void (*release)(void *arg), void *arg);

/* The measured launch (VM_LOAD): the host's [pa, +pages) lent (RWX) or donated to
 * protected VM 'to' at to_ipa, before it is sealed. */
int mem_launch_give(paddr_t pa, uint64_t pages, vm_id_t to, ipaddr_t to_ipa, bool lend);

/*
 * The one way EL2 reads or writes guest memory on a VM's behalf: if vm has, right now,
 * the access 'need' asks for to the page holding pa, seen at ipa (READ, WRITE: its
 * stage-2 permissions; PRIVATE: owned or borrowed exclusively, nobody else can see it),
 * calls fn(arg, page) with the ownership lock held, so the page cannot change owner
 * during the access. fn must not call into this module. PAL_E_RANGE otherwise.
 */
#define MEM_ACCESS_READ    0x1u
#define MEM_ACCESS_WRITE   0x2u
#define MEM_ACCESS_PRIVATE 0x4u
int mem_access(vm_id_t vm, paddr_t pa, ipaddr_t ipa, unsigned int need,
	       void (*fn)(void *arg, paddr_t page), void *arg);

/*
 * Transitions. from/owner/borrower is the caller, already authenticated by the
 * hypercall layer; pa names the first of pages pages, ipa where the caller sees it
 * (== pa for the host). to_ipa is where the receiver will see it (== pa for the host).
 */
int mem_donate(vm_id_t from, paddr_t pa, ipaddr_t ipa, uint64_t pages,
	       vm_id_t to, ipaddr_t to_ipa);
int mem_lend(vm_id_t from, paddr_t pa, ipaddr_t ipa, uint64_t pages,
	     vm_id_t to, ipaddr_t to_ipa, uint8_t perms);
int mem_share(vm_id_t from, paddr_t pa, ipaddr_t ipa, uint64_t pages,
	      vm_id_t to, ipaddr_t to_ipa, uint8_t perms);
int mem_relinquish(vm_id_t borrower, paddr_t pa, ipaddr_t ipa, uint64_t pages);
int mem_reclaim(vm_id_t owner, paddr_t pa, ipaddr_t ipa, uint64_t pages);
int mem_unshare(vm_id_t owner, paddr_t pa, ipaddr_t ipa, uint64_t pages);

/* Internal (VM_CREATE metadata): host pages become hypervisor-private, and back (zeroed). */
int mem_donate_to_hyp(paddr_t pa, uint64_t pages);
int mem_return_from_hyp(paddr_t pa, uint64_t pages);

/* The state of the page holding pa, as seen by vm. */
int mem_query(vm_id_t vm, paddr_t pa, struct mem_page_info *out);

#endif /* PALISADE_MEM_OWN_H */
