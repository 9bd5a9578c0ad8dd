/*
 * Protected VM launch driven by the host (0x02xx calls of hyp/abi/hypercalls.toml except
 * VCPU_RUN, which is in vcpu_run.c): create, load (measured), set boot, start (sealed),
 * interrupt lines of host-emulated devices, destroy. docs/attestation.md defines the
 * measurement; docs/hypercalls.md the calls.
 *
 * Every call checks all its arguments and the VM's state before changing anything.
 * Lock order: launch_global (VM slots and ids) -> vm->launch_lock -> the ownership
 * module's lock -> vm->lock. The host cannot reach a protected VM's memory except
 * through VM_LOAD before VM_START (hc_mem.c refuses the other transitions).
 */
#include <string.h>
#include "arch/cpu.h"
#include "arch/vcpu_arch.h"
#include "palisade/boot.h"
#include "palisade/cpu.h"
#include "palisade/error.h"
#include "palisade/format.h"
#include "palisade/guest_fdt.h"
#include "palisade/hypercall.h"
#include "palisade/log.h"
#include "palisade/mem_own.h"
#include "palisade/mem_s2.h"
#include "palisade/panic.h"
#include "palisade/sched.h"
#include "palisade/timer.h"
#include "palisade/report.h"
#include "palisade/vm.h"
#include "palisade/vm_irq.h"
#include "palisade/vm_launch.h"

#define SZ_2M ((uint64_t)2 << 20)
#define SZ_1G ((uint64_t)1 << 30)
#define GUEST_IPA_MIN SZ_1G
#define GUEST_IPA_LIMIT ((uint64_t)1 << 40)
#define META_MAX_PAGES (32768u + 1u)     /* one bitmap page covers 32768 pages */
#define HOST_EMULATED_SPI_FIRST 32u
#define HOST_EMULATED_SPI_LAST 63u

static spinlock_t launch_global = SPINLOCK_INIT;
spinlock_t pvm_transition_lock = SPINLOCK_INIT;

uint64_t vm_launch_meta_pages_needed(uint64_t mem_size)
{
	return 8 + mem_size / SZ_2M + mem_size / SZ_1G;
}

/* The VM the host names, if it is one the host launched (else NULL, *rc says why). */
struct vm *launched_vm(uint64_t id, int *rc)
{
	struct vm *vm = vm_by_id((vm_id_t)id);

	*rc = PAL_OK;
	if (!vm || vm->state == VM_EMPTY) {
		*rc = PAL_E_NOT_FOUND;
		return NULL;
	}
	if (!vm->launch.host_launched) {
		*rc = PAL_E_DENIED;
		return NULL;
	}
	return vm;
}

static vm_id_t free_guest_id(void)
{
	for (vm_id_t id = VM_ID_FIRST_GUEST; id < VM_ID_LIMIT; id++)
		if (!vm_by_id(id))
			return id;
	return VM_ID_NONE;
}

int64_t hc_vm_create(struct hc_ctx *ctx, const uint64_t args[], uint64_t results[3])
{
	unsigned vcpus = (unsigned)(args[0] & HC_VM_CREATE_CONFIG_VCPUS_MASK);
	bool debug = (args[0] >> HC_VM_CREATE_CONFIG_DEBUG_SHIFT) & 1;
	uint64_t base = args[1], size = args[2], meta = args[3], meta_pages = args[4];
	struct vm_meta m = { pa_init(meta), meta_pages };
	struct vm *vm = NULL;
	vm_id_t id;
	int rc;

	(void)ctx;
	if (vcpus == 0 || vcpus > VCPU_MAX_PER_VM || vcpus > cpu_count || (base | size) % SZ_2M ||
	    size == 0 || (meta & PAGE_MASK) || meta_pages == 0)
		return PAL_E_INVALID;
	if (base < GUEST_IPA_MIN || base >= GUEST_IPA_LIMIT || size > GUEST_IPA_LIMIT - base ||
	    meta_pages > (UINT64_MAX >> PAGE_SHIFT) ||
	    !ram_region_containing(meta, meta_pages << PAGE_SHIFT))
		return PAL_E_RANGE;
	if (meta_pages < vm_launch_meta_pages_needed(size) || meta_pages > META_MAX_PAGES)
		return PAL_E_NO_MEMORY;

	spin_lock(&launch_global);
	id = free_guest_id();
	rc = id == VM_ID_NONE ? PAL_E_NO_MEMORY : PAL_OK;
	/* The metadata leaves the host first (all or nothing), then the VM is built on it;
	 * any failure after that gives the pages back zeroed. */
	if (!rc)
		rc = mem_donate_to_hyp(m.pa, meta_pages);
	if (!rc) {
		rc = mem_vm_create(id);
		if (!rc) {
			rc = vm_create(id, false, vcpus, "pvm", &m, &vm);
			if (rc)
				mem_vm_teardown(id);
		}
		if (rc) {
			mem_return_from_hyp(m.pa, meta_pages);
		} else if ((rc = vm_irq_init(vm, GUEST_GICD_IPA, GUEST_GICR_IPA))) {
			vm->state = VM_STOPPED;
			vm_teardown(vm);   /* returns the metadata too */
		}
	}
	if (!rc) {
		vm->is_protected = true;
		vm->launch.host_launched = true;
		vm->launch.policy = debug ? ATTEST_POLICY_DEBUG : 0;
		vm->launch.mem_base = base;
		vm->launch.mem_size = size;
		lm_init(&vm->launch.lm);
		fmt_snprintf(vm->name, sizeof(vm->name), "pvm%u", id);
		results[0] = id;
		log_printf("PALISADE: VM %u created by the host: %u vCPU(s), %llu MiB at IPA 0x%llx%s\n",
			   id, vcpus, (unsigned long long)(size >> 20), (unsigned long long)base,
			   debug ? ", debug allowed" : "");
	}
	spin_unlock(&launch_global);
	return rc;
}

int64_t hc_vm_load(struct hc_ctx *ctx, const uint64_t args[], uint64_t results[3])
{
	uint64_t ipa = args[1], pages = args[2], to = args[3], flags = args[4];
	bool measure = flags & HC_VM_LOAD_FLAGS_MEASURE_MASK;
	bool lend = flags & HC_VM_LOAD_FLAGS_LEND_MASK;
	struct vm *vm;
	int rc;

	(void)ctx;
	(void)results;
	if (pages == 0 || ((ipa | to) & PAGE_MASK) || pages > (UINT64_MAX >> PAGE_SHIFT))
		return PAL_E_INVALID;
	vm = launched_vm(args[0], &rc);
	if (!vm)
		return rc;
	spin_lock(&vm->launch_lock);
	if (vm->launch.started || vm->state != VM_CREATED)
		rc = PAL_E_STATE;
	else if (to < vm->launch.mem_base || to - vm->launch.mem_base >= vm->launch.mem_size ||
		 pages > (vm->launch.mem_size - (to - vm->launch.mem_base)) >> PAGE_SHIFT ||
		 !ram_region_containing(ipa, pages << PAGE_SHIFT))
		rc = PAL_E_RANGE;
	else if (!mem_s2_reserve_fill())
		rc = PAL_E_NO_MEMORY;
	/* The host loses access (stage-2 unmapped, TLBs invalidated) inside the transition,
	 * before a single byte is measured: what is measured is what the VM will run. */
	else {
		spin_lock(&pvm_transition_lock);
		rc = lend ? mem_lend(VM_ID_HOST, pa_init(ipa), ipa_init(ipa), pages, vm->id,
				     ipa_init(to), MEM_PERM_RWX)
			  : mem_donate(VM_ID_HOST, pa_init(ipa), ipa_init(ipa), pages, vm->id,
				       ipa_init(to));
		spin_unlock(&pvm_transition_lock);
	}
	if (!rc) {
		uint64_t t0 = timer_now();

		for (uint64_t i = 0; i < pages; i++) {
			void *page = (void *)(uintptr_t)(ipa + (i << PAGE_SHIFT));

			if (measure)
				rc = lm_load_page(&vm->launch.lm, to + (i << PAGE_SHIFT), MEM_PERM_RWX, page);
			else
				arch_zero_pages((uint64_t)(uintptr_t)page, PAGE_SIZE);
			if (rc)
				panic("VM %u: measuring a loaded page failed (%d)", vm->id, rc);
		}
		/* The VM starts with its MMU (and so its caches) off: what the host wrote and
		 * the zeroes written here must be in memory, not only in a cache. */
		arch_clean_dcache_poc(ipa, pages << PAGE_SHIFT);
		vm->launch.pages_given += pages;
		if (measure) {
			vm->launch.pages_measured += pages;
			vm->launch.measure_ticks += timer_now() - t0;
		}
	}
	spin_unlock(&vm->launch_lock);
	return rc;
}

int64_t hc_vm_set_boot(struct hc_ctx *ctx, const uint64_t args[], uint64_t results[3])
{
	uint64_t entry = args[1], arg = args[2];
	struct lm_boot b = { .entry = entry, .x = { arg, 0, 0, 0 }, .pstate = ARCH_VCPU_RESET_PSTATE };
	struct vm *vm;
	int rc;

	(void)ctx;
	(void)results;
	if (entry & 3)
		return PAL_E_INVALID;
	vm = launched_vm(args[0], &rc);
	if (!vm)
		return rc;
	spin_lock(&vm->launch_lock);
	if (vm->launch.started || vm->launch.boot_set || vm->state != VM_CREATED)
		rc = PAL_E_STATE;
	else if (entry < vm->launch.mem_base || entry - vm->launch.mem_base >= vm->launch.mem_size)
		rc = PAL_E_RANGE;
	else
		rc = lm_boot(&vm->launch.lm, &b);
	if (!rc) {
		arch_vcpu_reset(&vm->vcpus[0], entry, arg);
		vm->launch.boot_set = true;
	}
	spin_unlock(&vm->launch_lock);
	return rc;
}

/* Logs a VM's sealed launch measurement (the tests and the demo read this line). */
void vm_launch_log_measurement(const struct vm *vm)
{
	char hex[2 * LM_DIGEST_LEN + 1];

	for (unsigned i = 0; i < LM_DIGEST_LEN; i++)
		fmt_snprintf(hex + 2 * i, 3, "%02x", vm->launch.lm.value[i]);
	log_printf("PALISADE: VM %u launch measurement %s (%llu pages measured in %llu us)\n",
		   vm->id, hex, (unsigned long long)vm->launch.pages_measured,
		   (unsigned long long)(vm->launch.measure_ticks * 1000000 / timer_freq()));
}

/* The host may receive 48 bytes at out: 8-byte aligned, in one page of RAM it can use. */
static int host_out_ok(uint64_t out)
{
	struct mem_page_info info;

	if ((out & 7) || (out & PAGE_MASK) + LM_DIGEST_LEN > PAGE_SIZE)
		return PAL_E_INVALID;
	if (!ram_region_containing(out, LM_DIGEST_LEN) ||
	    mem_query(VM_ID_HOST, pa_init(out & ~PAGE_MASK), &info) != PAL_OK ||
	    !(info.perms & MEM_PERM_W))
		return PAL_E_DENIED;
	return PAL_OK;
}

int64_t hc_vm_start(struct hc_ctx *ctx, const uint64_t args[], uint64_t results[3])
{
	uint64_t out = args[1];
	struct vm *vm;
	int rc;

	(void)ctx;
	(void)results;
	vm = launched_vm(args[0], &rc);
	if (!vm)
		return rc;
	if (out && (rc = host_out_ok(out)))
		return rc;
	spin_lock(&vm->launch_lock);
	if (vm->launch.started || vm->state != VM_CREATED || !vm->launch.boot_set ||
	    vm->launch.pages_given != vm->launch.mem_size >> PAGE_SHIFT)
		rc = PAL_E_STATE;
	else
		rc = lm_seal(&vm->launch.lm, vm->launch.mem_base, vm->launch.mem_size,
			     vm->vcpu_count, vm->launch.policy);
	if (!rc) {
		memset(vm->launch.rmr, 0, sizeof(vm->launch.rmr));
		vm->launch.started = true;
		vm->vcpus[0].state = VCPU_RUNNABLE;
		vm->state = VM_RUNNING;
		vm_launch_log_measurement(vm);
		if (out)
			memcpy((void *)(uintptr_t)out, vm->launch.lm.value, LM_DIGEST_LEN);
	}
	spin_unlock(&vm->launch_lock);
	return rc;
}

int64_t hc_vm_irq_line(struct hc_ctx *ctx, const uint64_t args[], uint64_t results[3])
{
	uint64_t intid = args[1], level = args[2];
	struct vm *vm;
	int rc;

	(void)ctx;
	(void)results;
	if (intid < HOST_EMULATED_SPI_FIRST || intid > HOST_EMULATED_SPI_LAST || level > 1)
		return PAL_E_INVALID;
	vm = launched_vm(args[0], &rc);
	if (!vm)
		return rc;
	if (vm->state != VM_RUNNING)
		return PAL_E_STATE;
	vm_irq_set_level(vm, (uint32_t)intid, level != 0);
	return PAL_OK;
}

int64_t hc_vm_destroy(struct hc_ctx *ctx, const uint64_t args[], uint64_t results[3])
{
	struct vm *vm;
	int rc;

	(void)ctx;
	(void)results;
	spin_lock(&launch_global);
	vm = launched_vm(args[0], &rc);
	if (vm) {
		/* Stop every vCPU and wait until none is on a CPU (VCPU_RUN returns at once when
		 * kicked), then zero and return everything. */
		spin_lock(&vm->launch_lock);
		vm->state = VM_STOPPED;
		for (unsigned i = 0; i < vm->vcpu_count; i++) {
			vm->vcpus[i].state = VCPU_STOPPED;
			if (vm->vcpus[i].run_cpu >= 0)
				sched_kick(&vm->vcpus[i]);
		}
		for (unsigned i = 0; i < vm->vcpu_count; i++)
			while (__atomic_load_n(&vm->vcpus[i].run_cpu, __ATOMIC_ACQUIRE) >= 0)
				__asm__ volatile("yield");
		spin_unlock(&vm->launch_lock);
		log_printf("PALISADE: VM %u destroyed by the host\n", vm->id);
		vm_teardown(vm);
	}
	spin_unlock(&launch_global);
	return rc;
}
