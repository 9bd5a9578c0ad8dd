/*
 * Memory ownership database and transitions (docs/memory.md is the specification).
 *
 * Lock order (outermost first):
 *   1. db.lock: the one lock of this file; guards the table and db.live.
 *   2. whatever the mem_s2_ops callbacks take (per-VM stage-2 locks).
 * Callers must not hold a stage-2 lock when calling in; callbacks must never call back
 * into this file. Every function that takes db.lock releases it on its single exit path.
 *
 * Structure: step() is the whole state machine, a pure function from (request, page
 * entry) to (next entry, zero?). transact() runs it over the range twice: once to check
 * every page, then, if all pages agree, to commit. The commit derives the stage-2
 * effects by comparing who could access the page before and after, so the stage-2s
 * match the table by construction.
 */
#include <palisade/error.h>
#include <palisade/mem_own.h>
#include <palisade/spinlock.h>

/* One entry per page: 8 bytes, so 2 MiB of table per GiB of RAM. */
struct mem_page {
	uint8_t owner;     /* vm_id_t */
	uint8_t borrower;  /* vm_id_t, NO_VM unless LENT or SHARED */
	uint8_t state;     /* enum mem_state */
	uint8_t perms;     /* borrower's MEM_PERM_*, 0 unless LENT or SHARED */
	uint32_t ipfn;     /* IPA page number of the one guest party (owner or borrower), else 0 */
};
_Static_assert(sizeof(struct mem_page) == 8, "table entry must stay 8 bytes");
_Static_assert(VM_ID_LIMIT <= 0xff, "vm ids must fit the 8-bit owner field");

#define NO_VM 0xffu

struct region {
	uint64_t base_pfn;
	uint64_t pages;
	struct mem_page *tbl;
};

static struct {
	spinlock_t lock;
	const struct mem_s2_ops *ops;  /* set at init, then read-only */
	unsigned int nr;               /* regions: sorted, disjoint, set at init */
	struct region rg[MEM_MAX_REGIONS];
	uint64_t live;                 /* bit v: VM v exists and may receive memory */
	uint64_t protected_vms;        /* bit v: VM v receives memory only by launch gives */
	uint64_t sealed;               /* bit v: protected VM v receives nothing any more */
} db = { .lock = SPINLOCK_INIT };

_Static_assert(VM_ID_LIMIT <= 64, "db.live is a 64-bit mask");

enum op {
	OP_DONATE, OP_LEND, OP_SHARE, OP_RELINQUISH, OP_RECLAIM, OP_UNSHARE,
	OP_HYP_DONATE, OP_HYP_RETURN, OP_TEARDOWN,
};

struct req {
	enum op op;
	vm_id_t caller;     /* the VM asking (the dying VM for OP_TEARDOWN) */
	ipaddr_t ipa;       /* where the caller sees the first page */
	vm_id_t peer;       /* receiver of donate, lend, share */
	ipaddr_t peer_ipa;  /* where the receiver will see the first page */
	uint8_t perms;      /* receiver's permissions for lend and share */
	bool launch;        /* a measured-launch give (mem_launch_give) */
	uint64_t protected_vms;  /* db.protected_vms, copied under the lock for step() */
};

/* A party that can access a page through its stage-2. */
struct access {
	vm_id_t vm;         /* NO_VM: slot unused */
	ipaddr_t ipa;
	uint8_t perms;
};

static bool is_guest(vm_id_t vm)
{
	return vm >= VM_ID_FIRST_GUEST && vm < VM_ID_LIMIT;
}

/* Calls a VM makes about its own pages (they name the caller's IPA). */
static bool op_by_vm(enum op op)
{
	return op == OP_DONATE || op == OP_LEND || op == OP_SHARE ||
	       op == OP_RELINQUISH || op == OP_RECLAIM || op == OP_UNSHARE;
}

/* Calls that give a page to a receiver. */
static bool op_gives(enum op op)
{
	return op == OP_DONATE || op == OP_LEND || op == OP_SHARE;
}

static bool is_live(vm_id_t vm)
{
	return vm < VM_ID_LIMIT && (db.live >> vm) & 1;
}

static uint64_t pfn(paddr_t pa)
{
	return pa_addr(pa) >> PAGE_SHIFT;
}

static paddr_t page_pa(const struct region *rg, uint64_t idx)
{
	return pa_init((rg->base_pfn + idx) << PAGE_SHIFT);
}

/* Where vm (the owner or borrower of e) sees the page: identity for the host. */
static ipaddr_t side_ipa(const struct mem_page *e, vm_id_t vm, paddr_t pa)
{
	if (vm == VM_ID_HOST)
		return ipa_from_pa_identity(pa);
	return ipa_init((uint64_t)e->ipfn << PAGE_SHIFT);
}

static struct mem_page owned_by(vm_id_t owner, uint32_t ipfn)
{
	return (struct mem_page){ .owner = (uint8_t)owner, .borrower = NO_VM,
				  .state = MEM_OWNED, .perms = 0, .ipfn = ipfn };
}

/* The page back with its owner alone (its IPA kept if the owner is a guest). */
static struct mem_page back_to_owner(const struct mem_page *e)
{
	return owned_by(e->owner, is_guest(e->owner) ? e->ipfn : 0);
}

/* Guest-side IPA page number of page k when vm receives it at ipa; 0 for the host. */
static uint32_t recv_ipfn(vm_id_t vm, ipaddr_t ipa, uint64_t k)
{
	if (!is_guest(vm))
		return 0;
	return (uint32_t)((ipa_addr(ipa) >> PAGE_SHIFT) + k);
}

/* The access slots of an entry: [0] the owner's, [1] the borrower's. */
static void access_of(const struct mem_page *e, paddr_t pa, struct access a[2])
{
	a[0] = (struct access){ .vm = NO_VM };
	a[1] = (struct access){ .vm = NO_VM };
	if (e->owner == VM_ID_HYP)
		return;  /* hypervisor pages are in no stage-2 */
	if (e->state == MEM_OWNED || e->state == MEM_SHARED)
		a[0] = (struct access){ e->owner, side_ipa(e, e->owner, pa), MEM_PERM_RWX };
	if (e->state == MEM_LENT || e->state == MEM_SHARED)
		a[1] = (struct access){ e->borrower, side_ipa(e, e->borrower, pa), e->perms };
}

static bool access_in(const struct access *x, const struct access set[2])
{
	for (int i = 0; i < 2; i++) {
		if (set[i].vm == x->vm && ipa_eq(set[i].ipa, x->ipa) &&
		    set[i].perms == x->perms)
			return true;
	}
	return false;
}

/*
 * The state machine: what request r does to page k of its range, at pa, entry *cur.
 * Pure: writes only *next and *zero. *zero means "zero the page between removing the
 * old access and granting the new": set whenever a guest that had the page to itself
 * (owned, or borrowed exclusively) loses it to someone else, never for a share.
 */
static int step(const struct req *r, uint64_t k, paddr_t pa, const struct mem_page *cur,
		struct mem_page *next, bool *zero)
{
	uint64_t want_ipa = ipa_addr(r->ipa) + k * PAGE_SIZE;

	*next = *cur;
	*zero = false;

	switch (r->op) {
	case OP_DONATE:
	case OP_LEND:
	case OP_SHARE:
		if (cur->owner != r->caller)
			return PAL_E_DENIED;
		if (cur->state != MEM_OWNED)
			return PAL_E_STATE;
		if (ipa_addr(side_ipa(cur, r->caller, pa)) != want_ipa)
			return PAL_E_INVALID;
		if (r->op == OP_DONATE) {
			*next = owned_by(r->peer, recv_ipfn(r->peer, r->peer_ipa, k));
			*zero = is_guest(r->caller);
			return PAL_OK;
		}
		next->state = r->op == OP_LEND ? MEM_LENT : MEM_SHARED;
		next->borrower = (uint8_t)r->peer;
		next->perms = r->perms;
		if (is_guest(r->peer))  /* else the owner is the guest: keep its ipfn */
			next->ipfn = recv_ipfn(r->peer, r->peer_ipa, k);
		return PAL_OK;

	case OP_RELINQUISH:
		if ((cur->state != MEM_LENT && cur->state != MEM_SHARED) ||
		    cur->borrower != r->caller)
			return PAL_E_DENIED;
		if (ipa_addr(side_ipa(cur, r->caller, pa)) != want_ipa)
			return PAL_E_INVALID;
		*next = back_to_owner(cur);
		*zero = cur->state == MEM_LENT && is_guest(r->caller);
		return PAL_OK;

	case OP_RECLAIM:
	case OP_UNSHARE:
		if (cur->owner != r->caller)
			return PAL_E_DENIED;
		if (cur->state != (r->op == OP_RECLAIM ? MEM_LENT : MEM_SHARED))
			return PAL_E_STATE;
		/* A protected VM's memory stays its own until it gives it back or dies:
		 * taking it earlier would punch holes in its measured memory. */
		if (cur->borrower != NO_VM && ((r->protected_vms >> cur->borrower) & 1))
			return PAL_E_DENIED;
		if (ipa_addr(side_ipa(cur, r->caller, pa)) != want_ipa)
			return PAL_E_INVALID;
		*next = back_to_owner(cur);
		*zero = r->op == OP_RECLAIM && is_guest(cur->borrower);
		return PAL_OK;

	case OP_HYP_DONATE:
		if (cur->owner != VM_ID_HOST)
			return PAL_E_DENIED;
		if (cur->state != MEM_OWNED)
			return PAL_E_STATE;
		*next = owned_by(VM_ID_HYP, 0);
		next->state = MEM_HYP_DONATED;
		return PAL_OK;

	case OP_HYP_RETURN:
		/* Boot carve-outs (MEM_OWNED by the hypervisor) never leave. */
		if (cur->owner != VM_ID_HYP || cur->state != MEM_HYP_DONATED)
			return PAL_E_DENIED;
		*next = owned_by(VM_ID_HOST, 0);
		*zero = true;  /* it held VM metadata */
		return PAL_OK;

	case OP_TEARDOWN:
		if (cur->owner == r->caller) {
			*next = owned_by(VM_ID_HOST, 0);
			*zero = true;
		} else if (cur->borrower == r->caller) {
			*next = back_to_owner(cur);
			*zero = cur->state == MEM_LENT;
		}
		return PAL_OK;
	}
	return PAL_E_INVALID;
}

/* ---- commit: stage-2 effects in runs, so the ops are called per run, not per page ---- */

struct run {
	vm_id_t vm;
	ipaddr_t ipa;
	paddr_t pa;
	uint64_t pages;  /* 0: empty */
	uint8_t perms;
};

/* One TLB flush per VM per call, over the span of everything unmapped from it. */
#define TLB_SLOTS 2
struct tlb_span {
	vm_id_t vm;
	uint64_t lo, hi;  /* IPA range [lo, hi) */
};

struct batch {
	struct run unmap[2], map[2], zero;  /* [slot]: owner's and borrower's access */
	struct tlb_span tlb[TLB_SLOTS];
	/* Count mode (the check phase): nothing changes; the page tables each VM's runs
	 * would allocate are summed instead, and the first error is kept. */
	bool count;
	int err;
	uint64_t vms;        /* count mode: bit v set when tables[v] may be non-zero */
	uint64_t *tables;    /* count mode: [VM_ID_LIMIT] sums, outside the batch so a
			      * commit's batch stays small (it is set up on every call) */
};

static void batch_init(struct batch *b, bool count)
{
	static uint64_t count_tables[VM_ID_LIMIT];   /* db.lock held: one counter at a time */

	*b = (struct batch){ 0 };
	b->count = count;
	if (count) {
		for (unsigned int v = 0; v < VM_ID_LIMIT; v++)
			count_tables[v] = 0;
		b->tables = count_tables;
	}
	for (int i = 0; i < TLB_SLOTS; i++)
		b->tlb[i].vm = NO_VM;
}

static void tlb_flush_span(struct tlb_span *t)
{
	if (t->vm != NO_VM)
		db.ops->tlb_flush(db.ops->ctx, t->vm, ipa_init(t->lo),
				  (t->hi - t->lo) >> PAGE_SHIFT);
	t->vm = NO_VM;
}

static void tlb_note(struct batch *b, vm_id_t vm, ipaddr_t ipa, uint64_t pages)
{
	uint64_t lo = ipa_addr(ipa), hi = lo + pages * PAGE_SIZE;
	struct tlb_span *t = NULL;

	for (int i = 0; i < TLB_SLOTS && !t; i++) {
		if (b->tlb[i].vm == vm)
			t = &b->tlb[i];
	}
	for (int i = 0; i < TLB_SLOTS && !t; i++) {
		if (b->tlb[i].vm == NO_VM)
			t = &b->tlb[i];
	}
	if (!t) {  /* more VMs than slots: flush one early (safe, just slower) */
		t = &b->tlb[0];
		tlb_flush_span(t);
	}
	if (t->vm == NO_VM) {
		*t = (struct tlb_span){ vm, lo, hi };
		return;
	}
	t->lo = lo < t->lo ? lo : t->lo;
	t->hi = hi > t->hi ? hi : t->hi;
}

enum run_kind { RUN_UNMAP, RUN_MAP, RUN_ZERO };

static void run_emit(struct batch *b, struct run *r, enum run_kind kind)
{
	const struct mem_s2_ops *ops = db.ops;

	if (!r->pages)
		return;
	if (b->count) {
		uint64_t n = 0;
		int err = PAL_OK;

		if (kind != RUN_ZERO)
			err = ops->tables_needed(ops->ctx, r->vm, r->ipa, r->pa, r->pages,
						 kind == RUN_MAP, &n);
		if (err != PAL_OK && b->err == PAL_OK)
			b->err = err;
		if (r->vm < VM_ID_LIMIT && n) {
			b->tables[r->vm] += n;
			b->vms |= (uint64_t)1 << r->vm;
		}
	} else if (kind == RUN_UNMAP) {
		ops->unmap(ops->ctx, r->vm, r->ipa, r->pages);
		tlb_note(b, r->vm, r->ipa, r->pages);
	} else if (kind == RUN_MAP) {
		ops->map(ops->ctx, r->vm, r->ipa, r->pa, r->pages, r->perms);
	} else {
		ops->zero(ops->ctx, r->pa, r->pages);
	}
	r->pages = 0;
}

/* Append one page to a run, emitting the run first if the page does not continue it. */
static void run_add(struct batch *b, struct run *r, enum run_kind kind,
		    vm_id_t vm, ipaddr_t ipa, paddr_t pa, uint8_t perms)
{
	uint64_t len = r->pages * PAGE_SIZE;

	if (r->pages && (r->vm != vm || r->perms != perms ||
			 ipa_addr(r->ipa) + len != ipa_addr(ipa) ||
			 pa_addr(r->pa) + len != pa_addr(pa)))
		run_emit(b, r, kind);
	if (!r->pages)
		*r = (struct run){ vm, ipa, pa, 0, perms };
	r->pages++;
}

/* Pages [first, first + n) of one region. */
struct span {
	struct region *rg;
	uint64_t first, n;
};

/* One pass over the spans applying one phase; entries are written only in the last. */
enum phase { PH_REVOKE, PH_ZERO, PH_GRANT };

static void commit_phase(const struct req *r, const struct span *sp, unsigned int nsp,
			 struct batch *b, enum phase ph)
{
	for (unsigned int i = 0; i < nsp; i++) {
		for (uint64_t k = 0; k < sp[i].n; k++) {
			uint64_t idx = sp[i].first + k;
			struct mem_page *cur = &sp[i].rg->tbl[idx];
			paddr_t pa = page_pa(sp[i].rg, idx);
			struct access old[2], new[2];
			struct mem_page next;
			bool zero;

			/* A teardown walks all of RAM: pages that are not the VM's stay as they are. */
			if (r->op == OP_TEARDOWN && cur->owner != r->caller && cur->borrower != r->caller)
				continue;
			(void)step(r, k, pa, cur, &next, &zero);  /* checked OK before commit */
			access_of(cur, pa, old);
			access_of(&next, pa, new);
			for (int s = 0; s < 2; s++) {
				if (ph == PH_REVOKE && old[s].vm != NO_VM &&
				    (zero || !access_in(&old[s], new)))
					run_add(b, &b->unmap[s], RUN_UNMAP, old[s].vm,
						old[s].ipa, pa, 0);
				if (ph == PH_GRANT && new[s].vm != NO_VM &&
				    (zero || !access_in(&new[s], old)))
					run_add(b, &b->map[s], RUN_MAP, new[s].vm,
						new[s].ipa, pa, new[s].perms);
			}
			if (ph == PH_ZERO && zero)
				run_add(b, &b->zero, RUN_ZERO, NO_VM,
					ipa_from_pa_identity(pa), pa, 0);  /* runs by pa */
			if (ph == PH_GRANT && !b->count)
				*cur = next;
		}
	}
}

/*
 * Apply a checked request. Order matters: nobody may see a page's new state before
 * every old access is gone from stage-2s and TLBs, and the page is zeroed in between.
 */
static void commit(const struct req *r, const struct span *sp, unsigned int nsp)
{
	struct batch b;

	batch_init(&b, false);
	commit_phase(r, sp, nsp, &b, PH_REVOKE);
	for (int s = 0; s < 2; s++)
		run_emit(&b, &b.unmap[s], RUN_UNMAP);
	for (int i = 0; i < TLB_SLOTS; i++)
		tlb_flush_span(&b.tlb[i]);

	commit_phase(r, sp, nsp, &b, PH_ZERO);
	run_emit(&b, &b.zero, RUN_ZERO);

	commit_phase(r, sp, nsp, &b, PH_GRANT);
	for (int s = 0; s < 2; s++)
		run_emit(&b, &b.map[s], RUN_MAP);
}

/*
 * Check phase of the stage-2 side: the same walk as commit() in count mode, so every
 * page table the commit's unmaps (block splits) and maps will allocate is known and
 * available before anything changes. A committed transition never fails for want of
 * memory; a shortage is PAL_E_NO_MEMORY to the caller, with nothing changed.
 */
static struct batch count_batch;   /* db.lock held: one user at a time, off the EL2 stack */

/* Adds the tables of r's commit to b (a count-mode batch). */
static void tables_count(const struct req *r, const struct span *sp, unsigned int nsp,
			 struct batch *b)
{
	commit_phase(r, sp, nsp, b, PH_REVOKE);
	for (int s = 0; s < 2; s++)
		run_emit(b, &b->unmap[s], RUN_UNMAP);
	commit_phase(r, sp, nsp, b, PH_GRANT);
	for (int s = 0; s < 2; s++)
		run_emit(b, &b->map[s], RUN_MAP);
}

/* All the commits counted into b, at once: can their tables be had together? */
static int tables_available(const struct batch *b)
{
	if (b->err != PAL_OK)
		return b->err;
	return db.ops->tables_available(db.ops->ctx, b->tables, b->vms);
}

/* The parties of a transition: who may lose or gain a mapping. */
static uint64_t party_bit(vm_id_t vm)
{
	return vm != VM_ID_HYP && vm < VM_ID_LIMIT ? (uint64_t)1 << vm : 0;
}

static bool headroom_ok(uint64_t vms)
{
	return db.ops->tables_headroom && db.ops->tables_headroom(db.ops->ctx, vms) == PAL_OK;
}

/*
 * A cheap upper bound instead of the exact count, for a transition over `pages` pages
 * whose every party sees them at contiguous IPAs (the host: identity; the caller and the
 * receiver: by construction; a guest named in the entries: checked by the caller). Then
 * each party has at most one unmap and one map run per access slot: an unmap splits at
 * most two blocks at each end (4 tables), a map needs at most one level-3 table per
 * 2 MiB and one level-2 per GiB plus one of each per end.
 */
static bool bound_ok(uint64_t vms, uint64_t gain, uint64_t pages)
{
	static uint64_t bound[VM_ID_LIMIT];   /* db.lock held; all zero between calls */
	uint64_t maps = 2 * ((pages >> 9) + (pages >> 18) + 4);
	bool ok;

	for (uint64_t m = vms; m; m &= m - 1) {
		unsigned int v = (unsigned int)__builtin_ctzll(m);

		bound[v] = 8 + ((gain >> v) & 1 ? maps : 0);   /* a party that only loses unmaps */
	}
	ok = db.ops->tables_available(db.ops->ctx, bound, vms) == PAL_OK;
	for (uint64_t m = vms; m; m &= m - 1)
		bound[__builtin_ctzll(m)] = 0;
	return ok;
}

static int tables_check(const struct req *r, const struct span *sp, unsigned int nsp)
{
	batch_init(&count_batch, true);
	tables_count(r, sp, nsp, &count_batch);
	return tables_available(&count_batch);
}

/* ---- validation and the transaction ---- */

/* The region holding all of [pa, pa + pages), or NULL. */
static struct region *find_range(paddr_t pa, uint64_t pages, uint64_t *first)
{
	uint64_t p = pfn(pa);

	for (unsigned int i = 0; i < db.nr; i++) {
		struct region *rg = &db.rg[i];

		if (p >= rg->base_pfn && p - rg->base_pfn < rg->pages &&
		    pages <= rg->pages - (p - rg->base_pfn)) {
			*first = p - rg->base_pfn;
			return rg;
		}
	}
	return NULL;
}

static bool range_ok(uint64_t base, uint64_t pages)
{
	uint64_t end;

	return pages != 0 && (base & PAGE_MASK) == 0 &&
	       pages <= (UINT64_MAX >> PAGE_SHIFT) &&
	       range_end(base, pages << PAGE_SHIFT, &end);
}

/* Checks that need no lock: argument shape, then who may ask what of whom. */
static int check_args(const struct req *r, paddr_t pa, uint64_t pages)
{
	bool has_ipa = op_by_vm(r->op);

	if (!range_ok(pa_addr(pa), pages))
		return PAL_E_INVALID;
	if (has_ipa && (!range_ok(ipa_addr(r->ipa), pages) ||
			(r->caller == VM_ID_HOST && ipa_addr(r->ipa) != pa_addr(pa))))
		return PAL_E_INVALID;
	if (has_ipa && r->caller != VM_ID_HOST && !is_guest(r->caller))
		return PAL_E_DENIED;
	if (!op_gives(r->op))
		return PAL_OK;

	if (r->peer == r->caller)
		return PAL_E_INVALID;
	if (r->op != OP_DONATE && (r->perms == 0 || (r->perms & ~MEM_PERM_RWX)))
		return PAL_E_INVALID;
	if (r->peer == VM_ID_HYP)
		return PAL_E_DENIED;  /* only mem_donate_to_hyp() feeds the hypervisor */
	if (r->peer != VM_ID_HOST && !is_guest(r->peer))
		return PAL_E_NOT_FOUND;
	/* One guest-side IPA per entry: a guest may only lend/share with the host, and
	 * only the host lends (so an owner's IPA is never left for someone to refill). */
	if (r->op != OP_DONATE && (is_guest(r->caller) == is_guest(r->peer) ||
				   (r->op == OP_LEND && r->caller != VM_ID_HOST)))
		return PAL_E_DENIED;
	if (r->peer == VM_ID_HOST)
		return ipa_addr(r->peer_ipa) == pa_addr(pa) ? PAL_OK : PAL_E_INVALID;
	if (!range_ok(ipa_addr(r->peer_ipa), pages))
		return PAL_E_INVALID;
	if (ipa_addr(r->peer_ipa) + (pages << PAGE_SHIFT) > MEM_IPA_LIMIT)
		return PAL_E_RANGE;
	return PAL_OK;
}

static bool is_protected(vm_id_t vm)
{
	return vm < VM_ID_LIMIT && (db.protected_vms >> vm) & 1;
}

/*
 * Who may give memory to whom (db.lock held). A protected VM receives memory only from
 * the host, through the measured launch (VM_LOAD), before it is sealed (VM_START):
 * never from another guest, never by a plain MEM_* call, never once it runs. A launch
 * give names a protected receiver.
 */
static int give_allowed(const struct req *r)
{
	if (r->launch)
		return is_protected(r->peer) && r->caller == VM_ID_HOST &&
		       !((db.sealed >> r->peer) & 1) ? PAL_OK : PAL_E_DENIED;
	return is_protected(r->peer) ? PAL_E_DENIED : PAL_OK;
}

/* Checks and applies r to [pa, pa + pages): all pages or none. Takes db.lock. */
static int transact(struct req *r, paddr_t pa, uint64_t pages)
{
	struct region *rg;
	uint64_t first = 0;
	int ret;

	ret = check_args(r, pa, pages);
	if (ret != PAL_OK)
		return ret;
	rg = find_range(pa, pages, &first);
	if (!rg)
		return PAL_E_RANGE;

	spin_lock(&db.lock);
	r->protected_vms = db.protected_vms;
	if (op_by_vm(r->op) && !is_live(r->caller))
		ret = PAL_E_DENIED;
	else if (op_gives(r->op) && !is_live(r->peer))
		ret = PAL_E_NOT_FOUND;
	else if (op_gives(r->op))
		ret = give_allowed(r);
	uint64_t parties = party_bit(r->caller) | (op_gives(r->op) ? party_bit(r->peer) : 0) |
			   (r->op == OP_HYP_DONATE || r->op == OP_HYP_RETURN ? party_bit(VM_ID_HOST) : 0);
	/* The guest named in the entries (owner or borrower) and its first IPA page: the
	 * bound below needs one guest, at contiguous IPAs, on every page. */
	vm_id_t g0 = NO_VM;
	uint32_t ipfn0 = 0;
	bool contiguous = true;
	uint64_t gain = 0;   /* parties that may get a mapping: in the next entries */

	for (uint64_t k = 0; ret == PAL_OK && k < pages; k++) {
		const struct mem_page *cur = &rg->tbl[first + k];
		vm_id_t g = is_guest(cur->owner) ? cur->owner :
			    cur->borrower != NO_VM && is_guest(cur->borrower) ? cur->borrower : NO_VM;
		struct mem_page next;
		bool zero;

		ret = step(r, k, page_pa(rg, first + k), cur, &next, &zero);
		parties |= party_bit(cur->owner) | (cur->borrower != NO_VM ? party_bit(cur->borrower) : 0);
		gain |= party_bit(next.owner) | (next.borrower != NO_VM ? party_bit(next.borrower) : 0);
		if (k == 0) {
			g0 = g;
			ipfn0 = cur->ipfn;
		} else if (g != g0 || (g != NO_VM && cur->ipfn != ipfn0 + k)) {
			contiguous = false;
		}
	}
	if (ret == PAL_OK && op_gives(r->op) && is_guest(r->peer))
		ret = db.ops->prepare_map(db.ops->ctx, r->peer, r->peer_ipa, pages);
	parties |= gain;
	if (ret == PAL_OK && !(contiguous && bound_ok(parties, gain, pages)) && !headroom_ok(parties))
		ret = tables_check(r, &(struct span){ rg, first, pages }, 1);
	if (ret == PAL_OK)
		commit(r, &(struct span){ rg, first, pages }, 1);
	spin_unlock(&db.lock);
	return ret;
}

/* ---- public interface ---- */

uint64_t mem_own_table_bytes(uint64_t ram_bytes)
{
	return (ram_bytes >> PAGE_SHIFT) * sizeof(struct mem_page);
}

int mem_donate(vm_id_t from, paddr_t pa, ipaddr_t ipa, uint64_t pages,
	       vm_id_t to, ipaddr_t to_ipa)
{
	struct req r = { OP_DONATE, from, ipa, to, to_ipa, 0, false, 0 };

	return transact(&r, pa, pages);
}

int mem_lend(vm_id_t from, paddr_t pa, ipaddr_t ipa, uint64_t pages,
	     vm_id_t to, ipaddr_t to_ipa, uint8_t perms)
{
	struct req r = { OP_LEND, from, ipa, to, to_ipa, perms, false, 0 };

	return transact(&r, pa, pages);
}

int mem_share(vm_id_t from, paddr_t pa, ipaddr_t ipa, uint64_t pages,
	      vm_id_t to, ipaddr_t to_ipa, uint8_t perms)
{
	struct req r = { OP_SHARE, from, ipa, to, to_ipa, perms, false, 0 };

	return transact(&r, pa, pages);
}

int mem_relinquish(vm_id_t borrower, paddr_t pa, ipaddr_t ipa, uint64_t pages)
{
	struct req r = { OP_RELINQUISH, borrower, ipa, VM_ID_NONE, ipa_init(0), 0, false, 0 };

	return transact(&r, pa, pages);
}

int mem_reclaim(vm_id_t owner, paddr_t pa, ipaddr_t ipa, uint64_t pages)
{
	struct req r = { OP_RECLAIM, owner, ipa, VM_ID_NONE, ipa_init(0), 0, false, 0 };

	return transact(&r, pa, pages);
}

int mem_unshare(vm_id_t owner, paddr_t pa, ipaddr_t ipa, uint64_t pages)
{
	struct req r = { OP_UNSHARE, owner, ipa, VM_ID_NONE, ipa_init(0), 0, false, 0 };

	return transact(&r, pa, pages);
}

int mem_donate_to_hyp(paddr_t pa, uint64_t pages)
{
	struct req r = { OP_HYP_DONATE, VM_ID_HOST, ipa_init(0), VM_ID_HYP, ipa_init(0), 0, false, 0 };

	return transact(&r, pa, pages);
}

int mem_return_from_hyp(paddr_t pa, uint64_t pages)
{
	struct req r = { OP_HYP_RETURN, VM_ID_HYP, ipa_init(0), VM_ID_HOST, ipa_init(0), 0, false, 0 };

	return transact(&r, pa, pages);
}

int mem_launch_give(paddr_t pa, uint64_t pages, vm_id_t to, ipaddr_t to_ipa, bool lend)
{
	struct req r = { lend ? OP_LEND : OP_DONATE, VM_ID_HOST, ipa_from_pa_identity(pa), to,
			 to_ipa, lend ? MEM_PERM_RWX : 0, true, 0 };

	return transact(&r, pa, pages);
}

int mem_vm_create(vm_id_t vm, unsigned int flags)
{
	uint64_t bit;
	int ret = PAL_OK;

	if (!is_guest(vm) || (flags & ~MEM_VM_PROTECTED))
		return PAL_E_INVALID;
	bit = (uint64_t)1 << vm;
	spin_lock(&db.lock);
	if (is_live(vm)) {
		ret = PAL_E_STATE;
	} else {
		/* Protected from the instant it exists: no window for a plain give. */
		db.protected_vms = (flags & MEM_VM_PROTECTED) ? db.protected_vms | bit
							       : db.protected_vms & ~bit;
		db.sealed &= ~bit;
		db.live |= bit;
	}
	spin_unlock(&db.lock);
	return ret;
}

int mem_vm_seal(vm_id_t vm)
{
	int ret = PAL_OK;

	if (!is_guest(vm))
		return PAL_E_INVALID;
	spin_lock(&db.lock);
	if (!is_live(vm))
		ret = PAL_E_NOT_FOUND;
	else
		db.sealed |= (uint64_t)1 << vm;
	spin_unlock(&db.lock);
	return ret;
}

int mem_vm_teardown(vm_id_t vm, paddr_t meta_pa, uint64_t meta_pages,
		    void (*release)(void *arg), void *arg)
{
	struct req r = { OP_TEARDOWN, vm, ipa_init(0), VM_ID_NONE, ipa_init(0), 0, false, 0 };
	struct req back = { OP_HYP_RETURN, VM_ID_HYP, ipa_init(0), VM_ID_HOST, ipa_init(0), 0,
			    false, 0 };
	struct span all[MEM_MAX_REGIONS], meta = { NULL, 0, meta_pages };
	int ret = PAL_OK;

	if (!is_guest(vm) || (meta_pages && !range_ok(pa_addr(meta_pa), meta_pages)))
		return PAL_E_INVALID;
	if (meta_pages && !(meta.rg = find_range(meta_pa, meta_pages, &meta.first)))
		return PAL_E_RANGE;
	spin_lock(&db.lock);
	for (unsigned int i = 0; i < db.nr; i++)
		all[i] = (struct span){ &db.rg[i], 0, db.rg[i].pages };
	if (!is_live(vm))
		ret = PAL_E_NOT_FOUND;
	for (uint64_t k = 0; ret == PAL_OK && k < meta_pages; k++) {
		struct mem_page next;
		bool zero;

		ret = step(&back, k, page_pa(meta.rg, meta.first + k),
			   &meta.rg->tbl[meta.first + k], &next, &zero);
	}
	/* Both commits below are counted first, into one sum asked for at once: a teardown
	 * that starts, finishes. (Two separate questions would each pass with enough
	 * tables for one commit only.) */
	/* The dying VM, the host (every page goes back to it: only the host lends or
	 * shares with guests) and nobody else. */
	if (ret == PAL_OK && !headroom_ok(party_bit(vm) | party_bit(VM_ID_HOST))) {
		batch_init(&count_batch, true);
		tables_count(&r, all, db.nr, &count_batch);
		if (meta_pages)
			tables_count(&back, &meta, 1, &count_batch);
		ret = tables_available(&count_batch);
	}
	if (ret == PAL_OK) {
		db.live &= ~((uint64_t)1 << vm);  /* nobody can give it pages from now on */
		db.protected_vms &= ~((uint64_t)1 << vm);
		db.sealed &= ~((uint64_t)1 << vm);
		commit(&r, all, db.nr);
		if (release)
			release(arg);       /* its stage-2 tables go while they are still private */
		if (meta_pages)
			commit(&back, &meta, 1);
	}
	spin_unlock(&db.lock);
	return ret;
}

/*
 * EL2's only way into guest memory (docs/memory.md, "Guest memory touched by EL2"): fn
 * runs with db.lock held, so the page cannot change owner, be unmapped or be zeroed
 * while it runs; every transition takes the lock.
 */
int mem_access(vm_id_t vm, paddr_t pa, ipaddr_t ipa, unsigned int need,
	       void (*fn)(void *arg, paddr_t page), void *arg)
{
	paddr_t page = pa_init(pa_addr(pa) & ~PAGE_MASK);
	struct region *rg;
	struct access a[2];
	uint64_t idx = 0;
	int ret = PAL_E_RANGE;

	if (vm >= VM_ID_LIMIT || !fn || !need || (need & ~(MEM_ACCESS_READ | MEM_ACCESS_WRITE |
							   MEM_ACCESS_PRIVATE)))
		return PAL_E_INVALID;
	rg = find_range(page, 1, &idx);
	if (!rg)
		return PAL_E_RANGE;
	spin_lock(&db.lock);
	if (is_live(vm)) {
		const struct mem_page *e = &rg->tbl[idx];
		uint8_t want = (need & MEM_ACCESS_READ ? MEM_PERM_R : 0) |
			       (need & MEM_ACCESS_WRITE ? MEM_PERM_W : 0);
		bool private_ok = (e->owner == vm && e->state == MEM_OWNED) ||
				  (e->borrower == vm && e->state == MEM_LENT);

		access_of(e, page, a);
		for (int s = 0; s < 2; s++) {
			if (a[s].vm == vm && ipa_addr(a[s].ipa) == (ipa_addr(ipa) & ~PAGE_MASK) &&
			    (a[s].perms & want) == want &&
			    (!(need & MEM_ACCESS_PRIVATE) || private_ok))
				ret = PAL_OK;
		}
		if (ret == PAL_OK)
			fn(arg, page);
	}
	spin_unlock(&db.lock);
	return ret;
}

int mem_query(vm_id_t vm, paddr_t pa, struct mem_page_info *out)
{
	struct access a[2];
	struct mem_page e;
	struct region *rg;
	uint64_t idx = 0;
	paddr_t page = pa_init(pa_addr(pa) & ~PAGE_MASK);

	if (vm >= VM_ID_LIMIT || !out)
		return PAL_E_INVALID;
	rg = find_range(page, 1, &idx);
	if (!rg)
		return PAL_E_RANGE;
	spin_lock(&db.lock);
	e = rg->tbl[idx];
	spin_unlock(&db.lock);

	*out = (struct mem_page_info){
		.view = MEM_VIEW_NONE, .state = (enum mem_state)e.state, .owner = e.owner,
		.borrower = e.borrower == NO_VM ? VM_ID_NONE : e.borrower,
		.perms = 0, .ipa = ipa_init(0),
	};
	if (e.owner == vm)
		out->view = e.state == MEM_LENT ? MEM_VIEW_LENT :
			    e.state == MEM_SHARED ? MEM_VIEW_SHARED_OWNED : MEM_VIEW_OWNED;
	else if (e.borrower == vm)
		out->view = e.state == MEM_LENT ? MEM_VIEW_BORROWED : MEM_VIEW_SHARED_BORROWED;
	access_of(&e, page, a);
	for (int s = 0; s < 2; s++) {
		if (a[s].vm == vm) {
			out->perms = a[s].perms;
			out->ipa = a[s].ipa;
		}
	}
	return PAL_OK;
}

/* ---- boot ---- */

/* Page-trim, sort and merge the RAM regions into db.rg. */
static int init_regions(const struct mem_region *ram, unsigned int nr_ram)
{
	db.nr = 0;
	for (unsigned int i = 0; i < nr_ram; i++) {
		uint64_t end, lo, hi;
		unsigned int j;

		if (!range_end(pa_addr(ram[i].base), ram[i].size, &end) ||
		    pa_addr(ram[i].base) > UINT64_MAX - PAGE_MASK)
			return PAL_E_INVALID;
		lo = (pa_addr(ram[i].base) + PAGE_MASK) >> PAGE_SHIFT;  /* round inwards */
		hi = end >> PAGE_SHIFT;
		if (hi <= lo)
			continue;  /* less than a whole page: unusable */
		/* insertion sort by base */
		for (j = db.nr; j > 0 && db.rg[j - 1].base_pfn > lo; j--)
			db.rg[j] = db.rg[j - 1];
		db.rg[j] = (struct region){ lo, hi - lo, NULL };
		db.nr++;
	}
	for (unsigned int i = 1; i < db.nr; i++) {
		struct region *prev = &db.rg[i - 1];

		if (prev->base_pfn + prev->pages > db.rg[i].base_pfn)
			return PAL_E_INVALID;  /* overlapping memory nodes */
		if (prev->base_pfn + prev->pages == db.rg[i].base_pfn) {
			prev->pages += db.rg[i].pages;  /* adjacent: one region */
			for (unsigned int j = i + 1; j < db.nr; j++)
				db.rg[j - 1] = db.rg[j];
			db.nr--;
			i--;
		}
	}
	return db.nr ? PAL_OK : PAL_E_INVALID;
}

static int init_hyp_range(const struct mem_region *h)
{
	uint64_t end, lo, first = 0;
	struct region *rg;

	if (h->size == 0)
		return PAL_OK;
	if (!range_end(pa_addr(h->base), h->size, &end) || end > UINT64_MAX - PAGE_MASK)
		return PAL_E_INVALID;
	lo = pa_addr(h->base) & ~PAGE_MASK;  /* round outwards: cover partial pages */
	end = (end + PAGE_MASK) & ~PAGE_MASK;
	rg = find_range(pa_init(lo), (end - lo) >> PAGE_SHIFT, &first);
	if (!rg)
		return PAL_E_RANGE;
	for (uint64_t k = 0; k < (end - lo) >> PAGE_SHIFT; k++)
		rg->tbl[first + k] = owned_by(VM_ID_HYP, 0);
	return PAL_OK;
}

int mem_own_init(void *table, uint64_t table_bytes,
		 const struct mem_region *ram, unsigned int nr_ram,
		 const struct mem_region *hyp, unsigned int nr_hyp,
		 const struct mem_s2_ops *ops)
{
	struct mem_page *tbl = table;
	uint64_t total = 0;
	int ret;

	db.nr = 0;
	db.live = 0;
	db.protected_vms = 0;
	db.sealed = 0;
	db.ops = ops;
	if (!table || ((uintptr_t)table & 7) || !ram || nr_ram == 0 ||
	    nr_ram > MEM_MAX_REGIONS || (nr_hyp && !hyp) || !ops || !ops->prepare_map ||
	    !ops->tables_needed || !ops->tables_available ||
	    !ops->map || !ops->unmap || !ops->tlb_flush || !ops->zero)
		return PAL_E_INVALID;
	ret = init_regions(ram, nr_ram);
	if (ret != PAL_OK)
		return ret;
	for (unsigned int i = 0; i < db.nr; i++)
		total += db.rg[i].pages;
	if (total > table_bytes / sizeof(struct mem_page)) {
		db.nr = 0;
		return PAL_E_NO_MEMORY;
	}

	for (unsigned int i = 0; i < db.nr; i++) {
		db.rg[i].tbl = tbl;
		for (uint64_t k = 0; k < db.rg[i].pages; k++)
			tbl[k] = owned_by(VM_ID_HOST, 0);
		tbl += db.rg[i].pages;
	}
	for (unsigned int i = 0; i < nr_hyp && ret == PAL_OK; i++)
		ret = init_hyp_range(&hyp[i]);
	if (ret != PAL_OK) {
		db.nr = 0;
		return ret;
	}

	/* Host gets its pages: the same commit path, from "nobody" to "host owns". */
	for (unsigned int i = 0; i < db.nr; i++) {
		struct batch b;

		batch_init(&b, false);
		for (uint64_t k = 0; k < db.rg[i].pages; k++) {
			paddr_t pa = page_pa(&db.rg[i], k);

			if (db.rg[i].tbl[k].owner == VM_ID_HOST)
				run_add(&b, &b.map[0], RUN_MAP, VM_ID_HOST,
					ipa_from_pa_identity(pa), pa, MEM_PERM_RWX);
		}
		run_emit(&b, &b.map[0], RUN_MAP);
	}
	db.live = (uint64_t)1 << VM_ID_HOST;
	return PAL_OK;
}

/* Debug builds only: the invariant checker reads db directly (palisade/mem_check.h). */
#ifdef PALISADE_MEM_CHECK
#include "mem_check.c"
#endif
