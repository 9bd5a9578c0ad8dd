/* fmt_snprintf against the host's snprintf for the conversions Palisade uses. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "palisade/format.h"

#define SAME(...) do { \
	char a[128], b[128]; \
	size_t na = fmt_snprintf(a, sizeof(a), __VA_ARGS__); \
	int nb = snprintf(b, sizeof(b), __VA_ARGS__); \
	assert_string_equal(a, b); \
	assert_int_equal(na, nb); \
} while (0)

static void test_matches_libc(void **state)
{
	(void)state;
	SAME("plain");
	SAME("%d %d %d", 0, -1, 2147483647);
	SAME("%d", (int)-2147483647 - 1);
	SAME("%u %x %X", 4000000000u, 0xdeadbeefu, 0xabcu);
	SAME("%lld %llu %llx", (long long)INT64_MIN, (unsigned long long)UINT64_MAX, 0x1234567890abcdefull);
	SAME("%zu", (size_t)12345);
	SAME("[%8d] [%-8d] [%08d] [%08x]", 42, 42, -42, 0xbeef);
	SAME("[%s] [%10s] [%-10s]", "abc", "abc", "abc");
	SAME("%c%c%%", 'o', 'k');
	SAME("%016llx", 0xfull);
	SAME("[%.3s] [%.*s] [%.*s] [%.0s]", "abcdef", 2, "xyz", 10, "short", "gone");
	SAME("[%8.2s]", "abc");
}

static void test_truncates_and_terminates(void **state)
{
	char buf[8];
	(void)state;

	memset(buf, 'x', sizeof(buf));
	assert_int_equal(fmt_snprintf(buf, sizeof(buf), "%s", "0123456789"), 10);
	assert_string_equal(buf, "0123456");
	assert_int_equal(fmt_snprintf(buf, 0, "abc"), 3);
	assert_int_equal(fmt_snprintf(buf, 1, "abc"), 3);
	assert_string_equal(buf, "");
}

/* Malformed formats on purpose: the compiler's format check would refuse them. */
#pragma clang diagnostic ignored "-Wformat"
#pragma clang diagnostic ignored "-Wformat-invalid-specifier"
static void test_odd_formats_do_not_crash(void **state)
{
	char buf[32];
	(void)state;

	fmt_snprintf(buf, sizeof(buf), "%s", (const char *)NULL);
	assert_string_equal(buf, "(null)");
	fmt_snprintf(buf, sizeof(buf), "100%");
	assert_string_equal(buf, "100");
	fmt_snprintf(buf, sizeof(buf), "%q");
	assert_string_equal(buf, "%q");
	fmt_snprintf(buf, sizeof(buf), "%p", (void *)0x1000);
	assert_string_equal(buf, "0x1000");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_matches_libc),
		cmocka_unit_test(test_truncates_and_terminates),
		cmocka_unit_test(test_odd_formats_do_not_crash),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
