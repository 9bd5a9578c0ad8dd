/*
 * Measurement and attestation calls of protected VMs (0x03xx): ATTEST, MEASURE_EXTEND,
 * MEASURE_READ. docs/attestation.md specifies every byte. The caller is always the VM
 * itself (the dispatcher admits guests only), so the host can never get a protected
 * VM's report; buffers must be in the caller's own private memory, never in a page it
 * shares with the host, so nothing the host can change is read half-way.
 */
#include <string.h>
#include "palisade/crypto.h"
#include "palisade/error.h"
#include "palisade/guest_mem.h"
#include "palisade/hypercall.h"
#include "palisade/report.h"
#include "palisade/boot_identity.h"
#include "palisade/vm.h"

#define RMR_READ_LAUNCH 4

/* The caller's VM, if it is protected and its launch is sealed (it cannot go away:
 * its vCPU is in this call). */
static struct vm *attested_caller(const struct hc_ctx *ctx)
{
	struct vm *vm = ctx->vm;

	return vm && vm->is_protected && pvm_sealed(vm) ? vm : NULL;
}

int64_t hc_attest(struct hc_ctx *ctx, const uint64_t args[], uint64_t results[3])
{
	/* The evidence is built here, in EL2-private memory, and copied out at the end. */
	static uint8_t evidence[ATTEST_EVIDENCE_LEN];
	static spinlock_t evidence_lock = SPINLOCK_INIT;
	struct vm *vm = attested_caller(ctx);
	struct attest_report_in in;
	int rc;

	if (args[1] < ATTEST_EVIDENCE_LEN || !guest_buffer_shape_ok(args[0], ATTEST_EVIDENCE_LEN))
		return PAL_E_INVALID;
	if (!vm)
		return PAL_E_RANGE;   /* not a protected VM: it has no private memory to name */
	if (!boot_identity_available())
		return PAL_E_STATE;
	memset(&in, 0, sizeof(in));
	rc = guest_read(vm, args[0], in.report_data, ATTEST_REPORT_DATA_LEN, MEM_ACCESS_PRIVATE);
	if (rc)
		return rc;
	in.vm_id = vm->id;
	in.policy = vm->launch.policy;
	in.hyp_svn = boot_identity_svn();
	memcpy(in.launch_measurement, vm->launch.lm.value, ATTEST_DIGEST_LEN);
	spin_lock(&vm->measure_lock);
	memcpy(in.rmr, vm->launch.rmr, sizeof(in.rmr));
	spin_unlock(&vm->measure_lock);
	memcpy(in.hyp_measurement, boot_identity_hm(), ATTEST_DIGEST_LEN);
	spin_lock(&evidence_lock);
	rc = attest_evidence_build(&in, boot_identity_endorsement(), boot_identity_sign, evidence);
	/* Signing took millions of instructions: the page is checked again as it is
	 * written, under the ownership lock. If it left the caller, nothing is written. */
	if (!rc)
		rc = guest_write(vm, args[0], evidence, ATTEST_EVIDENCE_LEN, MEM_ACCESS_PRIVATE);
	memset(evidence, 0, sizeof(evidence));
	spin_unlock(&evidence_lock);
	if (!rc)
		results[0] = ATTEST_EVIDENCE_LEN;
	return rc;
}

int64_t hc_measure_extend(struct hc_ctx *ctx, const uint64_t args[], uint64_t results[3])
{
	struct vm *vm = attested_caller(ctx);
	uint8_t digest[ATTEST_DIGEST_LEN];
	int rc;

	(void)results;
	if (args[0] >= ATTEST_RMR_COUNT || !guest_buffer_shape_ok(args[1], ATTEST_DIGEST_LEN))
		return PAL_E_INVALID;
	if (!vm)
		return PAL_E_RANGE;
	rc = guest_read(vm, args[1], digest, sizeof(digest), MEM_ACCESS_PRIVATE);
	if (rc)
		return rc;
	spin_lock(&vm->measure_lock);
	rc = attest_rmr_extend(vm->launch.rmr[args[0]], digest);
	spin_unlock(&vm->measure_lock);
	return rc;
}

int64_t hc_measure_read(struct hc_ctx *ctx, const uint64_t args[], uint64_t results[3])
{
	struct vm *vm = attested_caller(ctx);
	uint8_t value[ATTEST_DIGEST_LEN];

	(void)results;
	if (args[0] > RMR_READ_LAUNCH || !guest_buffer_shape_ok(args[1], ATTEST_DIGEST_LEN))
		return PAL_E_INVALID;
	if (!vm)
		return PAL_E_RANGE;
	spin_lock(&vm->measure_lock);
	memcpy(value, args[0] == RMR_READ_LAUNCH ? vm->launch.lm.value : vm->launch.rmr[args[0]],
	       sizeof(value));
	spin_unlock(&vm->measure_lock);
	return guest_write(vm, args[1], value, sizeof(value), MEM_ACCESS_PRIVATE);
}
