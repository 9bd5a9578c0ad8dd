/*
 * Protected VM launch driven by the host (0x02xx calls of hyp/abi/hypercalls.toml except
 * VCPU_RUN, which is in vcpu_run.c): create, load (measured), set boot, start (sealed),
 * interrupt lines of host-emulated devices, destroy. docs/attestation.md defines the
 * measurement; docs/hypercalls.md the calls.
 *
 * Every call checks all its arguments and the VM's state (one lifecycle table,
 * pvm_lifecycle.h) before changing anything.
 *
 * Lock order: launch_global -> vm->launch_lock -> the ownership module's lock ->
 * vm->lock; vm->measure_lock is a leaf. launch_global guards VM slots and ids: a call
 * finds its VM and takes its launch_lock under it, so the VM cannot be torn down (and
 * its slot reused) while the call holds launch_lock. No CPU waits for another CPU while
 * holding a lock that CPU may need: VM_DESTROY waits for the VM's vCPUs to leave their
 * CPUs holding only launch_global, which nothing a running vCPU does takes.
 * The host cannot reach a protected VM's memory except through VM_LOAD before VM_START:
 * that is a rule of the ownership table itself (mem_launch_give, mem_vm_seal).
 */
#include <string.h>
#include "arch/cpu.h"
#include "arch/vcpu_arch.h"
#include "palisade/boot.h"
#include "palisade/cpu.h"
#include "palisade/error.h"
#include "palisade/format.h"
#include "palisade/guest_mem.h"
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

uint64_t vm_launch_meta_pages_needed(uint64_t mem_size)
{
	return 8 + mem_size / SZ_2M + mem_size / SZ_1G;
}

/* The VM the host names, if it is one the host launched (else NULL, *rc says why).
 * launch_global held: the result stays valid until it is released. */
static struct vm *launched_vm(uint64_t id, int *rc)
{
	struct vm *vm = id < VM_ID_LIMIT ? vm_by_id((vm_id_t)id) : NULL;

	*rc = PAL_OK;
	if (!vm) {
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

/*
 * The launched VM the host names, with its launch_lock held (NULL and *rc otherwise),
 * if the lifecycle allows ev in its phase; *next is the phase the call moves it to.
 */
static struct vm *lock_launched(uint64_t id, enum pvm_event ev, enum pvm_phase *next, int *rc)
{
	struct vm *vm;

	spin_lock(&launch_global);
	vm = launched_vm(id, rc);
	if (vm) {
		spin_lock(&vm->launch_lock);
		*rc = pvm_step(vm->launch.phase, ev, next);
		if (*rc) {
			spin_unlock(&vm->launch_lock);
			vm = NULL;
		}
	}
	spin_unlock(&launch_global);
	return vm;
}

static void set_phase(struct vm *vm, enum pvm_phase p)
{
	__atomic_store_n(&vm->launch.phase, p, __ATOMIC_RELEASE);
}

int64_t hc_vm_create(struct hc_ctx *ctx, const uint64_t args[], uint64_t results[3])
{
	unsigned vcpus = (unsigned)(args[0] & HC_VM_CREATE_CONFIG_VCPUS_MASK);
	bool debug = (args[0] >> HC_VM_CREATE_CONFIG_DEBUG_SHIFT) & 1;
	uint64_t base = args[1], size = args[2], meta = args[3], meta_pages = args[4];
	struct vm_meta m = { pa_init(meta), meta_pages };
	struct vm_config cfg = { .is_protected = true, .host_launched = true,
				 .policy = debug ? ATTEST_POLICY_DEBUG : 0,
				 .mem_base = base, .mem_size = size };
	struct vm *vm = NULL;
	bool donated = false;
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
	rc = id == VM_ID_NONE || !vm_slot_free() ? PAL_E_NO_MEMORY : PAL_OK;
	/* The metadata leaves the host first (all or nothing; its page tables counted),
	 * then the VM is built on it, unpublished; it is published complete, protected in
	 * the ownership table from the instant it exists there. */
	if (!rc)
		rc = mem_donate_to_hyp(m.pa, meta_pages);
	donated = rc == PAL_OK;
	if (!rc)
		rc = vm_create(id, &cfg, vcpus, "pvm", &m, &vm);
	if (!rc)
		rc = vm_irq_init(vm, GUEST_GICD_IPA, GUEST_GICR_IPA);
	if (!rc)
		rc = mem_vm_create(id, MEM_VM_PROTECTED);
	if (!rc) {
		fmt_snprintf(vm->name, sizeof(vm->name), "pvm%u", id);
		vm_publish(vm);
		results[0] = id;
		log_printf("PALISADE: VM %u created by the host: %u vCPU(s), %llu MiB at IPA 0x%llx%s\n",
			   id, vcpus, (unsigned long long)(size >> 20), (unsigned long long)base,
			   debug ? ", debug allowed" : "");
	} else {
		if (vm)
			vm_discard(vm);
		/* Given back zeroed; if even that cannot be had, they stay the hypervisor's
		 * (reported), never a panic. */
		if (donated && mem_return_from_hyp(m.pa, meta_pages))
			log_printf("PALISADE: VM_CREATE failed; its metadata pages at 0x%llx stay "
				   "with the hypervisor\n", (unsigned long long)meta);
	}
	spin_unlock(&launch_global);
	return rc;
}

/* Measures one page of a VM being launched, under the ownership lock (guest_mem.h). */
struct load_page {
	struct vm *vm;
	uint64_t ipa;
	bool measure;
	int rc;
};

static void load_one_page(void *arg, paddr_t page)
{
	struct load_page *l = arg;
	uint64_t va = pa_addr(page);

	if (!l->measure) {
		arch_zero_pages(va, PAGE_SIZE);
	} else {
		/* The host lost access (TLBs invalidated) before this runs; drop any line it
		 * left in a cache, so the bytes hashed are the bytes in memory, which the VM
		 * reads first with its caches off (docs/attestation.md, "Cache maintenance"). */
		arch_clean_inval_dcache_poc(va, PAGE_SIZE);
		l->rc = lm_load_page(&l->vm->launch.lm, l->ipa, MEM_PERM_RWX, (const void *)(uintptr_t)va);
	}
	arch_clean_dcache_poc(va, PAGE_SIZE);
}

int64_t hc_vm_load(struct hc_ctx *ctx, const uint64_t args[], uint64_t results[3])
{
	uint64_t ipa = args[1], pages = args[2], to = args[3], flags = args[4];
	bool measure = flags & HC_VM_LOAD_FLAGS_MEASURE_MASK;
	bool lend = flags & HC_VM_LOAD_FLAGS_LEND_MASK;
	enum pvm_phase next;
	struct vm *vm;
	int rc;

	(void)ctx;
	(void)results;
	if (pages == 0 || ((ipa | to) & PAGE_MASK) || pages > (UINT64_MAX >> PAGE_SHIFT))
		return PAL_E_INVALID;
	vm = lock_launched(args[0], PVM_EV_LOAD, &next, &rc);
	if (!vm)
		return rc;
	if (to < vm->launch.mem_base || to - vm->launch.mem_base >= vm->launch.mem_size ||
	    pages > (vm->launch.mem_size - (to - vm->launch.mem_base)) >> PAGE_SHIFT ||
	    !ram_region_containing(ipa, pages << PAGE_SHIFT))
		rc = PAL_E_RANGE;
	/* The host loses access (stage-2 unmapped, TLBs invalidated) inside the transition,
	 * before a single byte is measured: what is measured is what the VM will run. */
	else
		rc = mem_launch_give(pa_init(ipa), pages, vm->id, ipa_init(to), lend);
	if (!rc) {
		uint64_t t0 = timer_now();

		/* Nothing can move these pages now: the VM never ran, only VM_LOAD gives to
		 * it, MEM_RECLAIM refuses it, VM_DESTROY needs launch_lock. Each page is still
		 * read through the accessor, under the ownership lock. */
		for (uint64_t i = 0; i < pages && !rc; i++) {
			struct load_page l = { vm, to + (i << PAGE_SHIFT), measure, PAL_OK };

			rc = guest_page_access(vm, l.ipa, MEM_ACCESS_PRIVATE, load_one_page, &l);
			if (!rc)
				rc = l.rc;
		}
		if (rc) {
			/* Cannot happen (see above); if it did, this VM can never start. */
			log_printf("PALISADE: VM %u: VM_LOAD could not measure its pages (%d)\n",
				   vm->id, rc);
			rc = PAL_E_STATE;
		} else {
			vm->launch.pages_given += pages;
			if (measure) {
				vm->launch.pages_measured += pages;
				vm->launch.measure_ticks += timer_now() - t0;
			}
		}
	}
	spin_unlock(&vm->launch_lock);
	return rc;
}

int64_t hc_vm_set_boot(struct hc_ctx *ctx, const uint64_t args[], uint64_t results[3])
{
	uint64_t entry = args[1], arg = args[2];
	struct lm_boot b = { .entry = entry, .x = { arg, 0, 0, 0 }, .pstate = ARCH_VCPU_RESET_PSTATE };
	enum pvm_phase next;
	struct vm *vm;
	int rc;

	(void)ctx;
	(void)results;
	if (entry & 3)
		return PAL_E_INVALID;
	vm = lock_launched(args[0], PVM_EV_SET_BOOT, &next, &rc);
	if (!vm)
		return rc;
	if (entry < vm->launch.mem_base || entry - vm->launch.mem_base >= vm->launch.mem_size)
		rc = PAL_E_RANGE;
	else
		rc = lm_boot(&vm->launch.lm, &b);
	if (!rc) {
		arch_vcpu_reset(&vm->vcpus[0], entry, arg);
		set_phase(vm, next);
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

int64_t hc_vm_start(struct hc_ctx *ctx, const uint64_t args[], uint64_t results[3])
{
	uint64_t out = args[1];
	struct lm_state sealed;
	enum pvm_phase next;
	struct vm *vm;
	int rc;

	(void)results;
	if (out && !guest_buffer_shape_ok(out, LM_DIGEST_LEN))
		return PAL_E_INVALID;
	vm = lock_launched(args[0], PVM_EV_START, &next, &rc);
	if (!vm)
		return rc;
	if (vm->launch.pages_given != vm->launch.mem_size >> PAGE_SHIFT)
		rc = PAL_E_STATE;
	/* Sealed in a copy: nothing changes unless every step below succeeds. */
	sealed = vm->launch.lm;
	if (!rc)
		rc = lm_seal(&sealed, vm->launch.mem_base, vm->launch.mem_size, vm->vcpu_count,
			     vm->launch.policy);
	/* The host's out page is checked as it is written, under the ownership lock: a
	 * page it gave away meanwhile (to this or another VM) is refused, untouched. */
	if (!rc && out && guest_write(ctx->vm, out, sealed.value, LM_DIGEST_LEN, 0))
		rc = PAL_E_DENIED;
	if (!rc)
		rc = mem_vm_seal(vm->id);
	if (!rc) {
		vm->launch.lm = sealed;
		memset(vm->launch.rmr, 0, sizeof(vm->launch.rmr));
		/* Its first instructions must be fetched from what was measured, not from a
		 * stale line of the I-cache (docs/attestation.md, "Cache maintenance"). */
		arch_icache_inval_all();
		__atomic_store_n(&vm->vcpus[0].state, VCPU_RUNNABLE, __ATOMIC_SEQ_CST);
		__atomic_store_n(&vm->state, VM_RUNNING, __ATOMIC_SEQ_CST);
		set_phase(vm, next);
		vm_launch_log_measurement(vm);
	}
	spin_unlock(&vm->launch_lock);
	return rc;
}

int64_t hc_vm_irq_line(struct hc_ctx *ctx, const uint64_t args[], uint64_t results[3])
{
	uint64_t intid = args[1], level = args[2];
	enum pvm_phase next;
	struct vm *vm;
	int rc;

	(void)ctx;
	(void)results;
	if (intid < HOST_EMULATED_SPI_FIRST || intid > HOST_EMULATED_SPI_LAST || level > 1)
		return PAL_E_INVALID;
	/* Under launch_lock: the vGIC (and its lock) cannot be torn down under us. */
	vm = lock_launched(args[0], PVM_EV_RUN, &next, &rc);
	if (!vm)
		return rc;
	vm_irq_set_level(vm, (uint32_t)intid, level != 0);
	spin_unlock(&vm->launch_lock);
	return PAL_OK;
}

/* VCPU_RUN's way in: the vCPU, claimed for this CPU (run_cpu), or NULL and *rc. */
struct vcpu *vm_launch_claim_vcpu(uint64_t vm_id, uint64_t index, int cpu, int *rc)
{
	enum pvm_phase next;
	struct vcpu *v = NULL;
	struct vm *vm;
	int expected = -1;

	spin_lock(&launch_global);
	vm = launched_vm(vm_id, rc);
	if (vm && index >= vm->vcpu_count)
		*rc = PAL_E_NOT_FOUND;
	else if (vm)
		*rc = pvm_step(__atomic_load_n(&vm->launch.phase, __ATOMIC_ACQUIRE), PVM_EV_RUN,
			       &next);
	if (vm && !*rc)
		v = &vm->vcpus[index];
	/* One CPU at a time runs a vCPU. With VM_DESTROY's store of the state then load of
	 * run_cpu, this claim then load of the state (all sequentially consistent): at
	 * least one side sees the other, so a vCPU never runs on a VM being destroyed. */
	if (v && !__atomic_compare_exchange_n(&v->run_cpu, &expected, cpu, false,
					      __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
		*rc = PAL_E_STATE;
		v = NULL;
	}
	if (v) {
		enum vcpu_state s = __atomic_load_n(&v->state, __ATOMIC_SEQ_CST);

		v->pcpu = (unsigned)cpu;   /* before anyone can kick it: VM_DESTROY needs this */
		if (s == VCPU_OFF || s == VCPU_STOPPED ||
		    __atomic_load_n(&vm->state, __ATOMIC_SEQ_CST) != VM_RUNNING) {
			__atomic_store_n(&v->run_cpu, -1, __ATOMIC_SEQ_CST);
			*rc = PAL_E_STATE;
			v = NULL;
		}
	}
	spin_unlock(&launch_global);
	return v;
}

int64_t hc_vm_destroy(struct hc_ctx *ctx, const uint64_t args[], uint64_t results[3])
{
	struct vm *vm;
	bool again = false;
	int rc;

	(void)ctx;
	(void)results;
	spin_lock(&launch_global);
	vm = launched_vm(args[0], &rc);
	if (vm) {
		enum pvm_phase next;

		spin_lock(&vm->launch_lock);
		/* A destroy that ran short of the host's page tables may be tried again. */
		again = vm->launch.phase == PVM_DESTROYING;
		if (!again)
			rc = pvm_step(vm->launch.phase, PVM_EV_DESTROY, &next);
		if (!again && !rc) {
			set_phase(vm, next);
			vm_stop_vcpus(vm);
		}
		spin_unlock(&vm->launch_lock);
	}
	if (vm && !rc) {
		/* Wait, holding only launch_global, until no vCPU is on a CPU: a vCPU inside
		 * any hypercall finishes it (none takes launch_global) and VCPU_RUN returns
		 * at once when kicked. Then zero and return everything. */
		for (unsigned i = 0; i < vm->vcpu_count; i++)
			while (__atomic_load_n(&vm->vcpus[i].run_cpu, __ATOMIC_SEQ_CST) >= 0)
				__asm__ volatile("yield");
		if (!again)
			log_printf("PALISADE: VM %u destroyed by the host\n", vm->id);
		rc = vm_teardown(vm);
	}
	spin_unlock(&launch_global);
	return rc;
}
