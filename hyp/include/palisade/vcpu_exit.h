/* What a vCPU's exit to EL2 means, and what the hypervisor does about it. */
#ifndef PALISADE_VCPU_EXIT_H
#define PALISADE_VCPU_EXIT_H

#include "arch/vcpu_arch.h"
#include "palisade/mmio.h"
#include "palisade/vcpu.h"

void vcpu_handle_exit(struct vcpu *v, const struct vcpu_exit *e);

/* SMCCC/PSCI calls from guests (HVC or trapped SMC). Returns true if handled. */
bool psci_guest_call(struct vcpu *v);

#endif
