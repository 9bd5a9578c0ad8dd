/*
 * Virtual machines. The host VM (VM_ID_HOST) is the primary VM; guests are the other VMs.
 * Each VM has its own stage-2 tables and VMID, vCPUs, emulated GICv3 and console.
 */
#ifndef PALISADE_VM_H
#define PALISADE_VM_H

#include <stdbool.h>
#include <stdint.h>
#include "palisade/addr.h"
#include "palisade/launch_measure.h"
#include "palisade/page_alloc.h"
#include "palisade/pvm_lifecycle.h"
#include "palisade/spinlock.h"
#include "palisade/stage2.h"
#include "palisade/vcpu.h"
#include "palisade/vmid.h"

#define VM_MAX 8
#define VM_MAX_MMIO_DEVICES 8

/* VM_BUILDING: a slot taken by vm_create() and not yet published (invisible). */
enum vm_state { VM_EMPTY = 0, VM_CREATED, VM_RUNNING, VM_STOPPED, VM_BUILDING };

/* An emulated device in a VM's IPA space (stage-2 unmapped, accesses trap). */
struct vm_mmio_device {
	uint64_t base, size;
	/* Returns PAL_OK, or an error so the access gets an external abort. */
	int (*access)(struct vm *vm, struct vcpu *vcpu, void *dev, uint64_t offset,
		      unsigned size, bool write, uint64_t *value);
	void *dev;
};

/*
 * Launch state of a protected VM (docs/attestation.md): its memory range, what has been
 * given, the measurement chain and, for VMs the host launches (VM_CREATE), the metadata
 * pages its stage-2 tables come from.
 */
struct vm_launch {
	bool host_launched;             /* made by VM_CREATE: driven by the host's calls */
	enum pvm_phase phase;           /* the lifecycle (pvm_lifecycle.h); launch_lock */
	bool reset_requested;           /* it stopped with PSCI SYSTEM_RESET */
	uint32_t policy;                /* ATTEST_POLICY_* */
	uint64_t mem_base, mem_size;
	uint64_t pages_given;           /* pages of [mem_base, +mem_size) mapped so far */
	uint64_t pages_measured;        /* LOAD_PAGE records */
	uint64_t measure_ticks;         /* counter ticks spent hashing them (a cost figure) */
	paddr_t meta_pa;
	uint64_t meta_pages;
	struct page_pool meta_pool;     /* stage-2 tables; empty for boot-manifest VMs */
	struct lm_state lm;
	uint8_t rmr[4][LM_DIGEST_LEN];  /* runtime measurement registers; measure_lock */
};

/* What a VM is, fixed before any other CPU can find it (vm_create). */
struct vm_config {
	bool is_host;
	bool is_protected;
	bool host_launched;
	uint32_t policy;                /* ATTEST_POLICY_* */
	uint64_t mem_base, mem_size;    /* protected VMs: the RAM the launch must fill */
};

struct vm {
	vm_id_t id;
	volatile enum vm_state state;
	bool is_host;
	bool is_protected;              /* the host may never map its memory */
	char name[16];
	spinlock_t lock;                /* stage-2 changes; taken before any vgic lock */
	struct s2_pgtable s2;
	uint64_t vttbr;
	unsigned vcpu_count;
	volatile unsigned live_vcpus;   /* still on a CPU's run queue */
	bool teardown_pending;          /* stopped, teardown refused for want of tables */
	/* Page-table pages its stage-2 holds now, and the most it can ever hold (0: no
	 * bound known); under the ownership lock at run time (mem_s2.c, tables_headroom). */
	uint64_t s2_table_pages, s2_table_pages_max;
	struct vcpu vcpus[VCPU_MAX_PER_VM];
	struct vm_mmio_device mmio[VM_MAX_MMIO_DEVICES];
	unsigned mmio_count;
	struct vgic *vgic;
	uint64_t gicd_ipa, gicr_ipa;
	spinlock_t launch_lock;         /* launch calls; taken before vm->lock */
	spinlock_t measure_lock;        /* a leaf: the runtime measurement registers */
	spinlock_t psci_lock;           /* a leaf: PSCI CPU_ON of this VM's vCPUs */
	struct vm_launch launch;
};

/* Sealed: its launch measurement is final (running, or stopped after running). */
static inline bool pvm_sealed(const struct vm *vm)
{
	enum pvm_phase p = __atomic_load_n(&vm->launch.phase, __ATOMIC_ACQUIRE);

	return p == PVM_RUNNING || p == PVM_STOPPED;
}

extern struct vm vms[VM_MAX];

struct vm *vm_by_id(vm_id_t id);
/* Pages the host donated for a VM's metadata (its stage-2 tables), already the
 * hypervisor's; the first holds the allocator's bitmap, so pages - 1 <= 32768. */
struct vm_meta {
	paddr_t pa;
	uint64_t pages;
};

/*
 * Builds a VM in a free slot, invisible to vm_by_id() until vm_publish(): every field
 * is set before any other CPU can find it. meta: NULL for the VMs the hypervisor builds
 * at boot (their tables come from its pool). vm_discard() frees an unpublished slot.
 */
int vm_create(vm_id_t id, const struct vm_config *cfg, unsigned vcpus, const char *name,
	      const struct vm_meta *meta, struct vm **out);
void vm_publish(struct vm *vm);
bool vm_slot_free(void);
void vm_discard(struct vm *vm);
int vm_map(struct vm *vm, ipaddr_t ipa, paddr_t pa, uint64_t size, unsigned prot);
/* ipa through the VM's stage-2 under its lock (s2_lookup's results; pa, prot may be NULL). */
int vm_translate(struct vm *vm, ipaddr_t ipa, paddr_t *pa, unsigned *prot);
int vm_add_mmio(struct vm *vm, uint64_t base, uint64_t size,
		int (*access)(struct vm *, struct vcpu *, void *, uint64_t, unsigned, bool, uint64_t *),
		void *dev);
/* Sets up vCPU 0 to enter at 'entry' with x0 = arg0 (Linux boot protocol) and queues it. */
void vm_start(struct vm *vm, uint64_t entry, uint64_t arg0);
/* Stops every vCPU of the VM (guest PSCI SYSTEM_OFF); the host stopping powers off. */
void vm_stop(struct vm *vm, const char *why);
/* The VM and each of its vCPUs STOPPED (sequentially consistent stores, then a kick of
 * each vCPU's CPU): no vCPU enters the VM again. Caller holds vm->launch_lock. */
void vm_stop_vcpus(struct vm *vm);
/* No vCPU of the VM is on a CPU any more (see vm.c): zero and return its memory, free
 * its slot. PAL_E_NO_MEMORY (nothing changed) if the host's page tables cannot be had. */
int vm_teardown(struct vm *vm);
/* Boot-manifest VMs whose teardown was refused: tried again (the scheduler's idle loop). */
void vm_teardown_retry(void);

#endif
