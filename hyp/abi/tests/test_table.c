/*
 * Unit test of the real hypercall table (hyp/abi/hypercalls.toml) as built into
 * palisade_abi_host: the function IDs and status values the ABI promises, and that
 * dispatch reaches the handlers. The handlers here are fakes; the hypervisor core
 * defines the real ones.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <palisade/error.h>
#include <palisade/hypercall_abi.h>
#include <palisade/hypercall_handlers.h>

struct hc_ctx {
	vm_id_t vm;
};

#define FAKE_HYP_VERSION ((1U << 16) | (2U << 8) | 3U)	/* 1.2.3 */

int64_t hc_version(struct hc_ctx *ctx, const uint64_t args[], uint64_t results[3])
{
	(void)ctx;
	(void)args;
	results[0] = PAL_ABI_VERSION;
	results[1] = FAKE_HYP_VERSION;
	return PAL_OK;
}

int64_t hc_caller_id(struct hc_ctx *ctx, const uint64_t args[], uint64_t results[3])
{
	(void)args;
	results[0] = ctx->vm;
	return PAL_OK;
}

/* Memory calls: the fakes record what the dispatcher passed. */
static uint64_t last_args[HC_MAX_ARGS];
static int last_call;

#define FAKE_MEM(name, n) \
int64_t hc_##name(struct hc_ctx *ctx, const uint64_t args[], uint64_t results[3]) \
{ \
	(void)ctx; \
	(void)results; \
	memcpy(last_args, args, sizeof(last_args)); \
	last_call = n; \
	return PAL_OK; \
}
FAKE_MEM(mem_donate, 1)
FAKE_MEM(mem_lend, 2)
FAKE_MEM(mem_share, 3)
FAKE_MEM(mem_relinquish, 4)
FAKE_MEM(mem_reclaim, 5)
FAKE_MEM(mem_unshare, 6)
FAKE_MEM(mem_query, 7)
FAKE_MEM(vm_create, 8)
FAKE_MEM(vm_load, 9)
FAKE_MEM(vm_set_boot, 10)
FAKE_MEM(vm_start, 11)
FAKE_MEM(vcpu_run, 12)
FAKE_MEM(vm_irq_line, 13)
FAKE_MEM(vm_destroy, 14)
FAKE_MEM(attest, 15)
FAKE_MEM(measure_extend, 16)
FAKE_MEM(measure_read, 17)

static void test_memory_calls(void **state)
{
	struct hc_ctx ctx = { .vm = VM_ID_HOST };
	(void)state;

	assert_int_equal(HC_MEM_DONATE, 0xc6000100U);
	assert_int_equal(HC_MEM_QUERY, 0xc6000106U);
	assert_int_equal(HC_MEM_LEND_CALLERS, HC_ALLOW_HOST);
	assert_int_equal(HC_MEM_RELINQUISH_CALLERS, HC_ALLOW_GUEST);

	uint64_t lend[HC_NUM_REGS] = { HC_MEM_LEND, 0x48000000, 4, 2, 0x80000000, 3, 0 };
	assert_int_equal(hc_dispatch(&ctx, ctx.vm, lend), PAL_OK);
	assert_int_equal(last_call, 2);
	assert_true(last_args[0] == 0x48000000 && last_args[1] == 4 && last_args[2] == 2 &&
		    last_args[3] == 0x80000000 && last_args[4] == 3);

	/* perms has three defined bits; anything else is refused before the handler. */
	last_call = 0;
	uint64_t badperm[HC_NUM_REGS] = { HC_MEM_SHARE, 0x48000000, 1, 2, 0, 8, 0 };
	assert_int_equal(hc_dispatch(&ctx, ctx.vm, badperm), PAL_E_INVALID);
	assert_int_equal(last_call, 0);
	/* vm_id is 16 bits. */
	uint64_t badvm[HC_NUM_REGS] = { HC_MEM_DONATE, 0x48000000, 1, 0x10002, 0, 0, 0 };
	assert_int_equal(hc_dispatch(&ctx, ctx.vm, badvm), PAL_E_INVALID);

	/* Only the host lends and reclaims; only guests relinquish. */
	ctx.vm = VM_ID_FIRST_GUEST;
	uint64_t glend[HC_NUM_REGS] = { HC_MEM_LEND, 0x40000000, 1, 1, 0, 1, 0 };
	assert_int_equal(hc_dispatch(&ctx, ctx.vm, glend), PAL_E_DENIED);
	uint64_t rel[HC_NUM_REGS] = { HC_MEM_RELINQUISH, 0x40000000, 1, 0, 0, 0, 0 };
	assert_int_equal(hc_dispatch(&ctx, ctx.vm, rel), PAL_OK);
	assert_int_equal(last_call, 4);
	ctx.vm = VM_ID_HOST;
	rel[0] = HC_MEM_RELINQUISH;
	assert_int_equal(hc_dispatch(&ctx, ctx.vm, rel), PAL_E_DENIED);
}

static void test_function_ids(void **state)
{
	(void)state;
	assert_int_equal(HC_FID_BASE, 0xc6000000U);
	assert_int_equal(HC_VERSION, 0xc6000000U);
	assert_int_equal(HC_CALLER_ID, 0xc6000001U);
	assert_int_equal(HC_VERSION_NARGS, 0);
	assert_int_equal(HC_VERSION_NRESULTS, 2);
	assert_int_equal(HC_CALLER_ID_NARGS, 0);
	assert_int_equal(HC_CALLER_ID_NRESULTS, 1);
	assert_int_equal(HC_VERSION_CALLERS, HC_ALLOW_ANY);
	assert_int_equal(HC_CALLER_ID_CALLERS, HC_ALLOW_ANY);
	assert_int_equal(PAL_ABI_VERSION,
			 (PAL_ABI_VERSION_MAJOR << 16) | PAL_ABI_VERSION_MINOR);
	assert_int_equal(HC_VERSION_HYP_VERSION_MINOR_SHIFT, 8);
	assert_true(HC_VERSION_HYP_VERSION_PATCH_MASK == 0xff);

	for (unsigned int i = 0; i < HC_CALL_COUNT; i++) {
		if (i > 0)
			assert_true(hc_table[i - 1].id < hc_table[i].id);
		assert_ptr_equal(hc_lookup(hc_table[i].id), &hc_table[i]);
	}
	assert_string_equal(hc_lookup(HC_CALLER_ID)->name, "PAL_CALLER_ID");
	assert_non_null(hc_lookup(HC_FID(HC_GROUP_MEM_FIRST)));
	assert_non_null(hc_lookup(HC_FID(HC_GROUP_VM_FIRST)));
	assert_null(hc_lookup(HC_FID(0x0400)));
}

/* The values were fixed before the table existed; the table must not move them. */
static void test_status_values(void **state)
{
	static const struct { int value; const char *name; } codes[] = {
		{ 0, "PAL_OK" }, { -1, "PAL_E_NOT_SUPPORTED" }, { -2, "PAL_E_INVALID" },
		{ -3, "PAL_E_DENIED" }, { -4, "PAL_E_NO_MEMORY" }, { -5, "PAL_E_BUSY" },
		{ -6, "PAL_E_STATE" }, { -7, "PAL_E_NOT_FOUND" }, { -8, "PAL_E_RANGE" },
		{ -9, "PAL_E_CRYPTO" },
	};
	pal_status_t s = PAL_E_CRYPTO;

	(void)state;
	assert_int_equal(s, -9);
	assert_int_equal(PAL_OK, 0);
	assert_int_equal(PAL_E_NOT_SUPPORTED, -1);
	assert_int_equal(PAL_E_INVALID, -2);
	assert_int_equal(PAL_E_DENIED, -3);
	assert_int_equal(PAL_E_NO_MEMORY, -4);
	assert_int_equal(PAL_E_BUSY, -5);
	assert_int_equal(PAL_E_STATE, -6);
	assert_int_equal(PAL_E_NOT_FOUND, -7);
	assert_int_equal(PAL_E_RANGE, -8);
	for (unsigned int i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		assert_string_equal(pal_status_name(codes[i].value), codes[i].name);
	assert_string_equal(pal_status_name(-10), "unknown");
	assert_string_equal(pal_status_name(1), "unknown");
}

static void test_dispatch_version_and_caller_id(void **state)
{
	struct hc_ctx ctx = { .vm = VM_ID_FIRST_GUEST + 5 };
	uint64_t regs[HC_NUM_REGS] = { HC_VERSION, 0, 0, 0, 0, 0, 0 };

	(void)state;
	assert_int_equal(hc_dispatch(&ctx, ctx.vm, regs), PAL_OK);
	assert_true(regs[0] == 0);
	assert_true(regs[1] == PAL_ABI_VERSION);
	assert_true(regs[2] == FAKE_HYP_VERSION);
	assert_true(regs[3] == 0);

	uint64_t id[HC_NUM_REGS] = { HC_CALLER_ID, 0, 0, 0, 0, 0, 0 };
	assert_int_equal(hc_dispatch(&ctx, ctx.vm, id), PAL_OK);
	assert_true(id[1] == VM_ID_FIRST_GUEST + 5);

	ctx.vm = VM_ID_HOST;
	uint64_t host[HC_NUM_REGS] = { HC_CALLER_ID, 0, 0, 0, 0, 0, 0 };
	assert_int_equal(hc_dispatch(&ctx, ctx.vm, host), PAL_OK);
	assert_true(host[1] == VM_ID_HOST);

	/* No arguments: a set bit anywhere in x1..x6 is refused. */
	uint64_t bad[HC_NUM_REGS] = { HC_VERSION, 0, 0, 0, 0, 0, 1 };
	assert_int_equal(hc_dispatch(&ctx, ctx.vm, bad), PAL_E_INVALID);
	assert_true(bad[1] == 0 && bad[2] == 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_function_ids),
		cmocka_unit_test(test_status_values),
		cmocka_unit_test(test_dispatch_version_and_caller_id),
		cmocka_unit_test(test_memory_calls),
	};

	return cmocka_run_group_tests_name("abi_table", tests, NULL, NULL);
}
