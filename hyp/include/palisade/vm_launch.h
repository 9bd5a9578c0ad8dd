/*
 * Protected VMs the host launches (vm_launch.c, vcpu_run.c): shared definitions.
 */
#ifndef PALISADE_VM_LAUNCH_H
#define PALISADE_VM_LAUNCH_H

#include <stdint.h>
#include "palisade/vm.h"

/* VCPU_RUN exit reasons (hypercalls.toml, VCPU_RUN's exit.reason). */
enum vcpu_run_exit {
	VCPU_EXIT_NONE = 0,
	VCPU_EXIT_MMIO = 1,
	VCPU_EXIT_HALT = 2,
	VCPU_EXIT_INTERRUPTED = 3,
	VCPU_EXIT_CPU_ON = 4,
	VCPU_EXIT_CPU_OFF = 5,
	VCPU_EXIT_SHUTDOWN = 6,
};

/* Serialises VM_LOAD's lending with the host's MEM_RECLAIM checks (hc_mem.c). */
extern spinlock_t pvm_transition_lock;

/* The VM the host names, if it is one the host launched: else NULL with *rc
 * PAL_E_NOT_FOUND (no such VM) or PAL_E_DENIED (not host-launched). */
struct vm *launched_vm(uint64_t id, int *rc);

/* Metadata pages VM_CREATE needs for a VM of mem_size bytes. */
uint64_t vm_launch_meta_pages_needed(uint64_t mem_size);

/* Logs "PALISADE: VM <id> launch measurement <hex>". */
void vm_launch_log_measurement(const struct vm *vm);

/* For exit handlers: an exit of a host-driven vCPU that VCPU_RUN must report. */
static inline void vcpu_run_set_exit(struct vcpu *v, uint64_t code, uint64_t addr, uint64_t data)
{
	v->exit_code = code;
	v->exit_addr = addr;
	v->exit_data = data;
}

#endif
