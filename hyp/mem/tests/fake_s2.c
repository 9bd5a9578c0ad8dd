/* Fake stage-2 for the ownership tests (see fake_s2.h). Called with the module's lock held. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <palisade/error.h>

#include "fake_s2.h"

struct fake_s2 fake;
_Thread_local vm_id_t fake_discloser = VM_ID_NONE;

static void violation(const char *fmt, ...)
{
	va_list ap;

	if (fake.s.violations++ == 0) {
		va_start(ap, fmt);
		vsnprintf(fake.first_violation, sizeof(fake.first_violation), fmt, ap);
		va_end(ap);
	}
}

void fake_init(const struct mem_region *ram, unsigned int nr)
{
	uint64_t index = 0;

	memset(&fake, 0, sizeof(fake));
	fake.nr = nr;
	for (unsigned int i = 0; i < nr; i++) {
		fake.rg[i].base_pfn = pa_addr(ram[i].base) >> PAGE_SHIFT;
		fake.rg[i].pages = ram[i].size >> PAGE_SHIFT;
		fake.rg[i].index = index;
		index += fake.rg[i].pages;
	}
	if (index > FAKE_PAGES)
		violation("test RAM too big for the fake");
}

int fake_page_index(uint64_t pa)
{
	uint64_t pfn = pa >> PAGE_SHIFT;

	for (unsigned int i = 0; i < fake.nr; i++) {
		if (pfn >= fake.rg[i].base_pfn && pfn - fake.rg[i].base_pfn < fake.rg[i].pages)
			return (int)(fake.rg[i].index + pfn - fake.rg[i].base_pfn);
	}
	return -1;
}

static int slot_of(const struct fake_vm *v, uint64_t ipa)
{
	uint32_t lo = 0, hi = v->n;  /* map[] is sorted by ipa */

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (v->map[mid].ipa == ipa)
			return (int)mid;
		if (v->map[mid].ipa < ipa)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

const struct fake_map *fake_lookup(vm_id_t vm, uint64_t ipa)
{
	int i;

	if (vm >= FAKE_VMS)
		return NULL;
	i = slot_of(&fake.s.vm[vm], ipa);
	return i < 0 ? NULL : &fake.s.vm[vm].map[i];
}

const struct fake_map *fake_find_pa(vm_id_t vm, uint64_t pa)
{
	const struct fake_vm *v = &fake.s.vm[vm];

	for (uint32_t i = 0; i < v->n; i++) {
		if (v->map[i].pa == pa)
			return &v->map[i];
	}
	return NULL;
}

unsigned int fake_mappers(uint64_t pa)
{
	unsigned int n = 0;

	for (vm_id_t vm = 0; vm < FAKE_VMS; vm++)
		n += fake_find_pa(vm, pa) != NULL;
	return n;
}

static bool stale_anywhere(uint64_t pa, vm_id_t *who)
{
	for (vm_id_t vm = 0; vm < FAKE_VMS; vm++) {
		const struct fake_vm *v = &fake.s.vm[vm];

		for (uint32_t i = 0; i < v->nstale; i++) {
			if (v->stale[i].pa == pa) {
				*who = vm;
				return true;
			}
		}
	}
	return false;
}

static bool is_guest(vm_id_t vm)
{
	return vm >= VM_ID_FIRST_GUEST && vm < VM_ID_LIMIT;
}

static int fake_prepare_map(void *ctx, vm_id_t vm, ipaddr_t ipa, uint64_t pages)
{
	int ret;

	(void)ctx;
	fake.prepare_calls++;
	if (fake.fail_prepare) {
		ret = fake.fail_prepare;
		fake.fail_prepare = 0;
		return ret;
	}
	if (vm >= FAKE_VMS || !is_guest(vm)) {
		violation("prepare_map for vm %u", vm);
		return PAL_E_INVALID;
	}
	if (ipa_addr(ipa) + pages * PAGE_SIZE > FAKE_IPA_LIMIT)
		return PAL_E_RANGE;
	for (uint64_t k = 0; k < pages; k++) {
		if (fake_lookup(vm, ipa_addr(ipa) + k * PAGE_SIZE))
			return PAL_E_BUSY;
	}
	return PAL_OK;
}

static void map_one(vm_id_t vm, uint64_t ipa, uint64_t pa, uint8_t perms)
{
	struct fake_vm *v = &fake.s.vm[vm];
	int idx = fake_page_index(pa);
	vm_id_t who;
	uint32_t i;

	if (idx < 0) {
		violation("map of non-RAM pa %#llx", (unsigned long long)pa);
		return;
	}
	if (vm == VM_ID_HYP)
		violation("hypervisor page table used as a stage-2");
	if (vm == VM_ID_HOST && ipa != pa)
		violation("host mapping not identity: ipa %#llx pa %#llx",
			  (unsigned long long)ipa, (unsigned long long)pa);
	if (perms == 0 || (perms & ~MEM_PERM_RWX))
		violation("bad perms %u", perms);
	if (slot_of(v, ipa) >= 0) {
		violation("vm %u ipa %#llx mapped twice", vm, (unsigned long long)ipa);
		return;
	}
	if (stale_anywhere(pa, &who))
		violation("pa %#llx mapped into vm %u while vm %u still has it in its TLB",
			  (unsigned long long)pa, vm, who);
	/* Another guest's data: only that guest's own share/lend may expose it. */
	if (fake.s.content[idx] != 0 && fake.s.content[idx] != vm &&
	    fake.s.content[idx] != fake_discloser)
		violation("guest %u's data at pa %#llx reaches vm %u unzeroed",
			  fake.s.content[idx], (unsigned long long)pa, vm);
	for (vm_id_t o = VM_ID_FIRST_GUEST; o < FAKE_VMS; o++) {
		if (o != vm && o != fake_discloser && fake_find_pa(o, pa))
			violation("pa %#llx mapped into vm %u while guest %u has it",
				  (unsigned long long)pa, vm, o);
	}
	if (v->n == FAKE_MAPS) {
		violation("fake full");
		return;
	}
	for (i = v->n; i > 0 && v->map[i - 1].ipa > ipa; i--)
		v->map[i] = v->map[i - 1];
	v->map[i] = (struct fake_map){ ipa, pa, perms };
	v->n++;
}

static void fake_map(void *ctx, vm_id_t vm, ipaddr_t ipa, paddr_t pa, uint64_t pages,
		     uint8_t perms)
{
	(void)ctx;
	fake.s.map_calls++;
	if (vm >= FAKE_VMS) {
		violation("map into vm %u", vm);
		return;
	}
	for (uint64_t k = 0; k < pages; k++)
		map_one(vm, ipa_addr(ipa) + k * PAGE_SIZE, pa_addr(pa) + k * PAGE_SIZE, perms);
}

static void fake_unmap(void *ctx, vm_id_t vm, ipaddr_t ipa, uint64_t pages)
{
	(void)ctx;
	fake.s.unmap_calls++;
	if (vm >= FAKE_VMS) {
		violation("unmap from vm %u", vm);
		return;
	}
	for (uint64_t k = 0; k < pages; k++) {
		struct fake_vm *v = &fake.s.vm[vm];
		int i = slot_of(v, ipa_addr(ipa) + k * PAGE_SIZE);
		struct fake_map m;
		int idx;

		if (i < 0) {
			violation("unmap of unmapped ipa %#llx in vm %u",
				  (unsigned long long)(ipa_addr(ipa) + k * PAGE_SIZE), vm);
			continue;
		}
		m = v->map[i];
		if (v->nstale == FAKE_MAPS) {
			violation("too many unflushed unmaps in vm %u", vm);
			return;
		}
		memmove(&v->map[i], &v->map[i + 1], (v->n - (uint32_t)i - 1) * sizeof(m));
		v->n--;
		memset(&v->map[v->n], 0, sizeof(m));
		v->stale[v->nstale++] = m;
		/* A guest that had the page to itself may have left secrets in it. */
		idx = fake_page_index(m.pa);
		if (is_guest(vm) && idx >= 0 && fake_mappers(m.pa) == 0)
			fake.s.content[idx] = vm;
	}
}

static void fake_tlb_flush(void *ctx, vm_id_t vm, ipaddr_t ipa, uint64_t pages)
{
	uint64_t lo = ipa_addr(ipa), hi = lo + pages * PAGE_SIZE;
	struct fake_vm *v;
	uint32_t j = 0;

	(void)ctx;
	fake.s.flush_calls++;
	if (vm >= FAKE_VMS) {
		violation("flush of vm %u", vm);
		return;
	}
	v = &fake.s.vm[vm];
	for (uint32_t i = 0; i < v->nstale; i++) {
		if (v->stale[i].ipa < lo || v->stale[i].ipa >= hi)
			v->stale[j++] = v->stale[i];
	}
	memset(&v->stale[j], 0, (v->nstale - j) * sizeof(v->stale[0]));
	v->nstale = j;
}

static void fake_zero(void *ctx, paddr_t pa, uint64_t pages)
{
	(void)ctx;
	fake.s.zero_calls++;
	for (uint64_t k = 0; k < pages; k++) {
		uint64_t p = pa_addr(pa) + k * PAGE_SIZE;
		int idx = fake_page_index(p);
		vm_id_t who;

		if (idx < 0) {
			violation("zero of non-RAM pa %#llx", (unsigned long long)p);
			continue;
		}
		if (fake_mappers(p))
			violation("pa %#llx zeroed while mapped", (unsigned long long)p);
		if (stale_anywhere(p, &who))
			violation("pa %#llx zeroed while vm %u can still write it",
				  (unsigned long long)p, who);
		fake.s.content[idx] = 0;
		fake.s.zeroed_pages++;
	}
}

/* One table per run, so the check phase's count is visible to the tests. */
static int fake_tables_needed(void *ctx, vm_id_t vm, ipaddr_t ipa, paddr_t pa, uint64_t pages,
			      bool map, uint64_t *tables)
{
	(void)ctx;
	(void)ipa;
	(void)pa;
	(void)map;
	if (vm >= FAKE_VMS || pages == 0) {
		violation("tables_needed for vm %u, %llu pages", vm, (unsigned long long)pages);
		return PAL_E_INVALID;
	}
	fake.tables_needed_calls++;
	*tables = 1;
	return PAL_OK;
}

static int fake_tables_available(void *ctx, const uint64_t *tables, uint64_t vms)
{
	uint64_t sum = 0;

	(void)ctx;
	for (unsigned int i = 0; i < VM_ID_LIMIT; i++) {
		if (tables[i] && !((vms >> i) & 1))
			violation("tables_available: vm %u needs tables but is not in the mask", i);
		sum += tables[i];
	}
	fake.last_tables = sum;
	return fake.tables_limit && sum > fake.tables_limit ? PAL_E_NO_MEMORY : PAL_OK;
}

const struct mem_s2_ops fake_ops = {
	.ctx = &fake,
	.prepare_map = fake_prepare_map,
	.tables_needed = fake_tables_needed,
	.tables_available = fake_tables_available,
	.map = fake_map,
	.unmap = fake_unmap,
	.tlb_flush = fake_tlb_flush,
	.zero = fake_zero,
};
