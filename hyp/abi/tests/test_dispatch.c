/*
 * Unit test of hc_lookup() and hc_dispatch() (hyp/abi/dispatch.c), and of the
 * generated stubs, over the table generated from tests/dispatch_table.toml: host-only
 * and guest-only calls, six arguments of every width, bit fields, failing calls.
 * The handlers here are fakes that record what they were given.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <palisade/hypercall_handlers.h>

struct hc_ctx {
	vm_id_t vm;
	unsigned int calls;		/* handler invocations */
	uint64_t args[HC_MAX_ARGS];	/* what the last handler saw */
};

static struct hc_ctx ctx;

/* The stubs go straight to the dispatcher instead of issuing HVC. */
#define PAL_HC_CONDUIT(regs) hc_dispatch(&ctx, ctx.vm, (regs))
#include <palisade/hypercall_stubs.h>

static void record(struct hc_ctx *c, const uint64_t args[])
{
	c->calls++;
	memcpy(c->args, args, sizeof(c->args));
}

int64_t hc_echo(struct hc_ctx *c, const uint64_t args[], uint64_t results[3])
{
	record(c, args);
	results[0] = args[0] + args[1];
	results[1] = args[3];
	results[2] = args[2];
	return PAL_OK;
}

int64_t hc_host_only(struct hc_ctx *c, const uint64_t args[], uint64_t results[3])
{
	record(c, args);
	results[0] = 0x5a5a;
	return PAL_OK;
}

int64_t hc_guest_only(struct hc_ctx *c, const uint64_t args[], uint64_t results[3])
{
	(void)results;
	record(c, args);
	return PAL_OK;
}

int64_t hc_fail(struct hc_ctx *c, const uint64_t args[], uint64_t results[3])
{
	record(c, args);
	results[0] = results[1] = results[2] = 0xdeadbeef;
	return PAL_E_BUSY;
}

int64_t hc_short(struct hc_ctx *c, const uint64_t args[], uint64_t results[3])
{
	record(c, args);
	results[0] = args[0];
	results[1] = results[2] = 0xdeadbeef;	/* beyond the call's one result */
	return PAL_OK;
}

#define GUEST ((vm_id_t)(VM_ID_FIRST_GUEST + 3))
#define JUNK 0x0123456789abcdefULL

static int setup(void **state)
{
	(void)state;
	memset(&ctx, 0, sizeof(ctx));
	ctx.vm = VM_ID_HOST;
	return 0;
}

/* regs[0..6] = x0..x6 as the trap handler passes them; regs[7] must never change. */
struct frame {
	uint64_t regs[HC_NUM_REGS + 1];
};

static struct frame frame(uint64_t x0, uint64_t x1, uint64_t x2, uint64_t x3, uint64_t x4,
			  uint64_t x5, uint64_t x6)
{
	return (struct frame){ { x0, x1, x2, x3, x4, x5, x6, JUNK } };
}

static int64_t call(vm_id_t caller, struct frame *f)
{
	int64_t status = hc_dispatch(&ctx, caller, f->regs);

	assert_int_equal((int64_t)f->regs[0], status);
	assert_true(f->regs[HC_NUM_REGS] == JUNK);
	return status;
}

static void assert_results_zero(const struct frame *f)
{
	assert_true(f->regs[1] == 0);
	assert_true(f->regs[2] == 0);
	assert_true(f->regs[3] == 0);
}

static void test_table_is_sorted_and_well_formed(void **state)
{
	(void)state;
	assert_int_equal(HC_CALL_COUNT, 5);
	for (unsigned int i = 0; i < HC_CALL_COUNT; i++) {
		const struct hc_desc *d = &hc_table[i];

		if (i > 0)
			assert_true(hc_table[i - 1].id < d->id);
		assert_int_equal(d->id & 0xffff0000U, HC_FID_BASE);
		assert_true(HC_FID_NUMBER(d->id) <= HC_NUMBER_MAX);
		assert_true(d->nargs <= HC_MAX_ARGS);
		assert_true(d->nresults <= HC_MAX_RESULTS);
		assert_non_null(d->handler);
		assert_int_equal(strncmp(d->name, "PAL_", 4), 0);
		for (unsigned int a = d->nargs; a < HC_MAX_ARGS; a++)
			assert_true(d->arg_mask[a] == 0);
	}
	assert_int_equal(HC_ECHO, 0xc6000000U);
	assert_int_equal(HC_GUEST_ONLY, 0xc6000100U);
	assert_int_equal(HC_ECHO_NARGS, 6);
	assert_int_equal(HC_ECHO_NRESULTS, 3);
	assert_int_equal(HC_GUEST_ONLY_CALLERS, HC_ALLOW_GUEST);
	assert_int_equal(HC_ECHO_D_LEVEL_SHIFT, 4);
	assert_true(HC_ECHO_D_LEVEL_MASK == 0xf0);
	assert_int_equal(PAL_ABI_VERSION, (7 << 16) | 3);
}

static void test_lookup(void **state)
{
	(void)state;
	for (unsigned int i = 0; i < HC_CALL_COUNT; i++)
		assert_ptr_equal(hc_lookup(hc_table[i].id), &hc_table[i]);
	assert_string_equal(hc_lookup(HC_HOST_ONLY)->name, "PAL_HOST_ONLY");

	assert_null(hc_lookup(0));
	assert_null(hc_lookup(HC_FID(0x0004)));		/* between calls */
	assert_null(hc_lookup(HC_FID(0x00ff)));
	assert_null(hc_lookup(HC_FID(0xfeff)));		/* after the last */
	assert_null(hc_lookup(HC_ECHO - 1));		/* before the first */
	assert_null(hc_lookup(0x86000000U));		/* SMC32 form of ECHO */
	assert_null(hc_lookup(HC_FID(0xff01)));		/* SMCCC call UID query */
	assert_null(hc_lookup((1ULL << 32) | HC_ECHO));	/* exact: x0 decoding is dispatch's job */
	assert_null(hc_lookup(UINT64_MAX));
}

static void test_unknown_id_is_not_supported(void **state)
{
	static const uint64_t ids[] = {
		0, 0x84000000U /* PSCI_VERSION */, 0x86000000U, HC_FID(0x0004),
		HC_FID(0xff00), HC_ECHO | (1U << 17) /* bits 23:17 must be zero */,
		0xffffffffU,
	};

	(void)state;
	for (unsigned int i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		struct frame f = frame(ids[i], 1, 2, 3, 4, 5, 6);

		assert_int_equal(call(VM_ID_HOST, &f), PAL_E_NOT_SUPPORTED);
		assert_true(f.regs[0] == UINT64_MAX);	/* -1: SMCCC NOT_SUPPORTED */
		assert_results_zero(&f);
		assert_true(f.regs[4] == 4 && f.regs[5] == 5 && f.regs[6] == 6);
	}
	assert_int_equal(ctx.calls, 0);
}

static void test_function_id_is_w0_without_sve_hint(void **state)
{
	struct frame f;

	(void)state;
	f = frame(0xffffffff00000000ULL | HC_HOST_ONLY, 0, 0, 0, 0, 0, 0);
	assert_int_equal(call(VM_ID_HOST, &f), PAL_OK);
	assert_true(f.regs[1] == 0x5a5a);

	f = frame(HC_HOST_ONLY | HC_SMCCC_SVE_HINT, 0, 0, 0, 0, 0, 0);
	assert_int_equal(call(VM_ID_HOST, &f), PAL_OK);
	assert_true(f.regs[1] == 0x5a5a);
	assert_int_equal(ctx.calls, 2);
}

static void test_caller_not_allowed_is_denied(void **state)
{
	struct frame f;

	(void)state;
	f = frame(HC_HOST_ONLY, 0, 0, 0, 0, 0, 0);
	assert_int_equal(call(GUEST, &f), PAL_E_DENIED);
	assert_results_zero(&f);

	f = frame(HC_GUEST_ONLY, 0x1000, 0, 0, 0, 0, 0);
	assert_int_equal(call(VM_ID_HOST, &f), PAL_E_DENIED);
	assert_results_zero(&f);

	/* Neither host nor guest: the hypervisor itself, no VM, ids past the last guest. */
	static const vm_id_t nobody[] = { VM_ID_HYP, VM_ID_NONE, VM_ID_LIMIT, 0x1000 };
	for (unsigned int i = 0; i < sizeof(nobody) / sizeof(nobody[0]); i++) {
		f = frame(HC_ECHO, 1, 2, 3, 0, 0, 0);
		assert_int_equal(call(nobody[i], &f), PAL_E_DENIED);
		assert_results_zero(&f);
	}
	assert_int_equal(ctx.calls, 0);

	/* Denial is checked before the arguments. */
	f = frame(HC_HOST_ONLY, 1, 0, 0, 0, 0, 0);
	assert_int_equal(call(GUEST, &f), PAL_E_DENIED);
}

static void test_allowed_callers_get_through(void **state)
{
	struct frame f;

	(void)state;
	f = frame(HC_HOST_ONLY, 0, 0, 0, 0, 0, 0);
	assert_int_equal(call(VM_ID_HOST, &f), PAL_OK);
	f = frame(HC_GUEST_ONLY, 0x1000, 0, 0, 0, 0, 0);
	assert_int_equal(call(VM_ID_FIRST_GUEST, &f), PAL_OK);
	f = frame(HC_GUEST_ONLY, 0x2000, 0, 0, 0, 0, 0);
	assert_int_equal(call(VM_ID_LIMIT - 1, &f), PAL_OK);
	assert_true(ctx.args[0] == 0x2000);
	f = frame(HC_ECHO, 1, 2, 3, 0, 0, 0);
	assert_int_equal(call(GUEST, &f), PAL_OK);
	assert_int_equal(ctx.calls, 4);
}

static void test_args_passed_and_results_returned(void **state)
{
	struct frame f;

	(void)state;
	/* Every argument at the largest value its type and fields allow. */
	f = frame(HC_ECHO, UINT64_MAX - 5, 0xffffffffU, 0xffff, 0xf1, 0xff, 0xffff);
	assert_int_equal(call(GUEST, &f), PAL_OK);
	assert_int_equal(ctx.calls, 1);
	assert_true(ctx.args[0] == UINT64_MAX - 5);
	assert_true(ctx.args[1] == 0xffffffffU);
	assert_true(ctx.args[2] == 0xffff);
	assert_true(ctx.args[3] == 0xf1);
	assert_true(ctx.args[4] == 0xff);
	assert_true(ctx.args[5] == 0xffff);
	assert_true(f.regs[1] == UINT64_MAX - 5 + 0xffffffffULL);	/* wraps: a + b */
	assert_true(f.regs[2] == 0xf1);
	assert_true(f.regs[3] == 0xffff);
	/* x4..x6 are preserved, not overwritten with anything. */
	assert_true(f.regs[4] == 0xf1 && f.regs[5] == 0xff && f.regs[6] == 0xffff);

	/* Unused argument slots reach the handler as zero. */
	f = frame(HC_SHORT, 42, 0, 0, 0, 0, 0);
	assert_int_equal(call(VM_ID_HOST, &f), PAL_OK);
	assert_true(ctx.args[0] == 42);
	for (unsigned int i = 1; i < HC_MAX_ARGS; i++)
		assert_true(ctx.args[i] == 0);
}

static void test_bad_argument_bits_are_invalid(void **state)
{
	/* ECHO's registers, each with one bit its type or fields do not allow. */
	static const struct { unsigned int reg; uint64_t value; } bad[] = {
		{ 2, 1ULL << 32 },	/* b: u32 */
		{ 3, 1ULL << 16 },	/* c: vm_id */
		{ 4, 1ULL << 1 },	/* d: between the fields */
		{ 4, 1ULL << 8 },	/* d: above the fields */
		{ 4, 1ULL << 63 },
		{ 5, 1ULL << 8 },	/* e: u8 */
		{ 6, 1ULL << 16 },	/* f: u16 */
	};

	(void)state;
	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct frame f = frame(HC_ECHO, 1, 2, 3, 1, 5, 6);

		f.regs[bad[i].reg] |= bad[i].value;
		assert_int_equal(call(VM_ID_HOST, &f), PAL_E_INVALID);
		assert_results_zero(&f);
	}
	assert_int_equal(ctx.calls, 0);
}

static void test_unused_argument_registers_must_be_zero(void **state)
{
	struct frame f;

	(void)state;
	for (unsigned int reg = 1; reg <= HC_MAX_ARGS; reg++) {
		f = frame(HC_HOST_ONLY, 0, 0, 0, 0, 0, 0);
		f.regs[reg] = 1;
		assert_int_equal(call(VM_ID_HOST, &f), PAL_E_INVALID);
		assert_results_zero(&f);
	}
	for (unsigned int reg = 2; reg <= HC_MAX_ARGS; reg++) {
		f = frame(HC_SHORT, 7, 0, 0, 0, 0, 0);
		f.regs[reg] = 1ULL << 63;
		assert_int_equal(call(VM_ID_HOST, &f), PAL_E_INVALID);
	}
	assert_int_equal(ctx.calls, 0);
	/* x7 and beyond are not arguments: the dispatcher never reads them. */
	f = frame(HC_SHORT, 7, 0, 0, 0, 0, 0);
	assert_int_equal(call(VM_ID_HOST, &f), PAL_OK);
}

static void test_failure_returns_no_results(void **state)
{
	struct frame f = frame(HC_FAIL, 0, 0, 0, 0, 0, 0);

	(void)state;
	assert_int_equal(call(GUEST, &f), PAL_E_BUSY);
	assert_true(f.regs[0] == (uint64_t)(int64_t)PAL_E_BUSY);
	assert_int_equal(ctx.calls, 1);
	assert_results_zero(&f);	/* the handler wrote 0xdeadbeef to all three */
}

static void test_undefined_results_are_zero(void **state)
{
	struct frame f = frame(HC_SHORT, 99, 0, 0, 0, 0, 0);

	(void)state;
	assert_int_equal(call(GUEST, &f), PAL_OK);
	assert_true(f.regs[1] == 99);
	assert_true(f.regs[2] == 0);
	assert_true(f.regs[3] == 0);
}

static void test_stubs(void **state)
{
	struct pal_hc_echo_result echo = { 0, 0, 0 };
	struct pal_hc_host_only_result host = { 0x77 };
	struct pal_hc_short_result sh = { 0 };

	(void)state;
	ctx.vm = GUEST;
	assert_int_equal(pal_hc_echo(40, 2, 0xbeef, 0x31, 0xfe, 0xcafe, &echo), PAL_OK);
	assert_true(echo.sum == 42 && echo.flags == 0x31 && echo.vm == 0xbeef);
	assert_true(ctx.args[4] == 0xfe && ctx.args[5] == 0xcafe);

	/* Fields the table does not define are refused whoever builds the registers. */
	assert_int_equal(pal_hc_echo(0, 0, 0, 0x2, 0, 0, &echo), PAL_E_INVALID);

	/* A failed call leaves *res alone. */
	assert_int_equal(pal_hc_host_only(&host), PAL_E_DENIED);
	assert_true(host.magic == 0x77);
	assert_int_equal(pal_hc_guest_only(0x8000), PAL_OK);
	assert_true(ctx.args[0] == 0x8000);

	ctx.vm = VM_ID_HOST;
	assert_int_equal(pal_hc_host_only(&host), PAL_OK);
	assert_true(host.magic == 0x5a5a);
	assert_int_equal(pal_hc_host_only(NULL), PAL_OK);
	assert_int_equal(pal_hc_short(5, &sh), PAL_OK);
	assert_true(sh.v == 5);
	assert_int_equal(pal_hc_fail(NULL), PAL_E_BUSY);
	assert_int_equal(pal_hc_guest_only(0), PAL_E_DENIED);
}

static void test_status_names(void **state)
{
	(void)state;
	assert_string_equal(pal_status_name(PAL_OK), "PAL_OK");
	assert_string_equal(pal_status_name(PAL_E_DENIED), "PAL_E_DENIED");
	assert_string_equal(pal_status_name(PAL_E_BUSY), "PAL_E_BUSY");
	assert_string_equal(pal_status_name(-4), "unknown");	/* not in this table */
	assert_string_equal(pal_status_name(1), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_table_is_sorted_and_well_formed, setup),
		cmocka_unit_test_setup(test_lookup, setup),
		cmocka_unit_test_setup(test_unknown_id_is_not_supported, setup),
		cmocka_unit_test_setup(test_function_id_is_w0_without_sve_hint, setup),
		cmocka_unit_test_setup(test_caller_not_allowed_is_denied, setup),
		cmocka_unit_test_setup(test_allowed_callers_get_through, setup),
		cmocka_unit_test_setup(test_args_passed_and_results_returned, setup),
		cmocka_unit_test_setup(test_bad_argument_bits_are_invalid, setup),
		cmocka_unit_test_setup(test_unused_argument_registers_must_be_zero, setup),
		cmocka_unit_test_setup(test_failure_returns_no_results, setup),
		cmocka_unit_test_setup(test_undefined_results_are_zero, setup),
		cmocka_unit_test_setup(test_stubs, setup),
		cmocka_unit_test_setup(test_status_names, setup),
	};

	return cmocka_run_group_tests_name("abi_dispatch", tests, NULL, NULL);
}
