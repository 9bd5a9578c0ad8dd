/* Decoding stage-2 data abort syndromes for MMIO emulation. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "palisade/mmio.h"

#define ISV (1ull << 24)
#define SAS(n) ((uint64_t)(n) << 22)
#define SSE (1ull << 21)
#define SRT(r) ((uint64_t)(r) << 16)
#define SF (1ull << 15)
#define S1PTW (1ull << 7)
#define WNR (1ull << 6)
#define DABT_LOW (0x24ull << 26)

static void test_decodes_loads_and_stores(void **state)
{
	struct mmio_access a;
	(void)state;

	/* str w3, [x0]: 32-bit write from w3 */
	assert_true(mmio_decode(DABT_LOW | ISV | SAS(2) | SRT(3) | WNR, 0x9000000, &a));
	assert_int_equal(a.size, 4);
	assert_true(a.write);
	assert_int_equal(a.reg, 3);
	assert_false(a.reg64);
	assert_int_equal(a.ipa, 0x9000000);
	/* ldrb w5: 1-byte read */
	assert_true(mmio_decode(DABT_LOW | ISV | SAS(0) | SRT(5), 0x9000018, &a));
	assert_int_equal(a.size, 1);
	assert_false(a.write);
	/* ldr x30: 64-bit read into x30 */
	assert_true(mmio_decode(DABT_LOW | ISV | SAS(3) | SRT(30) | SF, 0x8000000, &a));
	assert_int_equal(a.size, 8);
	assert_true(a.reg64);
	assert_int_equal(a.reg, 30);
}

static void test_rejects_unusable_syndromes(void **state)
{
	struct mmio_access a;
	(void)state;

	assert_false(mmio_decode(DABT_LOW | SAS(2) | SRT(3), 0, &a));            /* no ISV */
	assert_false(mmio_decode(DABT_LOW | ISV | SAS(2) | S1PTW, 0, &a));       /* walk fault */
}

static void test_load_values_extend_correctly(void **state)
{
	struct mmio_access a = { .size = 1, .sign_extend = true, .reg64 = true };
	(void)state;

	assert_int_equal(mmio_load_value(&a, 0x80), 0xffffffffffffff80ull);
	a.reg64 = false;   /* ldrsb w: sign-extended to 32 bits, upper half zero */
	assert_int_equal(mmio_load_value(&a, 0x80), 0xffffff80ull);
	a.sign_extend = false;
	assert_int_equal(mmio_load_value(&a, 0x1ff), 0xff);   /* excess bits dropped */
	a.size = 2;
	a.sign_extend = true;
	a.reg64 = true;
	assert_int_equal(mmio_load_value(&a, 0x7fff), 0x7fff);
	a.size = 8;
	assert_int_equal(mmio_load_value(&a, 0x8000000000000000ull), 0x8000000000000000ull);
	a.size = 4;
	a.sign_extend = false;
	a.reg64 = false;
	assert_int_equal(mmio_load_value(&a, 0xdeadbeefcafef00dull), 0xcafef00d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decodes_loads_and_stores),
		cmocka_unit_test(test_rejects_unusable_syndromes),
		cmocka_unit_test(test_load_values_extend_correctly),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
