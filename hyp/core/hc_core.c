/* Core hypercalls (0x00xx group of hyp/abi/hypercalls.toml). */
#include "palisade/hypercall.h"
#include "palisade/version.h"

int64_t hc_version(struct hc_ctx *ctx, const uint64_t args[], uint64_t results[3])
{
	(void)ctx;
	(void)args;
	results[0] = PAL_ABI_VERSION;
	results[1] = ((uint64_t)PALISADE_VERSION_MAJOR << HC_VERSION_HYP_VERSION_MAJOR_SHIFT) |
		     ((uint64_t)PALISADE_VERSION_MINOR << HC_VERSION_HYP_VERSION_MINOR_SHIFT) |
		     ((uint64_t)PALISADE_VERSION_PATCH << HC_VERSION_HYP_VERSION_PATCH_SHIFT);
	return PAL_OK;
}

int64_t hc_caller_id(struct hc_ctx *ctx, const uint64_t args[], uint64_t results[3])
{
	(void)args;
	results[0] = ctx->caller;
	return PAL_OK;
}
