/*
 * Memory ownership hypercalls (0x01xx group of hyp/abi/hypercalls.toml): thin wrappers
 * that authenticate nothing themselves (the caller's id comes from the trapping vCPU),
 * translate the caller's IPA to a PA through its own stage-2, and let the ownership
 * module (hyp/mem) check and commit the whole range.
 */
#include "palisade/error.h"
#include "palisade/hypercall.h"
#include "palisade/mem_own.h"
#include "palisade/vm.h"

/* The PA behind the caller's first page. The host is identity mapped; a guest's page
 * must be mapped in its stage-2. The ownership module re-checks every page of the range
 * under its lock, so a later page that is not contiguous makes the call fail. */
static int caller_pa(vm_id_t caller, uint64_t ipa, paddr_t *pa)
{
	struct vm *vm = vm_by_id(caller);
	int rc;

	if (ipa & PAGE_MASK)
		return PAL_E_INVALID;
	if (caller == VM_ID_HOST) {
		*pa = pa_init(ipa);
		return PAL_OK;
	}
	if (!vm)
		return PAL_E_NOT_FOUND;
	rc = vm_translate(vm, ipa_init(ipa), pa, NULL);
	return rc == PAL_OK ? PAL_OK : PAL_E_RANGE;
}

/* Where the receiver sees the pages: the host only ever at their PA. */
static int receiver_ipa(vm_id_t to, uint64_t to_ipa, paddr_t pa, ipaddr_t *out)
{
	if (to == VM_ID_HOST) {
		if (to_ipa != 0)
			return PAL_E_INVALID;
		*out = ipa_from_pa_identity(pa);
		return PAL_OK;
	}
	if (!vm_by_id(to))
		return PAL_E_NOT_FOUND;
	*out = ipa_init(to_ipa);
	return PAL_OK;
}

enum give { GIVE_DONATE, GIVE_LEND, GIVE_SHARE };

static int64_t give(struct hc_ctx *ctx, const uint64_t args[], enum give how)
{
	vm_id_t to = (vm_id_t)args[2];
	paddr_t pa;
	ipaddr_t to_ipa;
	uint8_t perms = how == GIVE_DONATE ? MEM_PERM_RWX : (uint8_t)args[4];
	int rc;

	if (args[1] == 0 || (how != GIVE_DONATE && (perms & MEM_PERM_RWX) == 0))
		return PAL_E_INVALID;
	/* Nobody gives memory to a protected VM this way (only VM_LOAD, measured, before
	 * it starts): the ownership table itself refuses it (mem_own.h). */
	rc = caller_pa(ctx->caller, args[0], &pa);
	if (!rc)
		rc = receiver_ipa(to, args[3], pa, &to_ipa);
	if (rc)
		return rc;
	switch (how) {
	case GIVE_DONATE:
		return mem_donate(ctx->caller, pa, ipa_init(args[0]), args[1], to, to_ipa);
	case GIVE_LEND:
		return mem_lend(ctx->caller, pa, ipa_init(args[0]), args[1], to, to_ipa, perms);
	default:
		return mem_share(ctx->caller, pa, ipa_init(args[0]), args[1], to, to_ipa, perms);
	}
}

int64_t hc_mem_donate(struct hc_ctx *ctx, const uint64_t args[], uint64_t results[3])
{
	(void)results;
	return give(ctx, args, GIVE_DONATE);
}

int64_t hc_mem_lend(struct hc_ctx *ctx, const uint64_t args[], uint64_t results[3])
{
	(void)results;
	return give(ctx, args, GIVE_LEND);
}

int64_t hc_mem_share(struct hc_ctx *ctx, const uint64_t args[], uint64_t results[3])
{
	(void)results;
	return give(ctx, args, GIVE_SHARE);
}

enum take { TAKE_RELINQUISH, TAKE_RECLAIM, TAKE_UNSHARE };

static int64_t take(struct hc_ctx *ctx, const uint64_t args[], enum take how)
{
	paddr_t pa;
	int rc = args[1] == 0 ? PAL_E_INVALID : caller_pa(ctx->caller, args[0], &pa);

	if (rc)
		return rc;
	switch (how) {
	case TAKE_RELINQUISH:
		return mem_relinquish(ctx->caller, pa, ipa_init(args[0]), args[1]);
	case TAKE_RECLAIM:
		/* Pages lent to a protected VM come back only when it is destroyed or gives
		 * them back: the ownership table refuses the reclaim (mem_own.h). */
		return mem_reclaim(ctx->caller, pa, ipa_init(args[0]), args[1]);
	default:
		return mem_unshare(ctx->caller, pa, ipa_init(args[0]), args[1]);
	}
}

int64_t hc_mem_relinquish(struct hc_ctx *ctx, const uint64_t args[], uint64_t results[3])
{
	(void)results;
	return take(ctx, args, TAKE_RELINQUISH);
}

int64_t hc_mem_reclaim(struct hc_ctx *ctx, const uint64_t args[], uint64_t results[3])
{
	(void)results;
	return take(ctx, args, TAKE_RECLAIM);
}

int64_t hc_mem_unshare(struct hc_ctx *ctx, const uint64_t args[], uint64_t results[3])
{
	(void)results;
	return take(ctx, args, TAKE_UNSHARE);
}

int64_t hc_mem_query(struct hc_ctx *ctx, const uint64_t args[], uint64_t results[3])
{
	struct mem_page_info info;
	paddr_t pa;
	int rc = caller_pa(ctx->caller, args[0], &pa);

	if (!rc)
		rc = mem_query(ctx->caller, pa, &info);
	if (rc)
		return rc;
	/* Only what the caller can see: a page that is not its own reads as unmapped. */
	if (info.view == MEM_VIEW_NONE)
		return PAL_E_RANGE;
	results[0] = (uint64_t)info.state | ((uint64_t)info.view << 8);
	results[1] = (uint64_t)info.owner | ((uint64_t)info.borrower << 16);
	results[2] = info.perms;
	return PAL_OK;
}
