/* The hypervisor command line parser. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "palisade/cmdline.h"

static void test_defaults_and_values(void **state)
{
	struct hyp_options o = { .selftest = SELFTEST_HANG };
	char err[80];
	(void)state;

	assert_int_equal(cmdline_parse("", &o, err, sizeof(err)), 0);
	assert_int_equal(o.selftest, SELFTEST_OFF);
	assert_int_equal(cmdline_parse(NULL, &o, err, sizeof(err)), 0);
	assert_int_equal(cmdline_parse("console=ttyAMA0 palisade.selftest=1", &o, err, sizeof(err)), 0);
	assert_int_equal(o.selftest, SELFTEST_RUN);
	assert_int_equal(cmdline_parse("  palisade.selftest=fault-data  ", &o, err, sizeof(err)), 0);
	assert_int_equal(o.selftest, SELFTEST_FAULT_DATA);
	assert_int_equal(cmdline_parse("palisade.selftest=fault-undef", &o, err, sizeof(err)), 0);
	assert_int_equal(o.selftest, SELFTEST_FAULT_UNDEF);
	assert_int_equal(cmdline_parse("palisade.selftest=1 palisade.selftest=0", &o, err, sizeof(err)), 0);
	assert_int_equal(o.selftest, SELFTEST_OFF);
	assert_int_equal(cmdline_parse("palisade.manifest=0x48000000", &o, err, sizeof(err)), 0);
	assert_int_equal(o.manifest, 0x48000000);
	assert_int_equal(cmdline_parse("palisade.manifest=1207959552", &o, err, sizeof(err)), 0);
	assert_int_equal(o.manifest, 0x48000000);
}

static void test_rejects_bad_words_without_changing_options(void **state)
{
	static const char *const bad[] = {
		"palisade.selftest=2", "palisade.selftest=", "palisade.selftest",
		"palisade.bogus=1", "palisade.selftest=11", "palisade.=1",
		"palisade.manifest=", "palisade.manifest=0x", "palisade.manifest=0",
		"palisade.manifest=0x48000004", "palisade.manifest=0x1g",
		"palisade.manifest=0x10000000000000000", "palisade.manifest=99999999999999999999",
	};
	char err[80];
	(void)state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct hyp_options o = { .selftest = SELFTEST_HANG };

		err[0] = '\0';
		assert_int_not_equal(cmdline_parse(bad[i], &o, err, sizeof(err)), 0);
		assert_int_equal(o.selftest, SELFTEST_HANG);
		assert_true(strlen(err) > 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_and_values),
		cmocka_unit_test(test_rejects_bad_words_without_changing_options),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
