/*
 * The hypervisor side of the hypercall ABI. Declarations of the calls themselves are
 * generated from hyp/abi/hypercalls.toml (palisade/hypercall_handlers.h); this header
 * defines the context every handler receives.
 */
#ifndef PALISADE_HYPERCALL_H
#define PALISADE_HYPERCALL_H

#include "palisade/hypercall_abi.h"
#include "palisade/hypercall_handlers.h"
#include "palisade/vmid.h"

struct vm;

struct hc_ctx {
	vm_id_t caller;   /* the VM whose vCPU trapped (never trusted for anything else) */
	struct vm *vm;    /* that VM: it cannot go away while its vCPU is in the call */
};

#endif
