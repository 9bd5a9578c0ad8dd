/*
 * VM objects: creation, stage-2 mappings, emulated MMIO devices, start and stop.
 * Lock order: vm->lock, then the VM's vgic lock; never two VMs' locks at once.
 */
#include <string.h>
#include "arch/cpu.h"
#include "arch/psci.h"
#include "arch/vcpu_arch.h"
#include "palisade/boot.h"
#include "palisade/cpu.h"
#include "palisade/error.h"
#include "palisade/irq.h"
#include "palisade/log.h"
#include "palisade/mem_own.h"
#include "palisade/mem_s2.h"
#include "palisade/panic.h"
#include "palisade/vm_console.h"
#include "palisade/sched.h"
#include "palisade/vm.h"

struct vm vms[VM_MAX];

/* The published VM of each id (NULL: none): set by vm_publish(), cleared by teardown. */
static struct vm *vm_of_id[VM_ID_LIMIT];

/* Published VMs only: the acquires pair with vm_publish()'s releases, so a VM found
 * here is complete. */
struct vm *vm_by_id(vm_id_t id)
{
	struct vm *vm;
	enum vm_state s;

	if (id >= VM_ID_LIMIT)
		return NULL;
	vm = __atomic_load_n(&vm_of_id[id], __ATOMIC_ACQUIRE);
	if (!vm)
		return NULL;
	s = __atomic_load_n(&vm->state, __ATOMIC_ACQUIRE);
	return s != VM_EMPTY && s != VM_BUILDING && vm->id == id ? vm : NULL;
}

bool vm_slot_free(void)
{
	for (unsigned i = 0; i < VM_MAX; i++)
		if (__atomic_load_n(&vms[i].state, __ATOMIC_ACQUIRE) == VM_EMPTY)
			return true;
	return false;
}

void vm_publish(struct vm *vm)
{
	__atomic_store_n(&vm->state, VM_CREATED, __ATOMIC_RELEASE);
	__atomic_store_n(&vm_of_id[vm->id], vm, __ATOMIC_RELEASE);
}

void vm_discard(struct vm *vm)
{
	if (vm->s2.root)
		s2_destroy(&vm->s2);
	memset(vm, 0, sizeof(*vm));   /* state VM_EMPTY: the slot is free again */
}

/* Stage-2 tables of a VM the host launched come from the metadata pages it donated;
 * the others' from the hypervisor's page pool (VA == PA at EL2). Counted per VM. */
static void *s2_alloc_table(void *cookie, size_t bytes, paddr_t *pa)
{
	struct vm *vm = cookie;
	void *t;

	if (!vm->launch.meta_pages) {
		t = mem_s2_alloc_table(bytes, pa);
	} else {
		uint64_t p = page_alloc_aligned(&vm->launch.meta_pool, bytes >> PAGE_SHIFT,
						bytes >> PAGE_SHIFT);

		*pa = pa_init(p);
		t = (void *)(uintptr_t)p;
	}
	if (t)
		vm->s2_table_pages += bytes >> PAGE_SHIFT;
	return t;
}

static void s2_free_table(void *cookie, void *va, size_t bytes)
{
	struct vm *vm = cookie;

	page_free(vm->launch.meta_pages ? &vm->launch.meta_pool : &hyp_pool,
		  (uint64_t)(uintptr_t)va, bytes >> PAGE_SHIFT);
	vm->s2_table_pages -= bytes >> PAGE_SHIFT;
}

/* Invalidate the VM's stage-2 TLB entries for a range on every CPU (inner shareable). */
static void s2_tlb_inv(void *cookie, ipaddr_t ipa, uint64_t size)
{
	struct vm *vm = cookie;
	uint64_t saved = read_sysreg(vttbr_el2);

	/* TLBI by IPA acts on the VMID in VTTBR_EL2: switch to the VM's for the call.
	 * HCR_EL2.TGE is never set, so the EL1 TLBIs act on the EL1&0 regime. */
	dsb(ishst);
	write_sysreg(vttbr_el2, vm->vttbr);
	isb();
	if (size > (64ull << 20)) {
		__asm__ volatile("tlbi vmalls12e1is" ::: "memory");
	} else {
		for (uint64_t a = ipa_addr(ipa); a < ipa_addr(ipa) + size; a += PAGE_SIZE)
			__asm__ volatile("tlbi ipas2e1is, %0" : : "r"(a >> 12) : "memory");
		dsb(ish);
		__asm__ volatile("tlbi vmalle1is" ::: "memory");
	}
	dsb(ish);
	write_sysreg(vttbr_el2, saved);
	isb();
}

/* Callers serialise creation (boot: one CPU; VM_CREATE: launch_global). */
int vm_create(vm_id_t id, const struct vm_config *cfg, unsigned vcpus, const char *name,
	      const struct vm_meta *meta, struct vm **out)
{
	struct vm *vm = NULL;
	struct s2_mm_ops ops;
	bool is_host = cfg->is_host;
	int rc;

	if (vcpus == 0 || vcpus > VCPU_MAX_PER_VM || vcpus > cpu_count || vm_by_id(id) ||
	    id == VM_ID_HYP || id >= VM_ID_LIMIT)
		return PAL_E_INVALID;
	for (unsigned i = 0; i < VM_MAX && !vm; i++)
		if (__atomic_load_n(&vms[i].state, __ATOMIC_ACQUIRE) == VM_EMPTY)
			vm = &vms[i];
	if (!vm)
		return PAL_E_NO_MEMORY;
	memset(vm, 0, sizeof(*vm));
	vm->state = VM_BUILDING;
	vm->id = id;
	vm->is_host = is_host;
	vm->is_protected = cfg->is_protected;
	vm->launch.host_launched = cfg->host_launched;
	vm->launch.policy = cfg->policy;
	vm->launch.mem_base = cfg->mem_base;
	vm->launch.mem_size = cfg->mem_size;
	vm->launch.phase = PVM_CREATED;
	lm_init(&vm->launch.lm);
	vm->lock = (spinlock_t)SPINLOCK_INIT;
	vm->launch_lock = (spinlock_t)SPINLOCK_INIT;
	vm->measure_lock = (spinlock_t)SPINLOCK_INIT;
	vm->psci_lock = (spinlock_t)SPINLOCK_INIT;
	if (meta) {
		/* The first metadata page holds the pool's bitmap, the rest are the pool. Its
		 * tables map only its launch memory, so the pool bounds them (VM_CREATE asks
		 * for enough pages for every table that memory can need). */
		vm->launch.meta_pa = meta->pa;
		vm->launch.meta_pages = meta->pages;
		vm->s2_table_pages_max = meta->pages - 1;
		rc = page_pool_init(&vm->launch.meta_pool, pa_addr(meta->pa) + PAGE_SIZE,
				    meta->pages - 1, (uint64_t *)(uintptr_t)pa_addr(meta->pa));
		if (rc) {
			memset(vm, 0, sizeof(*vm));
			return rc;
		}
	}
	memcpy(vm->name, name, strnlen(name, sizeof(vm->name) - 1));
	ops = (struct s2_mm_ops){ s2_alloc_table, s2_free_table, s2_tlb_inv, vm };
	rc = s2_init(&vm->s2, &ops);
	if (rc) {
		memset(vm, 0, sizeof(*vm));
		return rc;
	}
	/* VMID = VM id: unique while the VM exists; 8-bit VMIDs cover VM_ID_LIMIT. */
	vm->vttbr = s2_vttbr(&vm->s2, id);
	vm->vcpu_count = vcpus;
	for (unsigned i = 0; i < vcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];

		v->vm = vm;
		v->index = i;
		/* The host's vCPU i runs on CPU i; guests' vCPUs spread from the last CPU
		 * down, so a guest's first vCPU does not share CPU 0 with the host's. */
		v->pcpu = is_host ? i : (cpu_count - 1 - (i % cpu_count));
		v->state = VCPU_OFF;
		v->run_cpu = -1;
		arch_vcpu_reset(v, 0, 0);
	}
	*out = vm;
	return PAL_OK;
}

int vm_map(struct vm *vm, ipaddr_t ipa, paddr_t pa, uint64_t size, unsigned prot)
{
	int rc;

	spin_lock(&vm->lock);
	rc = s2_map(&vm->s2, ipa, pa, size, prot);
	spin_unlock(&vm->lock);
	return rc;
}

int vm_translate(struct vm *vm, ipaddr_t ipa, paddr_t *pa, unsigned *prot)
{
	int rc;

	spin_lock(&vm->lock);
	rc = s2_lookup(&vm->s2, ipa, pa, prot, NULL);
	spin_unlock(&vm->lock);
	return rc;
}

int vm_add_mmio(struct vm *vm, uint64_t base, uint64_t size,
		int (*access)(struct vm *, struct vcpu *, void *, uint64_t, unsigned, bool, uint64_t *),
		void *dev)
{
	if (vm->mmio_count == VM_MAX_MMIO_DEVICES)
		return PAL_E_NO_MEMORY;
	vm->mmio[vm->mmio_count++] = (struct vm_mmio_device){ base, size, access, dev };
	return PAL_OK;
}

void vm_start(struct vm *vm, uint64_t entry, uint64_t arg0)
{
	struct vcpu *v0 = &vm->vcpus[0];

	arch_vcpu_reset(v0, entry, arg0);
	vm->state = VM_RUNNING;
	vm->live_vcpus = vm->vcpu_count;
	for (unsigned i = 0; i < vm->vcpu_count; i++)
		sched_add(&vm->vcpus[i]);
	__atomic_store_n(&v0->state, VCPU_RUNNABLE, __ATOMIC_SEQ_CST);
	sched_kick(v0);
}

void vm_stop(struct vm *vm, const char *why)
{
	log_printf("PALISADE: VM %u (%s) stopped: %s\n", vm->id, vm->name, why);
	if (vm->is_host) {
		log_printf("PALISADE: the host VM stopped; powering off\n");
		psci_system_off();
	}
	/* A running protected VM's lifecycle moves on (VM_DESTROY's may already have). */
	spin_lock(&vm->launch_lock);
	enum pvm_phase next;
	if (pvm_step(vm->launch.phase, PVM_EV_STOP, &next) == PAL_OK)
		__atomic_store_n(&vm->launch.phase, next, __ATOMIC_RELEASE);
	vm_stop_vcpus(vm);
	spin_unlock(&vm->launch_lock);
}

void vm_stop_vcpus(struct vm *vm)
{
	__atomic_store_n(&vm->state, VM_STOPPED, __ATOMIC_SEQ_CST);
	for (unsigned i = 0; i < vm->vcpu_count; i++) {
		__atomic_store_n(&vm->vcpus[i].state, VCPU_STOPPED, __ATOMIC_SEQ_CST);
		sched_kick(&vm->vcpus[i]);
	}
}

/* Under the ownership lock, between returning the VM's pages and its metadata: every
 * TLB entry of the VMID goes (walk caches included), then its tables. */
static void release_stage2(void *arg)
{
	struct vm *vm = arg;

	s2_tlb_inv(vm, ipa_init(0), S2_IPA_LIMIT);
	spin_lock(&vm->lock);
	s2_destroy(&vm->s2);
	spin_unlock(&vm->lock);
}

/*
 * The last of a stopped VM's vCPUs has left its CPU (sched.c, or VM_DESTROY's wait): no
 * CPU can run the VM or hold its state any more. Every page it had is zeroed and
 * returned (hyp/mem), its VMID's TLB entries and its tables go, and the slot is free
 * again.
 */
int vm_teardown(struct vm *vm)
{
	int rc = mem_vm_teardown(vm->id, vm->launch.meta_pa, vm->launch.meta_pages,
				 release_stage2, vm);

	if (rc) {
		/* The host's page tables ran out: the VM stays stopped, whole, and a later
		 * VM_DESTROY can finish the job. Never a panic. */
		log_printf("PALISADE: VM %u (%s) cannot be torn down yet (%d)\n", vm->id,
			   vm->name, rc);
		return rc;
	}
	vm_console_detach(vm);
	vm->teardown_pending = false;
	log_printf("PALISADE: VM %u (%s) torn down: its memory zeroed and returned to the host\n",
		   vm->id, vm->name);
	__atomic_store_n(&vm_of_id[vm->id], NULL, __ATOMIC_RELEASE);
	__atomic_store_n(&vm->state, VM_EMPTY, __ATOMIC_RELEASE);
	return PAL_OK;
}

void vm_teardown_retry(void)
{
	for (unsigned i = 0; i < VM_MAX; i++) {
		struct vm *vm = &vms[i];

		/* One CPU wins each retry; a VM the host launched is VM_DESTROY's to finish.
		 * Read first: the idle loop of every CPU comes here, and nothing is pending
		 * almost always. */
		if (!vm->launch.host_launched &&
		    __atomic_load_n(&vm->teardown_pending, __ATOMIC_ACQUIRE) &&
		    __atomic_exchange_n(&vm->teardown_pending, false, __ATOMIC_ACQ_REL) &&
		    vm_teardown(vm) != PAL_OK)
			__atomic_store_n(&vm->teardown_pending, true, __ATOMIC_RELEASE);
	}
}
