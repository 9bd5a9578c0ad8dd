/*
 * Ownership table <-> stage-2. Lock order: the ownership module's lock (held while it
 * calls these ops), then a VM's lock; the page pools' locks are leaves below both.
 *
 * Page tables: the host's and boot-manifest guests' come from the hypervisor's pool,
 * a host-launched VM's from its own metadata pages. At run time every stage-2 change
 * happens under the ownership lock, which counts the tables a transition needs
 * (tables_needed, tables_available) before committing it: a committed change cannot run
 * short, and a shortage is PAL_E_NO_MEMORY to the caller with nothing changed.
 */
#include <string.h>
#include "arch/cpu.h"
#include "palisade/boot.h"
#include "palisade/error.h"
#include "palisade/log.h"
#include "palisade/mem_own.h"
#include "palisade/mem_s2.h"
#include "palisade/panic.h"
#include "palisade/platform.h"
#include "palisade/stage2.h"
#include "palisade/vm.h"

void *mem_s2_alloc_table(uint64_t bytes, paddr_t *pa)
{
	uint64_t p = page_alloc_aligned(&hyp_pool, bytes >> PAGE_SHIFT, bytes >> PAGE_SHIFT);

	*pa = pa_init(p);
	return (void *)(uintptr_t)p;
}

static unsigned s2_prot(uint8_t perms)
{
	return (perms & MEM_PERM_R ? S2_R : 0) | (perms & MEM_PERM_W ? S2_W : 0) |
	       (perms & MEM_PERM_X ? S2_X : 0);
}

/* The receiver's IPAs must be free and inside its IPA space (the count comes later). */
static int op_prepare_map(void *ctx, vm_id_t id, ipaddr_t ipa, uint64_t pages)
{
	struct vm *vm = vm_by_id(id);
	uint64_t tables;
	int rc;

	(void)ctx;
	if (!vm)
		return PAL_E_NOT_FOUND;
	spin_lock(&vm->lock);
	rc = s2_map_tables_needed(&vm->s2, ipa, pages << PAGE_SHIFT, &tables);
	spin_unlock(&vm->lock);
	return rc;
}

static int op_tables_needed(void *ctx, vm_id_t id, ipaddr_t ipa, paddr_t pa, uint64_t pages,
			    bool map, uint64_t *tables)
{
	struct vm *vm = vm_by_id(id);
	int rc;

	(void)ctx;
	*tables = 0;
	if (!vm)
		return PAL_OK;   /* being built or gone: op_map/op_unmap leave it alone too */
	spin_lock(&vm->lock);
	rc = s2_change_tables_needed(&vm->s2, ipa, pa, pages << PAGE_SHIFT, map, tables);
	spin_unlock(&vm->lock);
	return rc;
}

/* The VMs whose tables come from the hypervisor's pool share it: their needs add up. */
static int op_tables_available(void *ctx, const uint64_t *tables, uint64_t vms)
{
	uint64_t from_pool = 0;

	(void)ctx;
	for (uint64_t m = vms; m; m &= m - 1) {
		unsigned id = (unsigned)__builtin_ctzll(m);
		/* The host's tables always come from the pool: no need to look it up. */
		struct vm *vm = id == VM_ID_HOST ? NULL : vm_by_id((vm_id_t)id);

		if (vm && vm->launch.meta_pages) {
			if (vm->launch.meta_pool.free_pages < tables[id])
				return PAL_E_NO_MEMORY;
		} else {
			from_pool += tables[id];
		}
	}
	return hyp_pool.free_pages < from_pool ? PAL_E_NO_MEMORY : PAL_OK;
}

/* The ownership module has checked the whole transition and counted its tables:
 * failing here would leave it half done, so it is a hypervisor bug, reported as such. */
static void op_map(void *ctx, vm_id_t id, ipaddr_t ipa, paddr_t pa, uint64_t pages,
		   uint8_t perms)
{
	struct vm *vm = vm_by_id(id);
	int rc;

	(void)ctx;
	if (!vm)
		return;   /* a VM being built or gone: no stage-2 to change */
	spin_lock(&vm->lock);
	rc = s2_map(&vm->s2, ipa, pa, pages << PAGE_SHIFT, s2_prot(perms));
	spin_unlock(&vm->lock);
	if (rc)
		panic("stage-2 map for VM %u at 0x%llx failed (%d)", id,
		      (unsigned long long)ipa_addr(ipa), rc);
}

static void op_unmap(void *ctx, vm_id_t id, ipaddr_t ipa, uint64_t pages)
{
	struct vm *vm = vm_by_id(id);
	int rc;

	(void)ctx;
	if (!vm)
		return;
	spin_lock(&vm->lock);
	rc = s2_unmap(&vm->s2, ipa, pages << PAGE_SHIFT);
	spin_unlock(&vm->lock);
	if (rc)
		panic("stage-2 unmap for VM %u at 0x%llx failed (%d)", id,
		      (unsigned long long)ipa_addr(ipa), rc);
}

/* s2_map/s2_unmap already invalidated the range on every CPU (stage2.h's contract). */
static void op_tlb_flush(void *ctx, vm_id_t id, ipaddr_t ipa, uint64_t pages)
{
	(void)ctx;
	(void)id;
	(void)ipa;
	(void)pages;
}

static void op_zero(void *ctx, paddr_t pa, uint64_t pages)
{
	(void)ctx;
	/* Cleaned to the point of coherency as the ops contract says: the next owner may
	 * read with its caches off (a guest's first instructions run with the MMU off). */
	arch_zero_pages(pa_addr(pa), pages << PAGE_SHIFT);
	arch_clean_dcache_poc(pa_addr(pa), pages << PAGE_SHIFT);
}

/*
 * The fast path of the check phase: if every VM in 'vms' can get from its pool every
 * table it could ever still need (its bound minus what it holds), no transition can run
 * short and the exact count is skipped. The host's bound is one level-3 table per 2 MiB
 * and one level-2 per GiB of RAM beyond what it held at boot (mem_s2_set_host_bound); a
 * host-launched VM's is its metadata pool; boot-manifest guests have none (exact count).
 */
static int op_tables_headroom(void *ctx, uint64_t vms)
{
	static uint64_t need[VM_ID_LIMIT];   /* the ownership lock is held; zero between calls */
	int rc = PAL_OK;

	for (uint64_t m = vms; m; m &= m - 1) {
		unsigned id = (unsigned)__builtin_ctzll(m);
		struct vm *vm = vm_by_id((vm_id_t)id);

		if (!vm)
			continue;   /* no stage-2 (being built, or gone): nothing to map */
		if (!vm->s2_table_pages_max || vm->s2_table_pages > vm->s2_table_pages_max)
			rc = PAL_E_NO_MEMORY;
		else
			need[id] = vm->s2_table_pages_max - vm->s2_table_pages;
	}
	if (rc == PAL_OK)
		rc = op_tables_available(ctx, need, vms);
	for (uint64_t m = vms; m; m &= m - 1)
		need[__builtin_ctzll(m)] = 0;
	return rc;
}

void mem_s2_set_host_bound(void)
{
	struct vm *host = vm_by_id(VM_ID_HOST);
	uint64_t ram = boot_platform.mem_total;

	if (host)
		host->s2_table_pages_max = host->s2_table_pages + (ram >> 21) + (ram >> 30) +
					   4 * boot_platform.mem_count + 4;
}

static const struct mem_s2_ops ops = {
	.ctx = NULL,
	.prepare_map = op_prepare_map,
	.tables_needed = op_tables_needed,
	.tables_available = op_tables_available,
	.tables_headroom = op_tables_headroom,
	.map = op_map,
	.unmap = op_unmap,
	.tlb_flush = op_tlb_flush,
	.zero = op_zero,
};

uint64_t mem_s2_table_bytes(uint64_t ram_bytes)
{
	uint64_t b = mem_own_table_bytes(ram_bytes);

	return (b + (2ull << 20) - 1) & ~((2ull << 20) - 1);
}

void mem_s2_init(uint64_t table_pa, uint64_t table_bytes)
{
	struct mem_region ram[PI_MAX_MEM_REGIONS];
	struct mem_region hyp[2] = {
		{ pa_init(platform_hyp_reserved_base()), platform_hyp_reserved_size() },
		{ pa_init(table_pa), table_bytes },
	};
	int rc;

	for (unsigned i = 0; i < boot_platform.mem_count; i++)
		ram[i] = (struct mem_region){ pa_init(boot_platform.mem[i].base),
					      boot_platform.mem[i].size };
	rc = mem_own_init((void *)(uintptr_t)table_pa, table_bytes, ram, boot_platform.mem_count,
			  hyp, 2, &ops);
	if (rc)
		panic("ownership table init failed (%d)", rc);
}

void mem_s2_report_host_fault(uint64_t pa, bool write, bool exec)
{
	static volatile uint32_t reports;
	struct mem_page_info info;
	uint32_t n = __atomic_fetch_add(&reports, 1, __ATOMIC_RELAXED);

	/* The first few, then one in 1024: a hostile host cannot flood the console. */
	if (n >= 8 && (n & 1023) != 0)
		return;
	if (mem_query(VM_ID_HOST, pa_init(pa & ~PAGE_MASK), &info) != PAL_OK)
		info.owner = VM_ID_NONE;
	log_printf("PALISADE: host %s at PA 0x%llx denied: page owned by %s %u (external abort "
		   "injected; %u such faults so far)\n", exec ? "instruction fetch" : write ? "write" : "read",
		   (unsigned long long)pa, info.owner == VM_ID_HYP ? "the hypervisor, id" : "VM",
		   info.owner, n + 1);
}
