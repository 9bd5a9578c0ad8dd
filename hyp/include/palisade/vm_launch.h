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

/*
 * VCPU_RUN's way in: vCPU index of the running VM the host launched as vm_id, claimed
 * for CPU cpu (its run_cpu; the caller sets it back to -1 when it returns), or NULL
 * with *rc PAL_E_NOT_FOUND (no such VM or vCPU), PAL_E_DENIED (not host-launched) or
 * PAL_E_STATE (not running, vCPU off or already on a CPU).
 */
struct vcpu *vm_launch_claim_vcpu(uint64_t vm_id, uint64_t index, int cpu, int *rc);

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
