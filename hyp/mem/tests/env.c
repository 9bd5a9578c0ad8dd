/* Test environment and invariant checker (see env.h). */
#include <stdio.h>
#include <string.h>

#include "env.h"

const struct mem_region env_ram[2] = {
	{ { RAM_A }, RAM_PAGES_EACH * PAGE_SIZE },
	{ { RAM_B }, RAM_PAGES_EACH * PAGE_SIZE },
};
static const struct mem_region env_hyp[1] = { { { RAM_A }, HYP_PAGES * PAGE_SIZE } };

uint64_t env_table[RAM_PAGES];

uint64_t env_page(unsigned int i)
{
	return i < RAM_PAGES_EACH ? RAM_A + i * PAGE_SIZE
				  : RAM_B + (i - RAM_PAGES_EACH) * PAGE_SIZE;
}

int env_init(void)
{
	int ret;

	fake_init(env_ram, 2);
	memset(env_table, 0xa5, sizeof(env_table));
	ret = mem_own_init(env_table, sizeof(env_table), env_ram, 2, env_hyp, 1, &fake_ops);
	if (ret == PAL_OK)
		ret = mem_vm_create(G2, 0);
	if (ret == PAL_OK)
		ret = mem_vm_create(G3, 0);
	return ret;
}

int t_share(vm_id_t from, uint64_t pa, uint64_t ipa, uint64_t pages, vm_id_t to,
	    uint64_t to_ipa, uint8_t perms)
{
	int ret;

	fake_discloser = from;
	ret = mem_share(from, pa_init(pa), ipa_init(ipa), pages, to, ipa_init(to_ipa), perms);
	fake_discloser = VM_ID_NONE;
	return ret;
}

void snap_take(struct snapshot *s)
{
	memcpy(s->table, env_table, sizeof(s->table));
	memcpy(&s->s, &fake.s, sizeof(s->s));
}

bool snap_same(const struct snapshot *s)
{
	return memcmp(s->table, env_table, sizeof(s->table)) == 0 &&
	       memcmp(&s->s, &fake.s, sizeof(s->s)) == 0;
}

static unsigned int fails;

#define CHECK(cond, ...) do {                                             \
	if (!(cond)) {                                                    \
		if (fails++ < 10) {                                       \
			fprintf(stderr, "invariant: " __VA_ARGS__);       \
			fputc('\n', stderr);                              \
		}                                                         \
	}                                                                 \
} while (0)

static bool guest(vm_id_t vm)
{
	return vm >= VM_ID_FIRST_GUEST && vm < VM_ID_LIMIT;
}

/* The mappings the table implies for one page: at most the owner's and the borrower's. */
struct expect {
	vm_id_t vm;
	uint64_t ipa;
	uint8_t perms;
};

static unsigned int expected(const struct mem_page_info *hyp_view, uint64_t pa,
			     struct expect e[2])
{
	unsigned int n = 0;
	struct mem_page_info oi, bi;

	if (hyp_view->owner == VM_ID_HYP)
		return 0;
	if (hyp_view->state == MEM_OWNED || hyp_view->state == MEM_SHARED) {
		mem_query(hyp_view->owner, pa_init(pa), &oi);
		e[n++] = (struct expect){ hyp_view->owner, ipa_addr(oi.ipa), MEM_PERM_RWX };
	}
	if (hyp_view->state == MEM_LENT || hyp_view->state == MEM_SHARED) {
		mem_query(hyp_view->borrower, pa_init(pa), &bi);
		e[n++] = (struct expect){ hyp_view->borrower, ipa_addr(bi.ipa), bi.perms };
	}
	return n;
}

unsigned int check_invariants(void)
{
	unsigned int total_expected = 0, total_mapped = 0;

	fails = 0;
	CHECK(fake.s.violations == 0, "fake stage-2: %s", fake.first_violation);

	for (unsigned int i = 0; i < RAM_PAGES; i++) {
		uint64_t pa = env_page(i);
		struct mem_page_info h, v;
		struct expect e[2];
		unsigned int n, owners = 0, borrowers = 0;

		CHECK(mem_query(VM_ID_HYP, pa_init(pa), &h) == PAL_OK, "query %#llx",
		      (unsigned long long)pa);
		/* States: the entry is one of the documented combinations. */
		CHECK(h.owner < VM_ID_LIMIT, "page %u owner %u", i, h.owner);
		CHECK((h.state == MEM_LENT || h.state == MEM_SHARED) ==
		      (h.borrower != VM_ID_NONE), "page %u borrower vs state", i);
		CHECK(h.borrower != h.owner, "page %u borrowed by its owner", i);
		CHECK((h.state == MEM_HYP_DONATED) <= (h.owner == VM_ID_HYP),
		      "page %u hyp-donated but not hyp-owned", i);
		CHECK(h.owner != VM_ID_HYP || h.state == MEM_OWNED ||
		      h.state == MEM_HYP_DONATED, "page %u hyp page lent/shared", i);
		CHECK(!(guest(h.owner) && guest(h.borrower)), "page %u guest<->guest", i);
		CHECK(!(guest(h.owner) && h.state == MEM_LENT), "page %u lent by a guest", i);
		CHECK(i >= HYP_PAGES || (h.owner == VM_ID_HYP && h.state == MEM_OWNED),
		      "page %u: boot carve-out left the hypervisor", i);

		/* Exactly one owner; at most one borrower; views agree with the entry. */
		for (vm_id_t vm = 0; vm < FAKE_VMS; vm++) {
			CHECK(mem_query(vm, pa_init(pa), &v) == PAL_OK, "query");
			if (v.view == MEM_VIEW_OWNED || v.view == MEM_VIEW_LENT ||
			    v.view == MEM_VIEW_SHARED_OWNED) {
				owners++;
				CHECK(vm == h.owner, "page %u: vm %u thinks it owns it", i, vm);
			}
			if (v.view == MEM_VIEW_BORROWED || v.view == MEM_VIEW_SHARED_BORROWED) {
				borrowers++;
				CHECK(vm == h.borrower, "page %u: vm %u borrows it", i, vm);
			}
		}
		CHECK(owners == 1 || h.owner >= FAKE_VMS, "page %u has %u owners", i, owners);
		CHECK(borrowers == (h.borrower != VM_ID_NONE), "page %u borrowers", i);

		/* Stage-2s are exactly what the table says, nothing more. */
		n = expected(&h, pa, e);
		total_expected += n;
		CHECK(fake_mappers(pa) == n, "page %u (%#llx) mapped in %u VMs, table says %u",
		      i, (unsigned long long)pa, fake_mappers(pa), n);
		for (unsigned int j = 0; j < n; j++) {
			const struct fake_map *m = fake_lookup(e[j].vm, e[j].ipa);

			CHECK(m && m->pa == pa && m->perms == e[j].perms,
			      "page %u: vm %u at ipa %#llx wrong or missing", i, e[j].vm,
			      (unsigned long long)e[j].ipa);
		}
		if (n == 2)
			CHECK(h.state == MEM_SHARED, "page %u in two stage-2s, not shared", i);
		if (h.state == MEM_LENT)
			CHECK(!fake_find_pa(h.owner, pa), "page %u lent but owner maps it", i);
	}
	for (vm_id_t vm = 0; vm < FAKE_VMS; vm++) {
		total_mapped += fake.s.vm[vm].n;
		CHECK(fake.s.vm[vm].nstale == 0, "vm %u has stale TLB entries after a call", vm);
		for (uint32_t j = 0; j < fake.s.vm[vm].n; j++)
			CHECK(fake_page_index(fake.s.vm[vm].map[j].pa) >= 0,
			      "vm %u maps non-RAM", vm);
	}
	CHECK(fake.s.vm[VM_ID_HYP].n == 0, "something in a hypervisor stage-2");
	CHECK(total_mapped == total_expected, "%u mappings, table implies %u", total_mapped,
	      total_expected);
	return fails;
}
