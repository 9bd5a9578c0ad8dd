/*
 * Generated guest device trees, read back property by property with libfdt, through the
 * hypervisor's own boot-DT parser (platform_info_parse), and through dtc's checks.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <libfdt.h>

#include "palisade/error.h"
#include "palisade/guest_fdt.h"
#include "palisade/platform_info.h"
#include "support.h"

#define BUF_SIZE 8192

static struct manifest m;
static uint64_t buf_store[BUF_SIZE / 8];
static void *const buf = buf_store;

/* The example manifest's guest, laid out with Debian's kernel figures. */
static void example_config(struct guest_fdt_config *cfg)
{
	struct manifest_limits lim = t_limits_2g();
	struct linux_image img = { 0, 0x2010000, 0xa };
	struct vm_boot_layout l;
	char err[256];
	size_t size;
	void *blob = t_load_dtb("example", &size);

	assert_int_equal(manifest_parse(blob, size, &lim, &m, err, sizeof(err)), 0);
	free(blob);
	assert_int_equal(loader_guest_layout(&m.vms[1], &img, &l, err, sizeof(err)), 0);
	guest_fdt_config_init(cfg, &m.vms[1], &l);
}

static const void *prop(const void *fdt, const char *path, const char *name, int *len)
{
	int node = fdt_path_offset(fdt, path);
	const void *p;

	if (node < 0) {
		fprintf(stderr, "no node %s\n", path);
		fail();
	}
	p = fdt_getprop(fdt, node, name, len);
	if (!p) {
		fprintf(stderr, "no property %s in %s\n", name, path);
		fail();
	}
	return p;
}

static void expect_bytes(const void *fdt, const char *path, const char *name,
			 const void *want, int want_len)
{
	int len;
	const void *p = prop(fdt, path, name, &len);

	if (len != want_len || memcmp(p, want, (size_t)want_len) != 0) {
		fprintf(stderr, "%s/%s: length %d, want %d, or different bytes\n", path, name, len,
			want_len);
		fail();
	}
}

static void expect_str(const void *fdt, const char *path, const char *name, const char *s)
{
	expect_bytes(fdt, path, name, s, (int)strlen(s) + 1);
}

static void expect_cells(const void *fdt, const char *path, const char *name,
			 const uint32_t *v, int n)
{
	fdt32_t cells[16];

	for (int i = 0; i < n; i++)
		cells[i] = cpu_to_fdt32(v[i]);
	expect_bytes(fdt, path, name, cells, n * 4);
}

#define CELLS(fdt, path, name, ...) do { \
	static const uint32_t v_[] = { __VA_ARGS__ }; \
	expect_cells(fdt, path, name, v_, (int)(sizeof(v_) / sizeof(v_[0]))); \
} while (0)

static void expect_absent(const void *fdt, const char *path, const char *name)
{
	int node = fdt_path_offset(fdt, path);

	assert_true(node >= 0);
	assert_null(fdt_getprop(fdt, node, name, NULL));
}

static void test_example_property_by_property(void **state)
{
	struct guest_fdt_config cfg;
	char err[256];
	int n, count = 0;
	(void)state;

	example_config(&cfg);
	assert_int_equal(guest_fdt_build(&cfg, buf, BUF_SIZE, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_int_equal(fdt_check_full(buf, fdt_totalsize(buf)), 0);
	assert_true(fdt_totalsize(buf) <= BUF_SIZE);
	assert_int_equal(fdt_num_mem_rsv(buf), 0);

	CELLS(buf, "/", "#address-cells", 2);
	CELLS(buf, "/", "#size-cells", 2);
	CELLS(buf, "/", "interrupt-parent", GUEST_FDT_PHANDLE_GIC);
	expect_str(buf, "/", "compatible", "palisade,guest-v1");
	expect_str(buf, "/", "model", "Palisade guest");

	expect_str(buf, "/memory@40000000", "device_type", "memory");
	CELLS(buf, "/memory@40000000", "reg", 0, 0x40000000, 0, 0x10000000);

	CELLS(buf, "/cpus", "#address-cells", 1);
	CELLS(buf, "/cpus", "#size-cells", 0);
	for (unsigned i = 0; i < 2; i++) {
		char path[32];

		snprintf(path, sizeof(path), "/cpus/cpu@%x", i);
		expect_str(buf, path, "device_type", "cpu");
		expect_str(buf, path, "compatible", "arm,armv8");
		expect_str(buf, path, "enable-method", "psci");
		expect_cells(buf, path, "reg", &i, 1);
	}
	fdt_for_each_subnode(n, buf, fdt_path_offset(buf, "/cpus"))
		count++;
	assert_int_equal(count, 2);

	expect_bytes(buf, "/psci", "compatible", "arm,psci-1.0\0arm,psci-0.2", 26);
	expect_str(buf, "/psci", "method", "hvc");

	const char *gic = "/interrupt-controller@8000000";
	expect_str(buf, gic, "compatible", "arm,gic-v3");
	CELLS(buf, gic, "#interrupt-cells", 3);
	CELLS(buf, gic, "#address-cells", 0);
	expect_bytes(buf, gic, "interrupt-controller", "", 0);
	CELLS(buf, gic, "reg", 0, 0x08000000, 0, 0x10000, 0, 0x080a0000, 0, 0x40000);
	CELLS(buf, gic, "#redistributor-regions", 1);
	CELLS(buf, gic, "phandle", GUEST_FDT_PHANDLE_GIC);
	assert_int_equal(fdt_node_offset_by_phandle(buf, GUEST_FDT_PHANDLE_GIC),
			 fdt_path_offset(buf, gic));

	expect_str(buf, "/timer", "compatible", "arm,armv8-timer");
	CELLS(buf, "/timer", "interrupts", 1, 13, 4, 1, 14, 4, 1, 11, 4, 1, 10, 4);
	expect_bytes(buf, "/timer", "always-on", "", 0);

	expect_str(buf, "/apb-pclk", "compatible", "fixed-clock");
	CELLS(buf, "/apb-pclk", "#clock-cells", 0);
	CELLS(buf, "/apb-pclk", "clock-frequency", 24000000);
	expect_str(buf, "/apb-pclk", "clock-output-names", "clk24mhz");
	CELLS(buf, "/apb-pclk", "phandle", GUEST_FDT_PHANDLE_CLK);

	const char *uart = "/serial@9000000";
	expect_bytes(buf, uart, "compatible", "arm,pl011\0arm,primecell", 24);
	CELLS(buf, uart, "reg", 0, 0x09000000, 0, 0x1000);
	CELLS(buf, uart, "interrupts", 0, 1, 4);
	CELLS(buf, uart, "clocks", GUEST_FDT_PHANDLE_CLK, GUEST_FDT_PHANDLE_CLK);
	expect_bytes(buf, uart, "clock-names", "uartclk\0apb_pclk", 17);
	assert_int_equal(fdt_node_offset_by_phandle(buf, GUEST_FDT_PHANDLE_CLK),
			 fdt_path_offset(buf, "/apb-pclk"));

	expect_str(buf, "/chosen", "bootargs", "console=ttyAMA0 rdinit=/init");
	expect_str(buf, "/chosen", "stdout-path", "/serial@9000000");
	CELLS(buf, "/chosen", "linux,initrd-start", 0, 0x4fe00000 - 0x180000);
	CELLS(buf, "/chosen", "linux,initrd-end", 0, 0x4fe00000);
	expect_str(buf, "/aliases", "serial0", "/serial@9000000");
	assert_string_equal(fdt_get_alias(buf, "serial0"), "/serial@9000000");

	/* Nothing else at the top level. */
	count = 0;
	fdt_for_each_subnode(n, buf, 0)
		count++;
	assert_int_equal(count, 9);
}

/* The hypervisor's boot-DT parser reads the guest's tree like a machine's. */
static void test_platform_info_view(void **state)
{
	struct guest_fdt_config cfg;
	struct platform_info pi;
	char err[256];
	(void)state;

	example_config(&cfg);
	for (unsigned vcpus = 1; vcpus <= 8; vcpus++) {
		cfg.vcpus = vcpus;
		cfg.gicr_size = vcpus * GUEST_GICR_STRIDE;
		assert_int_equal(guest_fdt_build(&cfg, buf, BUF_SIZE, err, sizeof(err)), 0);
		assert_int_equal(platform_info_parse(buf, BUF_SIZE, &pi, err, sizeof(err)), 0);
		assert_int_equal(pi.mem_count, 1);
		assert_int_equal(pi.mem[0].base, 0x40000000);
		assert_int_equal(pi.mem[0].size, 0x10000000);
		assert_int_equal(pi.cpu_count, vcpus);
		for (unsigned i = 0; i < vcpus; i++)
			assert_int_equal(pi.cpu_mpidr[i], i);
		assert_int_equal(pi.gicd.base, GUEST_GICD_IPA);
		assert_int_equal(pi.gicd.size, GUEST_GICD_SIZE);
		assert_int_equal(pi.gicr.base, GUEST_GICR_IPA);
		assert_int_equal(pi.gicr.size, vcpus * GUEST_GICR_STRIDE);
		assert_int_equal(pi.uart.base, GUEST_UART_IPA);
		assert_int_equal(pi.uart.size, GUEST_UART_SIZE);
		assert_false(pi.psci_smc);
		assert_string_equal(pi.bootargs, "console=ttyAMA0 rdinit=/init");
	}
}

static void test_no_initrd_no_bootargs(void **state)
{
	struct guest_fdt_config cfg;
	char err[256];
	(void)state;

	example_config(&cfg);
	cfg.has_initrd = false;
	cfg.bootargs = NULL;
	assert_int_equal(guest_fdt_build(&cfg, buf, BUF_SIZE, err, sizeof(err)), 0);
	expect_absent(buf, "/chosen", "bootargs");
	expect_absent(buf, "/chosen", "linux,initrd-start");
	expect_absent(buf, "/chosen", "linux,initrd-end");
	expect_str(buf, "/chosen", "stdout-path", "/serial@9000000");
	cfg.bootargs = "";
	assert_int_equal(guest_fdt_build(&cfg, buf, BUF_SIZE, err, sizeof(err)), 0);
	expect_absent(buf, "/chosen", "bootargs");
}

/* Other device addresses and a 64-bit memory range. */
static void test_other_addresses(void **state)
{
	struct guest_fdt_config cfg;
	struct platform_info pi;
	char err[256];
	(void)state;

	example_config(&cfg);
	cfg.mem_base = ipa_init(0x880000000ull);
	cfg.mem_size = 0x200000000ull;
	cfg.has_initrd = false;
	cfg.uart_base = ipa_init(0x1c090000);
	cfg.uart_spi = 5;
	cfg.gicd_base = ipa_init(0x2f000000);
	cfg.gicr_base = ipa_init(0x2f100000);
	assert_int_equal(guest_fdt_build(&cfg, buf, BUF_SIZE, err, sizeof(err)), 0);
	CELLS(buf, "/memory@880000000", "reg", 0x8, 0x80000000, 0x2, 0);
	CELLS(buf, "/serial@1c090000", "interrupts", 0, 5, 4);
	expect_str(buf, "/chosen", "stdout-path", "/serial@1c090000");
	assert_true(fdt_path_offset(buf, "/interrupt-controller@2f000000") >= 0);
	assert_int_equal(platform_info_parse(buf, BUF_SIZE, &pi, err, sizeof(err)), 0);
	assert_int_equal(pi.uart.base, 0x1c090000);
	assert_int_equal(pi.mem[0].base, 0x880000000ull);
}

/* dtc reads the result back without a single warning (unit addresses, reg formats...). */
static void test_dtc_accepts(void **state)
{
	struct guest_fdt_config cfg;
	char err[256], path[256], cmd[768], out[4096];
	FILE *f;
	size_t n;
	(void)state;

	example_config(&cfg);
	assert_int_equal(guest_fdt_build(&cfg, buf, BUF_SIZE, err, sizeof(err)), 0);
	snprintf(path, sizeof(path), "%s/guest-%d.dtb", LOADER_SCRATCH, (int)getpid());
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, fdt_totalsize(buf), f), fdt_totalsize(buf));
	fclose(f);
	snprintf(cmd, sizeof(cmd), "'%s' -I dtb -O dts -o /dev/null '%s' 2>&1", LOADER_DTC, path);
	f = popen(cmd, "r");
	assert_non_null(f);
	n = fread(out, 1, sizeof(out) - 1, f);
	out[n] = '\0';
	assert_int_equal(pclose(f), 0);
	remove(path);
	if (n) {
		fprintf(stderr, "dtc says:\n%s", out);
		fail();
	}
}

/* Every buffer size short of the result fails cleanly and writes nothing past its end. */
static void test_buffer_too_small(void **state)
{
	struct guest_fdt_config cfg;
	char err[256];
	uint8_t *p;
	size_t need;
	(void)state;

	example_config(&cfg);
	assert_int_equal(guest_fdt_build(&cfg, buf, BUF_SIZE, err, sizeof(err)), 0);
	need = fdt_totalsize(buf);
	assert_int_equal(posix_memalign((void **)&p, 8, need + 64), 0);
	for (size_t size = 0; size < need; size++) {
		memset(p, 0xa5, need + 64);
		assert_int_equal(guest_fdt_build(&cfg, p, size, err, sizeof(err)), PAL_E_NO_MEMORY);
		assert_non_null(strstr(err, "guest fdt: buffer of "));
		assert_non_null(strstr(err, " bytes is too small"));
		for (size_t i = size; i < need + 64; i++)
			assert_int_equal(p[i], 0xa5);
	}
	assert_int_equal(guest_fdt_build(&cfg, p, need, err, sizeof(err)), 0);
	assert_int_equal(memcmp(p, buf, need), 0);
	printf("[ info ] guest DT is %zu bytes; all %zu smaller buffers refused\n", need, need);
	free(p);
}

static void expect_cfg_error(const struct guest_fdt_config *cfg, const char *expect)
{
	char err[256];

	assert_int_equal(guest_fdt_build(cfg, buf, BUF_SIZE, err, sizeof(err)), PAL_E_INVALID);
	if (!strstr(err, expect)) {
		fprintf(stderr, "got \"%s\", want \"%s\"\n", err, expect);
		fail();
	}
}

static void test_bad_configs(void **state)
{
	static char long_args[GUEST_FDT_BOOTARGS_MAX + 1];
	struct guest_fdt_config good, c;
	char err[256];
	(void)state;

	example_config(&good);
#define CASE(change, expect) do { c = good; change; expect_cfg_error(&c, expect); } while (0)
	CASE(c.vcpus = 0, "guest fdt: vcpus 0 out of range 1..8");
	CASE(c.vcpus = 9, "guest fdt: vcpus 9 out of range 1..8");
	CASE(c.mem_size = 0, "guest fdt: memory 0x40000000 + 0x0 is empty or wraps");
	CASE(c.mem_base = ipa_init(UINT64_MAX - 0xfff), "guest fdt: memory 0xfffffffffffff000 + "
	     "0x10000000 is empty or wraps");
	CASE(c.mem_size = 0x10000800, "guest fdt: memory 0x40000000 + 0x10000800 is not page "
	     "aligned");
	CASE(c.gicd_size = 0, "guest fdt: GIC distributor 0x8000000 + 0x0 is empty");
	CASE(c.uart_base = ipa_init(0x40001000), "guest fdt: console overlaps memory");
	CASE(c.gicr_base = ipa_init(0x08008000), "guest fdt: GIC redistributors overlaps GIC "
	     "distributor");
	CASE(c.gicr_size = GUEST_GICR_STRIDE, "guest fdt: redistributor region 0x20000 too small "
	     "for 2 vCPUs");
	CASE(c.uart_spi = 988, "guest fdt: console SPI 988 out of range 0..987");
	memset(long_args, 'a', GUEST_FDT_BOOTARGS_MAX);
	CASE(c.bootargs = long_args, "guest fdt: bootargs longer than 2047 bytes");
	CASE(c.initrd_end = c.initrd_start, "guest fdt: initrd 0x4fc80000..0x4fc80000 is empty "
	     "or outside memory");
	CASE(c.initrd_end = ipa_init(0x50000001), "is empty or outside memory");
	CASE(c.initrd_start = ipa_init(0x3ffff000), "is empty or outside memory");
#undef CASE
	assert_int_equal(guest_fdt_build(NULL, buf, BUF_SIZE, err, sizeof(err)), PAL_E_INVALID);
	assert_int_equal(guest_fdt_build(&good, (char *)buf + 4, 100, err, sizeof(err)),
			 PAL_E_INVALID);
	assert_string_equal(err, "guest fdt: missing configuration or unaligned buffer");
	/* 2047 bytes of bootargs are fine with a big enough buffer. */
	long_args[GUEST_FDT_BOOTARGS_MAX - 1] = '\0';
	c = good;
	c.bootargs = long_args;
	assert_int_equal(guest_fdt_build(&c, buf, BUF_SIZE, err, sizeof(err)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_example_property_by_property),
		cmocka_unit_test(test_platform_info_view),
		cmocka_unit_test(test_no_initrd_no_bootargs),
		cmocka_unit_test(test_other_addresses),
		cmocka_unit_test(test_dtc_accepts),
		cmocka_unit_test(test_buffer_too_small),
		cmocka_unit_test(test_bad_configs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
