/*
 * Hypercall lookup and dispatch over the generated table (hypercall_table.c).
 *
 * Portable: no hardware access, no libc; compiled for EL2 and for host unit tests.
 * The core's HVC trap handler calls hc_dispatch() with x0..x6 of the trapped vCPU;
 * everything a call needs to know about its registers comes from the table, so a
 * handler only ever sees arguments that fit their declared types.
 */
#include <stdbool.h>

#include <palisade/hypercall_handlers.h>

#ifdef PALISADE_DEBUG_INVARIANTS
/* Debug image only: the ownership invariants, checked after every call. */
void hc_debug_after_call(struct hc_ctx *ctx, vm_id_t caller, const uint64_t in[HC_NUM_REGS],
			 int64_t status);
#endif

const struct hc_desc *hc_lookup(uint64_t id)
{
	size_t lo = 0, hi = HC_CALL_COUNT;

	/* hc_table is sorted by id (the generator sorts it and asserts so). */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		uint64_t mid_id = hc_table[mid].id;

		if (mid_id == id)
			return &hc_table[mid];
		if (mid_id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/*
 * Copies x1..x6 into args. False if any register has a bit set that the call does
 * not define: above the argument's type width, outside its bit fields, or anywhere
 * in a register past the call's last argument (those masks are 0).
 */
static bool hc_args_valid(const struct hc_desc *d, const uint64_t regs[HC_NUM_REGS],
			  uint64_t args[HC_MAX_ARGS])
{
	bool ok = true;

	for (unsigned int i = 0; i < HC_MAX_ARGS; i++) {
		args[i] = regs[1 + i];
		if (args[i] & ~d->arg_mask[i])
			ok = false;
	}
	return ok;
}

int64_t hc_dispatch(struct hc_ctx *ctx, vm_id_t caller, uint64_t regs[HC_NUM_REGS])
{
	/* SMCCC: the function ID is w0; bit 16 is the SVE hint, not part of the ID. */
	uint32_t fid = (uint32_t)regs[0] & ~HC_SMCCC_SVE_HINT;
	const struct hc_desc *d = hc_lookup(fid);
	uint64_t args[HC_MAX_ARGS];
	uint64_t results[HC_MAX_RESULTS] = { 0, 0, 0 };
	unsigned int nresults;
	int64_t status;
#ifdef PALISADE_DEBUG_INVARIANTS
	uint64_t in[HC_NUM_REGS];

	for (unsigned int i = 0; i < HC_NUM_REGS; i++)
		in[i] = regs[i];
#endif

	if (!d)
		status = PAL_E_NOT_SUPPORTED;
	else if (!(d->callers & hc_caller_class(caller)))
		status = PAL_E_DENIED;
	else if (!hc_args_valid(d, regs, args))
		status = PAL_E_INVALID;
	else
		status = d->handler(ctx, args, results);

	/*
	 * Result registers the call does not define are zero, and on failure all of
	 * them are: nothing a handler left behind reaches the caller.
	 */
	nresults = status == PAL_OK ? d->nresults : 0;
	for (unsigned int i = 0; i < HC_MAX_RESULTS; i++)
		regs[1 + i] = i < nresults ? results[i] : 0;
	regs[0] = (uint64_t)status;
#ifdef PALISADE_DEBUG_INVARIANTS
	hc_debug_after_call(ctx, caller, in, status);   /* hyp/core/mem_check_hook.c */
#endif
	return status;
}
