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
#include "palisade/hypercall.h"
#include "palisade/mem_own.h"
#include "palisade/report.h"
#include "palisade/boot_identity.h"
#include "palisade/vm.h"

#define RMR_READ_LAUNCH 4

/* The caller's VM, if it is protected and its launch is sealed. */
static struct vm *attested_caller(const struct hc_ctx *ctx)
{
	struct vm *vm = vm_by_id(ctx->caller);

	return vm && vm->is_protected && vm->launch.started ? vm : NULL;
}

/* [ipa, ipa + len) in one page of the caller's private memory: its EL2 address. */
static int private_buffer(struct vm *vm, uint64_t ipa, uint64_t len, uint8_t **out)
{
	struct mem_page_info info;
	paddr_t pa;
	int rc;

	if ((ipa & 7) || (ipa & PAGE_MASK) + len > PAGE_SIZE)
		return PAL_E_INVALID;
	rc = vm_translate(vm, ipa_init(ipa), &pa, NULL);
	if (rc != PAL_OK || mem_query(vm->id, pa_init(pa_addr(pa) & ~PAGE_MASK), &info) != PAL_OK ||
	    (info.view != MEM_VIEW_OWNED && info.view != MEM_VIEW_BORROWED))
		return PAL_E_RANGE;
	*out = (uint8_t *)(uintptr_t)pa_addr(pa);
	return PAL_OK;
}

int64_t hc_attest(struct hc_ctx *ctx, const uint64_t args[], uint64_t results[3])
{
	static uint8_t evidence[ATTEST_EVIDENCE_LEN];
	static spinlock_t evidence_lock = SPINLOCK_INIT;
	struct vm *vm = attested_caller(ctx);
	struct attest_report_in in;
	uint8_t *buf;
	int rc;

	if (args[1] < ATTEST_EVIDENCE_LEN)
		return PAL_E_INVALID;
	if (!vm)
		return PAL_E_RANGE;   /* not a protected VM: it has no private memory to name */
	rc = private_buffer(vm, args[0], ATTEST_EVIDENCE_LEN, &buf);
	if (rc)
		return rc;
	if (!boot_identity_available())
		return PAL_E_STATE;
	memset(&in, 0, sizeof(in));
	in.vm_id = vm->id;
	in.policy = vm->launch.policy;
	in.hyp_svn = boot_identity_svn();
	memcpy(in.report_data, buf, ATTEST_REPORT_DATA_LEN);
	memcpy(in.launch_measurement, vm->launch.lm.value, ATTEST_DIGEST_LEN);
	spin_lock(&vm->launch_lock);
	memcpy(in.rmr, vm->launch.rmr, sizeof(in.rmr));
	spin_unlock(&vm->launch_lock);
	memcpy(in.hyp_measurement, boot_identity_hm(), ATTEST_DIGEST_LEN);
	spin_lock(&evidence_lock);
	rc = attest_evidence_build(&in, boot_identity_endorsement(), boot_identity_sign, evidence);
	if (!rc)
		memcpy(buf, evidence, ATTEST_EVIDENCE_LEN);
	spin_unlock(&evidence_lock);
	if (!rc)
		results[0] = ATTEST_EVIDENCE_LEN;
	return rc;
}

int64_t hc_measure_extend(struct hc_ctx *ctx, const uint64_t args[], uint64_t results[3])
{
	struct vm *vm = attested_caller(ctx);
	uint8_t digest[ATTEST_DIGEST_LEN], *buf;
	int rc;

	(void)results;
	if (args[0] >= ATTEST_RMR_COUNT)
		return PAL_E_INVALID;
	if (!vm)
		return PAL_E_RANGE;
	rc = private_buffer(vm, args[1], ATTEST_DIGEST_LEN, &buf);
	if (rc)
		return rc;
	memcpy(digest, buf, sizeof(digest));
	spin_lock(&vm->launch_lock);
	rc = attest_rmr_extend(vm->launch.rmr[args[0]], digest);
	spin_unlock(&vm->launch_lock);
	return rc;
}

int64_t hc_measure_read(struct hc_ctx *ctx, const uint64_t args[], uint64_t results[3])
{
	struct vm *vm = attested_caller(ctx);
	uint8_t value[ATTEST_DIGEST_LEN], *buf;
	int rc;

	(void)results;
	if (args[0] > RMR_READ_LAUNCH)
		return PAL_E_INVALID;
	if (!vm)
		return PAL_E_RANGE;
	rc = private_buffer(vm, args[1], ATTEST_DIGEST_LEN, &buf);
	if (rc)
		return rc;
	spin_lock(&vm->launch_lock);
	memcpy(value, args[0] == RMR_READ_LAUNCH ? vm->launch.lm.value : vm->launch.rmr[args[0]],
	       sizeof(value));
	spin_unlock(&vm->launch_lock);
	memcpy(buf, value, sizeof(value));
	return PAL_OK;
}
