/*
 * The boot device tree parser, on QEMU's own trees (dumped by the build for several
 * machine shapes), on hand-written trees (hyp/tests/dts), and on corrupted copies.
 * argv[1] is the directory holding the .dtb files.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <libfdt.h>
#include "palisade/platform_info.h"

static const char *dtb_dir;

static void *load(const char *name, size_t *size)
{
	char path[512];
	FILE *f;
	void *buf;
	long n;

	snprintf(path, sizeof(path), "%s/%s.dtb", dtb_dir, name);
	f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*size = (size_t)n;
	return buf;
}

static void expect_qemu(const char *name, unsigned cpus, uint64_t mem)
{
	struct platform_info pi;
	char err[128] = "";
	size_t size;
	void *dtb = load(name, &size);

	assert_int_equal(platform_info_parse(dtb, size, &pi, err, sizeof(err)), 0);
	assert_int_equal(pi.cpu_count, cpus);
	for (unsigned i = 0; i < cpus; i++)
		assert_int_equal(pi.cpu_mpidr[i], i);  /* QEMU virt: Aff0 = index up to 8 */
	assert_int_equal(pi.mem_count, 1);
	assert_int_equal(pi.mem[0].base, 0x40000000);
	assert_int_equal(pi.mem_total, mem);
	assert_int_equal(pi.gicd.base, 0x08000000);
	assert_int_equal(pi.gicr.base, 0x080a0000);
	assert_int_equal(pi.uart.base, 0x09000000);
	assert_true(pi.psci_smc);  /* EL2 enabled: QEMU's PSCI is reached with SMC */
	free(dtb);
}

static void test_qemu_trees(void **state)
{
	(void)state;
	expect_qemu("virt-smp1-1G", 1, 1ull << 30);
	expect_qemu("virt-smp2-2G", 2, 2ull << 30);
	expect_qemu("virt-smp4-4G", 4, 4ull << 30);
	expect_qemu("virt-smp8-1G", 8, 1ull << 30);
}

static void test_hand_written_good_trees(void **state)
{
	struct platform_info pi;
	char err[128];
	size_t size;
	void *dtb = load("good-two-regions", &size);
	(void)state;

	assert_int_equal(platform_info_parse(dtb, size, &pi, err, sizeof(err)), 0);
	assert_int_equal(pi.mem_count, 2);
	assert_int_equal(pi.mem_total, 3ull << 30);
	assert_int_equal(pi.mem[1].base, 0x100000000ull);
	assert_string_equal(pi.bootargs, "palisade.selftest=1");
	assert_int_equal(pi.uart.base, 0x09000000);  /* stdout-path through an alias */
	free(dtb);

	dtb = load("psci-hvc", &size);
	assert_int_equal(platform_info_parse(dtb, size, &pi, err, sizeof(err)), 0);
	assert_false(pi.psci_smc);
	free(dtb);
}

static void expect_reject(const char *name, const char *reason)
{
	struct platform_info pi;
	char err[128] = "";
	size_t size;
	void *dtb = load(name, &size);

	assert_int_not_equal(platform_info_parse(dtb, size, &pi, err, sizeof(err)), 0);
	if (!strstr(err, reason))
		fail_msg("%s: error '%s' does not mention '%s'", name, err, reason);
	free(dtb);
}

static void test_malformed_trees_rejected_with_reason(void **state)
{
	(void)state;
	expect_reject("bad-no-memory", "no memory node");
	expect_reject("bad-memory-unaligned", "not page aligned");
	expect_reject("bad-memory-overlap", "overlap");
	expect_reject("bad-memory-wraps", "wraps");
	expect_reject("bad-memory-reg-length", "not a multiple");
	expect_reject("bad-no-cpus", "no cpu nodes");
	expect_reject("bad-too-many-cpus", "more than 8 CPUs");
	expect_reject("bad-bootargs-too-long", "bootargs longer");
	expect_reject("bad-no-gicv3", "no GICv3");
}

static void test_truncated_and_bad_headers(void **state)
{
	struct platform_info pi;
	char err[128];
	size_t size;
	uint8_t *dtb = load("virt-smp2-2G", &size);
	(void)state;

	assert_int_not_equal(platform_info_parse(dtb, 16, &pi, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "too small"));
	assert_int_not_equal(platform_info_parse(dtb, fdt_totalsize(dtb) - 1, &pi, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "only"));
	dtb[0] ^= 0xff;  /* magic */
	assert_int_not_equal(platform_info_parse(dtb, size, &pi, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "bad device tree header"));
	free(dtb);
}

/* Corrupt random bytes of the structure and strings blocks: the parser must either
 * accept a still-consistent tree or reject it, never read out of bounds (ASan). */
static void test_random_corruption_never_crashes(void **state)
{
	size_t size;
	uint8_t *orig = load("virt-smp4-4G", &size);
	uint8_t *copy = malloc(size);
	uint32_t off = fdt_off_dt_struct(orig);
	uint32_t len = fdt_size_dt_struct(orig) + fdt_size_dt_strings(orig);
	unsigned rejected = 0;
	(void)state;

	srand(1234);
	for (int iter = 0; iter < 3000; iter++) {
		struct platform_info pi;
		char err[128];

		memcpy(copy, orig, size);
		for (int k = 0; k < 1 + iter % 4; k++)
			copy[off + (uint32_t)rand() % len] ^= (uint8_t)(1u << (rand() % 8));
		if (platform_info_parse(copy, size, &pi, err, sizeof(err)) != 0) {
			rejected++;
			assert_true(strlen(err) > 0);
		} else {
			assert_true(pi.cpu_count >= 1 && pi.cpu_count <= PI_MAX_CPUS);
			assert_true(pi.mem_count >= 1);
		}
	}
	assert_true(rejected > 0);  /* the corruption did reach the parser */
	free(copy);
	free(orig);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_qemu_trees),
		cmocka_unit_test(test_hand_written_good_trees),
		cmocka_unit_test(test_malformed_trees_rejected_with_reason),
		cmocka_unit_test(test_truncated_and_bad_headers),
		cmocka_unit_test(test_random_corruption_never_crashes),
	};

	if (argc != 2) {
		fprintf(stderr, "usage: %s DTB_DIR\n", argv[0]);
		return 2;
	}
	dtb_dir = argv[1];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
