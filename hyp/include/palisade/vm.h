/*
 * Virtual machines. The host VM (VM_ID_HOST) is the primary VM; guests are the other VMs.
 * Each VM has its own stage-2 tables and VMID, vCPUs, emulated GICv3 and console.
 */
#ifndef PALISADE_VM_H
#define PALISADE_VM_H

#include <stdbool.h>
#include <stdint.h>
#include "palisade/addr.h"
#include "palisade/spinlock.h"
#include "palisade/stage2.h"
#include "palisade/vcpu.h"
#include "palisade/vmid.h"

#define VM_MAX 8
#define VM_MAX_MMIO_DEVICES 8

enum vm_state { VM_EMPTY = 0, VM_CREATED, VM_RUNNING, VM_STOPPED };

/* An emulated device in a VM's IPA space (stage-2 unmapped, accesses trap). */
struct vm_mmio_device {
	uint64_t base, size;
	/* Returns PAL_OK, or an error so the access gets an external abort. */
	int (*access)(struct vm *vm, struct vcpu *vcpu, void *dev, uint64_t offset,
		      unsigned size, bool write, uint64_t *value);
	void *dev;
};

struct vm {
	vm_id_t id;
	volatile enum vm_state state;
	bool is_host;
	char name[16];
	spinlock_t lock;                /* stage-2 changes; taken before any vgic lock */
	struct s2_pgtable s2;
	uint64_t vttbr;
	unsigned vcpu_count;
	volatile unsigned live_vcpus;   /* still on a CPU's run queue */
	struct vcpu vcpus[VCPU_MAX_PER_VM];
	struct vm_mmio_device mmio[VM_MAX_MMIO_DEVICES];
	unsigned mmio_count;
	struct vgic *vgic;
	uint64_t gicd_ipa, gicr_ipa;
};

extern struct vm vms[VM_MAX];

struct vm *vm_by_id(vm_id_t id);
int vm_create(vm_id_t id, bool is_host, unsigned vcpus, const char *name, struct vm **out);
int vm_map(struct vm *vm, ipaddr_t ipa, paddr_t pa, uint64_t size, unsigned prot);
int vm_add_mmio(struct vm *vm, uint64_t base, uint64_t size,
		int (*access)(struct vm *, struct vcpu *, void *, uint64_t, unsigned, bool, uint64_t *),
		void *dev);
/* Sets up vCPU 0 to enter at 'entry' with x0 = arg0 (Linux boot protocol) and queues it. */
void vm_start(struct vm *vm, uint64_t entry, uint64_t arg0);
/* Stops every vCPU of the VM (guest PSCI SYSTEM_OFF); the host stopping powers off. */
void vm_stop(struct vm *vm, const char *why);
/* Called by the CPU that dropped the VM's last vCPU; see vm.c. */
void vm_teardown(struct vm *vm);

#endif
