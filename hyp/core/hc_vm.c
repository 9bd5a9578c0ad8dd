/*
 * Protected VM launch hypercalls (0x02xx) and attestation calls (0x03xx): placeholders
 * until the launch path lands; every call fails cleanly with NOT_SUPPORTED.
 */
#include "palisade/error.h"
#include "palisade/hypercall.h"

#define PLACEHOLDER(fn) \
	int64_t fn(struct hc_ctx *ctx, const uint64_t args[], uint64_t results[3]) \
	{ (void)ctx; (void)args; (void)results; return PAL_E_NOT_SUPPORTED; }

PLACEHOLDER(hc_vm_create)
PLACEHOLDER(hc_vm_load)
PLACEHOLDER(hc_vm_set_boot)
PLACEHOLDER(hc_vm_start)
PLACEHOLDER(hc_vcpu_run)
PLACEHOLDER(hc_vm_irq_line)
PLACEHOLDER(hc_vm_destroy)
PLACEHOLDER(hc_attest)
PLACEHOLDER(hc_measure_extend)
PLACEHOLDER(hc_measure_read)
