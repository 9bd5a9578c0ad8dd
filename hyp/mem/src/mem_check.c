/*
 * The ownership table's invariant checker (palisade/mem_check.h), debug builds only.
 *
 * Not a translation unit of its own: mem_own.c #includes it when PALISADE_MEM_CHECK is
 * defined, so it reads db and the entries directly. It deliberately does not reuse
 * mem_own.c's access_of() or step(): what each VM may reach is recomputed here from the
 * state table of docs/memory.md, so a mistake there is not mirrored in the check.
 */
#ifndef PALISADE_MEM_CHECK
#error "mem_check.c is included by mem_own.c with PALISADE_MEM_CHECK defined"
#endif

#include <palisade/mem_check.h>

struct chk {
	const struct mem_check_ops *ops;
	unsigned n;                        /* violations found */
	vm_id_t vm;                        /* the VM whose leaves are being walked */
	uint64_t expect[VM_ID_LIMIT];      /* pages the table gives each VM */
	uint64_t got[VM_ID_LIMIT];         /* of those, found mapped as the table says */
};

static void chk_violation(struct chk *c, const char *what, uint64_t a, uint64_t b, uint64_t d)
{
	if (c->n < MEM_CHECK_MAX_REPORTS && c->ops->report)
		c->ops->report(c->ops->ctx, what, a, b, d);
	c->n++;
}

/* The VM ids a table entry may name besides the hypervisor: the host and live guests. */
static bool chk_party_ok(vm_id_t vm)
{
	return vm == VM_ID_HOST || (is_guest(vm) && is_live(vm));
}

/* What vm may reach of the page at pa (entry e): its permissions (0: nothing) and the
 * IPA it sees it at. Recomputed from docs/memory.md's "States" table. */
static uint8_t chk_access(const struct mem_page *e, uint64_t pa, vm_id_t vm, uint64_t *ipa)
{
	uint64_t side = vm == VM_ID_HOST ? pa : (uint64_t)e->ipfn << PAGE_SHIFT;

	if (e->owner == VM_ID_HYP || vm == VM_ID_HYP)
		return 0;
	if (e->owner == vm && (e->state == MEM_OWNED || e->state == MEM_SHARED)) {
		*ipa = side;
		return MEM_PERM_RWX;
	}
	if (e->borrower == vm && (e->state == MEM_LENT || e->state == MEM_SHARED)) {
		*ipa = side;
		return e->perms;
	}
	return 0;
}

/* I1, I2 (HYP_DONATED), I5 and the entry format, for one entry. */
static void chk_entry(struct chk *c, const struct mem_page *e, uint64_t pa)
{
	bool lent_or_shared = e->state == MEM_LENT || e->state == MEM_SHARED;
	bool guest_party = is_guest(e->owner) || (lent_or_shared && is_guest(e->borrower));

	switch (e->state) {
	case MEM_OWNED:
		if (e->owner != VM_ID_HYP && !chk_party_ok(e->owner))
			chk_violation(c, "page owned by a VM that does not exist", pa, e->owner, 0);
		break;
	case MEM_HYP_DONATED:
		if (e->owner != VM_ID_HYP)
			chk_violation(c, "HYP_DONATED page not owned by the hypervisor", pa, e->owner, 0);
		break;
	case MEM_LENT:
		if (e->owner != VM_ID_HOST)
			chk_violation(c, "page lent by a VM other than the host", pa, e->owner,
				      e->borrower);
		if (!is_guest(e->borrower) || !is_live(e->borrower))
			chk_violation(c, "page lent to a VM that does not exist", pa, e->owner,
				      e->borrower);
		break;
	case MEM_SHARED:
		if (!chk_party_ok(e->owner) || !chk_party_ok(e->borrower) ||
		    e->owner == e->borrower)
			chk_violation(c, "shared page with a bad owner or borrower", pa, e->owner,
				      e->borrower);
		else if (is_guest(e->owner) && is_guest(e->borrower))
			chk_violation(c, "page shared between two guests", pa, e->owner, e->borrower);
		break;
	default:
		chk_violation(c, "entry in an unknown state", pa, e->state, e->owner);
		return;
	}
	if (lent_or_shared ? (e->perms == 0 || (e->perms & ~MEM_PERM_RWX)) : e->perms != 0)
		chk_violation(c, "entry permissions do not match its state", pa, e->state, e->perms);
	if (!lent_or_shared && e->borrower != NO_VM)
		chk_violation(c, "borrower set on a page that is neither lent nor shared", pa,
			      e->state, e->borrower);
	if (!guest_party && e->ipfn != 0)
		chk_violation(c, "guest IPA set on a page with no guest party", pa, e->owner,
			      e->ipfn);
}

static struct region *chk_region_of(uint64_t p, uint64_t *next_base)
{
	*next_base = UINT64_MAX;
	for (unsigned int i = 0; i < db.nr; i++) {
		struct region *rg = &db.rg[i];

		if (p >= rg->base_pfn && p - rg->base_pfn < rg->pages)
			return rg;
		if (rg->base_pfn > p && rg->base_pfn < *next_base)
			*next_base = rg->base_pfn;
	}
	return NULL;
}

/* One stage-2 descriptor of c->vm: every RAM page it maps must be one the table gives
 * c->vm, at that IPA, with those permissions, as Normal memory. */
static int chk_leaf(void *arg, uint64_t ipa, uint64_t pa, uint64_t size, unsigned prot)
{
	struct chk *c = arg;
	uint64_t p = pa >> PAGE_SHIFT, n = size >> PAGE_SHIFT;

	while (n) {
		uint64_t next, run, idx;
		struct region *rg = chk_region_of(p, &next);

		if (!rg) {     /* not RAM (a device): not the table's business */
			run = next - p < n ? next - p : n;
			p += run;
			ipa += run << PAGE_SHIFT;
			n -= run;
			continue;
		}
		idx = p - rg->base_pfn;
		run = rg->pages - idx < n ? rg->pages - idx : n;
		for (uint64_t k = 0; k < run; k++) {
			const struct mem_page *e = &rg->tbl[idx + k];
			uint64_t page = (p + k) << PAGE_SHIFT, want_ipa = 0;
			uint64_t at = ipa + (k << PAGE_SHIFT);
			uint8_t perms = chk_access(e, page, c->vm, &want_ipa);

			if (e->owner == VM_ID_HYP)
				chk_violation(c, "hypervisor page mapped in a stage-2", c->vm, at, page);
			else if (perms == 0)
				chk_violation(c, "stage-2 maps a page the table does not give the VM",
					      c->vm, at, page);
			else if (want_ipa != at)
				chk_violation(c, "stage-2 maps a page at another IPA than the table's",
					      c->vm, at, page);
			else if ((prot & MEM_PERM_RWX) != perms || (prot & MEM_CHECK_PROT_DEVICE))
				chk_violation(c, "stage-2 permissions differ from the table's",
					      c->vm, page, (uint64_t)prot << 8 | perms);
			else
				c->got[c->vm]++;
		}
		p += run;
		ipa += run << PAGE_SHIFT;
		n -= run;
	}
	return 0;
}

/* The integrator's view of vm: its accounting and its metadata pages. */
static void chk_vm_extra(struct chk *c, vm_id_t vm, const struct mem_check_vm *info)
{
	struct region *rg;
	uint64_t first = 0;

	if (info->problem)
		chk_violation(c, info->problem, vm, 0, 0);
	if (!info->meta_pages || !is_live(vm))
		return;
	rg = find_range(info->meta_pa, info->meta_pages, &first);
	if (!rg) {
		chk_violation(c, "VM metadata outside RAM", vm, pa_addr(info->meta_pa),
			      info->meta_pages);
		return;
	}
	for (uint64_t k = 0; k < info->meta_pages; k++) {
		const struct mem_page *e = &rg->tbl[first + k];

		if (e->owner != VM_ID_HYP || e->state != MEM_HYP_DONATED) {
			chk_violation(c, "VM metadata page not HYP_DONATED", vm,
				      pa_addr(info->meta_pa) + (k << PAGE_SHIFT), e->owner);
			break;
		}
	}
}

unsigned mem_check_full(const struct mem_check_ops *ops)
{
	static struct chk c;   /* db.lock held: one user at a time, off the EL2 stack */
	const char *g;

	spin_lock(&db.lock);
	c = (struct chk){ .ops = ops };
	for (unsigned int i = 0; i < db.nr; i++) {
		const struct region *rg = &db.rg[i];

		for (uint64_t k = 0; k < rg->pages; k++) {
			const struct mem_page *e = &rg->tbl[k];
			uint64_t pa = (rg->base_pfn + k) << PAGE_SHIFT, ipa;

			chk_entry(&c, e, pa);
			if (chk_access(e, pa, e->owner, &ipa) && e->owner < VM_ID_LIMIT)
				c.expect[e->owner]++;
			if (e->borrower < VM_ID_LIMIT && chk_access(e, pa, e->borrower, &ipa))
				c.expect[e->borrower]++;
		}
	}
	for (vm_id_t vm = VM_ID_HOST; vm < VM_ID_LIMIT; vm++) {
		struct mem_check_vm info = { false, pa_init(0), 0, NULL };
		unsigned before = c.n;
		int rc;

		if (ops->check_vm)
			ops->check_vm(ops->ctx, vm, &info);
		c.vm = vm;
		rc = ops->for_each_leaf(ops->ctx, vm, chk_leaf, &c);
		if (rc != PAL_OK && rc != PAL_E_NOT_FOUND)
			chk_violation(&c, "cannot walk a VM's stage-2", vm, (uint64_t)rc, 0);
		if (c.got[vm] != c.expect[vm] && c.n == before)
			chk_violation(&c, "stage-2 lacks pages the table gives the VM", vm,
				      c.expect[vm], c.got[vm]);
		chk_vm_extra(&c, vm, &info);
	}
	if (ops->check_global && (g = ops->check_global(ops->ctx)))
		chk_violation(&c, g, 0, 0, 0);
	spin_unlock(&db.lock);
	return c.n;
}

unsigned mem_check_range(const struct mem_check_ops *ops, paddr_t pa, uint64_t pages)
{
	struct chk c = { .ops = ops };
	uint64_t p = pa_addr(pa) >> PAGE_SHIFT;

	spin_lock(&db.lock);
	for (uint64_t k = 0; k < pages; k++) {
		uint64_t next, page = (p + k) << PAGE_SHIFT;
		struct region *rg = chk_region_of(p + k, &next);
		const struct mem_page *e;
		vm_id_t party[2];
		bool host_access = false;

		if (!rg)
			continue;
		e = &rg->tbl[p + k - rg->base_pfn];
		chk_entry(&c, e, page);
		party[0] = e->owner;
		party[1] = e->borrower;
		for (int s = 0; s < 2; s++) {
			uint64_t ipa = 0, got_pa = 0;
			unsigned prot = 0;
			uint8_t perms;

			if (party[s] >= VM_ID_LIMIT)
				continue;
			perms = chk_access(e, page, party[s], &ipa);
			if (!perms)
				continue;
			host_access |= party[s] == VM_ID_HOST;
			if (ops->lookup(ops->ctx, party[s], ipa, &got_pa, &prot) != PAL_OK)
				chk_violation(&c, "page the table gives a VM is not in its stage-2",
					      party[s], ipa, page);
			else if (got_pa != page)
				chk_violation(&c, "VM's IPA maps another page than the table's",
					      party[s], ipa, got_pa);
			else if ((prot & MEM_PERM_RWX) != perms || (prot & MEM_CHECK_PROT_DEVICE))
				chk_violation(&c, "stage-2 permissions differ from the table's",
					      party[s], page, (uint64_t)prot << 8 | perms);
		}
		if (!host_access) {
			uint64_t got_pa = 0;
			unsigned prot = 0;

			if (ops->lookup(ops->ctx, VM_ID_HOST, page, &got_pa, &prot) == PAL_OK)
				chk_violation(&c, e->owner == VM_ID_HYP ?
					      "hypervisor page mapped in the host's stage-2" :
					      "host maps a page it has no access to", page, e->owner,
					      e->borrower);
		}
	}
	spin_unlock(&db.lock);
	return c.n;
}
