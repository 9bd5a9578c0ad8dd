/*
 * The host's device tree, made from QEMU's own trees (dumped at build time for several
 * machine shapes): memory without the hidden ranges, exactly; no ITS, PCIe, fw-cfg,
 * flash, platform bus or PMU, and nothing left pointing at them; PSCI over HVC; the
 * host's vCPUs; /chosen from the manifest. Everything else must come through byte for
 * byte. Also: every too-small buffer, malformed inputs and random corruption.
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

#include "palisade/error.h"
#include "palisade/host_fdt.h"
#include "palisade/platform_info.h"
#include "support.h"

#define OUT_SIZE (256 * 1024)

static struct manifest m;
static uint64_t out_store[OUT_SIZE / 8];
static void *const out = out_store;

static const char *const dropped[] = {
	"arm,gic-v3-its", "pci-host-ecam-generic", "qemu,platform", "qemu,fw-cfg-mmio",
	"cfi-flash", "arm,armv8-pmuv3",
};

static void parse_example(void)
{
	struct manifest_limits lim = t_limits_2g();
	char err[256];
	size_t size;
	void *blob = t_load_dtb("example", &size);

	assert_int_equal(manifest_parse(blob, size, &lim, &m, err, sizeof(err)), 0);
	free(blob);
}

static int count_compatible(const void *fdt, const char *compat)
{
	int n = 0, off;

	for (off = fdt_node_offset_by_compatible(fdt, -1, compat); off >= 0;
	     off = fdt_node_offset_by_compatible(fdt, off, compat))
		n++;
	return n;
}

static uint64_t cells(const fdt32_t *p, int n)
{
	uint64_t v = 0;

	for (int i = 0; i < n; i++)
		v = v << 32 | fdt32_to_cpu(p[i]);
	return v;
}

/* All (base, size) pairs of all memory nodes, in tree order. */
static unsigned memory_ranges(const void *fdt, struct pa_range *r, unsigned max)
{
	unsigned n = 0;
	int off;

	for (off = fdt_node_offset_by_prop_value(fdt, -1, "device_type", "memory", 7); off >= 0;
	     off = fdt_node_offset_by_prop_value(fdt, off, "device_type", "memory", 7)) {
		int len;
		const fdt32_t *reg = fdt_getprop(fdt, off, "reg", &len);

		assert_non_null(reg);
		for (int i = 0; i < len / 16; i++) {
			assert_true(n < max);
			r[n++] = pa_range_init(cells(reg + 4 * i, 2), cells(reg + 4 * i + 2, 2));
		}
	}
	return n;
}

/* Phandle-valued properties that must still resolve, and the MSI ones that must be gone. */
static void check_references(const void *fdt)
{
	int depth = 0, n;

	for (n = fdt_next_node(fdt, -1, &depth); n >= 0; n = fdt_next_node(fdt, n, &depth)) {
		static const char *const single[] = { "interrupt-parent", "cpu" };
		int len;
		const fdt32_t *p;

		assert_null(fdt_getprop(fdt, n, "msi-parent", NULL));
		assert_null(fdt_getprop(fdt, n, "msi-map", NULL));
		assert_null(fdt_getprop(fdt, n, "msi-controller", NULL));
		assert_null(fdt_getprop(fdt, n, "iommu-map", NULL));
		for (int i = 0; i < 2; i++) {
			p = fdt_getprop(fdt, n, single[i], &len);
			if (p)
				assert_true(fdt_node_offset_by_phandle(fdt, fdt32_to_cpu(p[0])) >= 0);
		}
		p = fdt_getprop(fdt, n, "clocks", &len);   /* #clock-cells = 0 here */
		for (int i = 0; p && i < len / 4; i++)
			assert_true(fdt_node_offset_by_phandle(fdt, fdt32_to_cpu(p[i])) >= 0);
		p = fdt_getprop(fdt, n, "gpios", &len);
		if (p)
			assert_true(fdt_node_offset_by_phandle(fdt, fdt32_to_cpu(p[0])) >= 0);
	}
	assert_int_equal(n, -FDT_ERR_NOTFOUND);
}

static bool changed_on_purpose(const char *path, const char *prop)
{
	if (strncmp(path, "/memory@", 8) == 0 && strcmp(prop, "reg") == 0)
		return true;
	if (strcmp(path, "/psci") == 0 && strcmp(prop, "method") == 0)
		return true;
	return strcmp(path, "/chosen") == 0;
}

/* Every node of 'out' is in 'in' at the same path with the same properties, except the
 * ones changed on purpose; returns how many nodes were compared. */
static int check_rest_unchanged(const void *in, const void *o)
{
	int depth = 0, n, compared = 0;
	char path[256];

	for (n = fdt_next_node(o, -1, &depth); n >= 0; n = fdt_next_node(o, n, &depth)) {
		int in_node, prop;

		assert_int_equal(fdt_get_path(o, n, path, sizeof(path)), 0);
		if (strcmp(path, "/chosen") == 0)
			continue;
		in_node = fdt_path_offset(in, path);
		if (in_node < 0) {
			fprintf(stderr, "%s is not in QEMU's tree\n", path);
			fail();
		}
		fdt_for_each_property_offset(prop, o, n) {
			const char *name;
			int len, in_len;
			const void *v = fdt_getprop_by_offset(o, prop, &name, &len);
			const void *iv = fdt_getprop(in, in_node, name, &in_len);

			if (changed_on_purpose(path, name))
				continue;
			if (!iv || in_len != len || memcmp(v, iv, (size_t)len) != 0) {
				fprintf(stderr, "%s/%s differs from QEMU's\n", path, name);
				fail();
			}
		}
		compared++;
	}
	return compared;
}

struct shape {
	const char *dtb;
	unsigned cpus;
};

static size_t build(const char *dtb, const struct host_fdt_config *cfg, void **in_out,
		    size_t *in_size)
{
	char err[256];
	void *in = t_load_dtb(dtb, in_size);
	int rc = host_fdt_build(in, *in_size, cfg, out, OUT_SIZE, err, sizeof(err));

	if (rc) {
		fprintf(stderr, "%s: %s\n", dtb, err);
		fail();
	}
	assert_string_equal(err, "");
	assert_int_equal(fdt_check_full(out, fdt_totalsize(out)), 0);
	*in_out = in;
	return fdt_totalsize(out);
}

static void test_qemu_2g_example(void **state)
{
	struct host_fdt_config cfg;
	struct platform_info pi, qpi;
	struct pa_range mem[8];
	char err[256];
	size_t in_size;
	void *in;
	int len, its_phandle, n;
	(void)state;

	parse_example();
	host_fdt_config_init(&cfg, &m);
	assert_int_equal(cfg.remove_count, 2);
	build("qemu-smp4-2G", &cfg, &in, &in_size);

	/* What QEMU gave. */
	assert_int_equal(platform_info_parse(in, in_size, &qpi, err, sizeof(err)), 0);
	its_phandle = (int)fdt_get_phandle(in, fdt_node_offset_by_compatible(in, -1,
									      "arm,gic-v3-its"));
	assert_true(its_phandle > 0);

	/* Memory: RAM minus the hypervisor and the guest, exactly the manifest's view. */
	assert_int_equal(memory_ranges(out, mem, 8), m.host_mem_count);
	for (unsigned i = 0; i < m.host_mem_count; i++) {
		assert_int_equal(pa_addr(mem[i].base), pa_addr(m.host_mem[i].base));
		assert_int_equal(mem[i].size, m.host_mem[i].size);
	}
	assert_int_equal(pa_addr(mem[0].base), 0x40000000);
	assert_int_equal(mem[0].size, 0x200000);
	assert_int_equal(pa_addr(mem[1].base), 0x40a00000);
	assert_int_equal(pa_range_end(mem[1]), 0xb0000000);
	assert_true(fdt_path_offset(out, "/memory@40000000") >= 0);

	/* Gone, with nothing pointing at them. */
	for (unsigned i = 0; i < sizeof(dropped) / sizeof(dropped[0]); i++) {
		assert_true(count_compatible(in, dropped[i]) > 0);
		assert_int_equal(count_compatible(out, dropped[i]), 0);
	}
	assert_int_equal(fdt_node_offset_by_phandle(out, (uint32_t)its_phandle),
			 -FDT_ERR_NOTFOUND);
	check_references(out);

	/* Kept: the GIC at the same addresses, the MMIO devices the host drives itself. */
	n = fdt_path_offset(out, "/intc@8000000");
	assert_true(n >= 0);
	assert_int_equal(fdt_first_subnode(out, n), -FDT_ERR_NOTFOUND);
	assert_int_equal(count_compatible(out, "virtio,mmio"), 32);
	assert_int_equal(count_compatible(out, "virtio,mmio"), count_compatible(in, "virtio,mmio"));
	assert_int_equal(count_compatible(out, "arm,pl011"), 1);
	assert_int_equal(count_compatible(out, "arm,pl031"), 1);
	assert_int_equal(count_compatible(out, "arm,pl061"), 1);
	assert_int_equal(count_compatible(out, "gpio-keys"), 1);
	assert_int_equal(count_compatible(out, "arm,armv8-timer"), 1);
	assert_int_equal(count_compatible(out, "fixed-clock"), 1);

	/* PSCI through the hypervisor. */
	n = fdt_node_offset_by_compatible(out, -1, "arm,psci-0.2");
	assert_string_equal(fdt_getprop(out, n, "method", NULL), "hvc");

	/* Two vCPUs; the topology map that named four CPUs is gone. */
	assert_true(fdt_path_offset(out, "/cpus/cpu@0") >= 0);
	assert_true(fdt_path_offset(out, "/cpus/cpu@1") >= 0);
	assert_int_equal(fdt_path_offset(out, "/cpus/cpu@2"), -FDT_ERR_NOTFOUND);
	assert_int_equal(fdt_path_offset(out, "/cpus/cpu@3"), -FDT_ERR_NOTFOUND);
	assert_int_equal(fdt_path_offset(out, "/cpus/cpu-map"), -FDT_ERR_NOTFOUND);

	/* /chosen from the manifest; QEMU's seeds were the hypervisor's. */
	n = fdt_path_offset(out, "/chosen");
	assert_string_equal(fdt_getprop(out, n, "bootargs", NULL),
			    "console=ttyAMA0 earlycon=pl011,0x9000000 rdinit=/init");
	assert_string_equal(fdt_getprop(out, n, "stdout-path", NULL), "/pl011@9000000");
	const fdt32_t *i0 = fdt_getprop(out, n, "linux,initrd-start", &len);
	assert_int_equal(len, 8);
	assert_int_equal(cells(i0, 2), 0x44000000);
	const fdt32_t *i1 = fdt_getprop(out, n, "linux,initrd-end", &len);
	assert_int_equal(len, 8);
	assert_int_equal(cells(i1, 2), 0x44180000);
	assert_non_null(fdt_getprop(in, fdt_path_offset(in, "/chosen"), "rng-seed", NULL));
	assert_null(fdt_getprop(out, n, "rng-seed", NULL));
	assert_null(fdt_getprop(out, n, "kaslr-seed", NULL));

	/* The hypervisor's own parser agrees. */
	assert_int_equal(platform_info_parse(out, fdt_totalsize(out), &pi, err, sizeof(err)), 0);
	assert_int_equal(pi.mem_count, 2);
	assert_int_equal(pi.mem_total, 0x200000 + (0xb0000000 - 0x40a00000));
	assert_int_equal(pi.cpu_count, 2);
	assert_int_equal(pi.gicd.base, qpi.gicd.base);
	assert_int_equal(pi.gicd.size, qpi.gicd.size);
	assert_int_equal(pi.gicr.base, qpi.gicr.base);
	assert_int_equal(pi.gicr.size, qpi.gicr.size);
	assert_int_equal(pi.uart.base, qpi.uart.base);
	assert_false(pi.psci_smc);
	assert_string_equal(pi.bootargs, "console=ttyAMA0 earlycon=pl011,0x9000000 rdinit=/init");

	/* And nothing else changed. */
	printf("[ info ] qemu-smp4-2G: %u -> %u bytes packed, %d nodes compared with QEMU's\n",
	       fdt_totalsize(in), fdt_totalsize(out), check_rest_unchanged(in, out));
	/* It fits the 2 MiB window the manifest set aside for it, with room to spare. */
	assert_true(fdt_totalsize(out) < SZ_2M / 16);
	free(in);
}

/* Other machine shapes: no trimming (cpu-map stays), one vCPU, 64-bit memory cells. */
static void test_qemu_shapes(void **state)
{
	const struct pa_range remove_4g[] = {
		pa_range_init(T_HYP_BASE, T_HYP_SIZE),
		pa_range_init(0xff000000, 0x2000000),      /* straddles 4 GiB */
		pa_range_init(0x13fe00000, 0x200000),      /* the last 2 MiB */
	};
	const struct pa_range remove_start[] = { pa_range_init(0x40000000, 0x400000) };
	struct host_fdt_config cfg = { .vcpus = 8 };
	struct pa_range mem[8];
	struct platform_info pi;
	char err[256];
	size_t in_size;
	void *in;
	(void)state;

	/* 8 CPUs, all kept: cpu-map stays; nothing removed from memory. */
	build("qemu-smp8-1G", &cfg, &in, &in_size);
	assert_true(fdt_path_offset(out, "/cpus/cpu@7") >= 0);
	assert_true(fdt_path_offset(out, "/cpus/cpu-map") >= 0);
	assert_int_equal(memory_ranges(out, mem, 8), 1);
	assert_int_equal(mem[0].size, 1ull << 30);
	check_references(out);
	assert_null(fdt_getprop(out, fdt_path_offset(out, "/chosen"), "bootargs", NULL));
	assert_null(fdt_getprop(out, fdt_path_offset(out, "/chosen"), "linux,initrd-start", NULL));
	check_rest_unchanged(in, out);
	free(in);

	/* 4 GiB across the 4 GiB line, split three ways. */
	cfg = (struct host_fdt_config){ .remove = remove_4g, .remove_count = 3, .vcpus = 1,
					.bootargs = "quiet" };
	build("qemu-smp2-4G", &cfg, &in, &in_size);
	assert_int_equal(memory_ranges(out, mem, 8), 3);
	assert_int_equal(pa_addr(mem[0].base), 0x40000000);
	assert_int_equal(pa_range_end(mem[0]), T_HYP_BASE);
	assert_int_equal(pa_addr(mem[1].base), T_HYP_BASE + T_HYP_SIZE);
	assert_int_equal(pa_range_end(mem[1]), 0xff000000);
	assert_int_equal(pa_addr(mem[2].base), 0x101000000);
	assert_int_equal(pa_range_end(mem[2]), 0x13fe00000);
	assert_int_equal(platform_info_parse(out, fdt_totalsize(out), &pi, err, sizeof(err)), 0);
	assert_int_equal(pi.cpu_count, 1);
	assert_string_equal(pi.bootargs, "quiet");
	check_references(out);
	check_rest_unchanged(in, out);
	free(in);

	/* Removing the start of RAM renames the node after its new first address. */
	cfg = (struct host_fdt_config){ .remove = remove_start, .remove_count = 1, .vcpus = 1 };
	build("qemu-smp1-1G", &cfg, &in, &in_size);
	assert_int_equal(fdt_path_offset(out, "/memory@40000000"), -FDT_ERR_NOTFOUND);
	assert_true(fdt_path_offset(out, "/memory@40400000") >= 0);
	assert_int_equal(memory_ranges(out, mem, 8), 1);
	assert_int_equal(pa_addr(mem[0].base), 0x40400000);
	/* One CPU in, one vCPU out: nothing trimmed, cpu-map kept. */
	assert_true(fdt_path_offset(out, "/cpus/cpu-map") >= 0);
	free(in);
}

/* MSI users kept by the host lose their msi-parent; any other MSI controller goes too. */
static void test_msi_references(void **state)
{
	struct host_fdt_config cfg = { .vcpus = 4 };
	size_t in_size;
	void *raw = t_load_dtb("qemu-smp4-2G", &in_size);
	void *in = t_dup(raw, in_size, in_size);
	char err[256];
	fdt32_t ref;
	int its, v2m, virtio;
	(void)state;

	its = fdt_node_offset_by_compatible(in, -1, "arm,gic-v3-its");
	ref = cpu_to_fdt32(fdt_get_phandle(in, its));
	virtio = fdt_path_offset(in, "/virtio_mmio@a000000");
	assert_int_equal(fdt_setprop(in, virtio, "msi-parent", &ref, sizeof(ref)), 0);
	v2m = fdt_add_subnode(in, 0, "v2m@8020000");
	assert_true(v2m >= 0);
	assert_int_equal(fdt_setprop_string(in, v2m, "compatible", "arm,gic-v2m-frame"), 0);
	assert_int_equal(fdt_setprop(in, v2m, "msi-controller", "", 0), 0);
	assert_int_equal(fdt_setprop_u32(in, v2m, "phandle", 0x9000), 0);
	ref = cpu_to_fdt32(0x9000);
	virtio = fdt_path_offset(in, "/virtio_mmio@a000200");
	assert_int_equal(fdt_setprop(in, virtio, "msi-parent", &ref, sizeof(ref)), 0);

	assert_int_equal(host_fdt_build(in, in_size, &cfg, out, OUT_SIZE, err, sizeof(err)), 0);
	assert_int_equal(fdt_path_offset(out, "/v2m@8020000"), -FDT_ERR_NOTFOUND);
	assert_true(fdt_path_offset(out, "/virtio_mmio@a000000") >= 0);
	assert_true(fdt_path_offset(out, "/virtio_mmio@a000200") >= 0);
	check_references(out);
	/* All four CPUs kept: the topology map stays and still resolves. */
	assert_true(fdt_path_offset(out, "/cpus/cpu-map") >= 0);
	free(in);
	free(raw);
}

static void expect_error(const void *in, size_t in_size, const struct host_fdt_config *cfg,
			 void *o, size_t out_size, int rc, const char *expect)
{
	char err[256];
	int got = host_fdt_build(in, in_size, cfg, o, out_size, err, sizeof(err));

	if (got != rc || !strstr(err, expect)) {
		fprintf(stderr, "rc %d (want %d) \"%s\"; want \"%s\"\n", got, rc, err, expect);
		fail();
	}
	assert_null(strchr(err, '\n'));
}

static void test_errors(void **state)
{
	const struct pa_range all[] = { pa_range_init(0, 0x200000000ull) };
	const struct pa_range bad[] = { pa_range_init(0x40000000, 0) };
	struct host_fdt_config good = { .vcpus = 2 }, c;
	static char long_args[HOST_FDT_BOOTARGS_MAX + 1];
	size_t in_size;
	uint8_t *in = t_load_dtb("qemu-smp4-2G", &in_size), *copy;
	int node;
	(void)state;

	expect_error(in, in_size, &good, NULL, OUT_SIZE, PAL_E_INVALID,
		     "host fdt: missing argument or unaligned buffer");
	expect_error(in + 4, in_size - 4, &good, out, OUT_SIZE, PAL_E_INVALID,
		     "host fdt: missing argument or unaligned buffer");
	expect_error(in, in_size, &good, in + 8, 4096, PAL_E_INVALID,
		     "host fdt: input and output buffers overlap");
	expect_error(in, 20, &good, out, OUT_SIZE, PAL_E_INVALID,
		     "host fdt: input of 20 bytes is smaller than a header");
	expect_error(in, in_size - 1, &good, out, OUT_SIZE, PAL_E_INVALID,
		     "host fdt: input claims 1048576 bytes, only 1048575 available");
	copy = t_dup(in, in_size, in_size);
	copy[3] ^= 1;
	expect_error(copy, in_size, &good, out, OUT_SIZE, PAL_E_INVALID,
		     "host fdt: bad input header: FDT_ERR_BADMAGIC");
	memcpy(copy, in, in_size);
	((struct fdt_header *)copy)->off_dt_struct =
		cpu_to_fdt32(fdt_off_dt_struct(in) + 2);
	expect_error(copy, in_size, &good, out, OUT_SIZE, PAL_E_INVALID,
		     "host fdt: input's reservation or structure block misaligned");
	memcpy(copy, in, in_size);
	memset(copy + fdt_off_dt_struct(in) + 8, 0xee, 4);
	expect_error(copy, in_size, &good, out, OUT_SIZE, PAL_E_INVALID,
		     "host fdt: malformed input");

#define CASE(change, rc, expect) do { c = good; change; \
	expect_error(in, in_size, &c, out, OUT_SIZE, rc, expect); } while (0)
	CASE(c.vcpus = 0, PAL_E_INVALID, "host fdt: vcpus 0 out of range 1..8");
	CASE(c.vcpus = 9, PAL_E_INVALID, "host fdt: vcpus 9 out of range 1..8");
	CASE(c.vcpus = 5, PAL_E_RANGE, "host fdt: 5 vCPUs asked, fewer cpu nodes in the tree");
	CASE((c.remove = NULL, c.remove_count = 1), PAL_E_INVALID, "host fdt: 1 ranges to remove");
	CASE((c.remove = all, c.remove_count = HOST_FDT_MAX_REMOVE + 1), PAL_E_INVALID,
	     "host fdt: 17 ranges to remove (at most 16)");
	CASE((c.remove = bad, c.remove_count = 1), PAL_E_INVALID,
	     "host fdt: range to remove 0 is empty or wraps");
	CASE((c.remove = all, c.remove_count = 1), PAL_E_RANGE,
	     "host fdt: no memory left for the host");
	memset(long_args, 'a', HOST_FDT_BOOTARGS_MAX);
	CASE(c.bootargs = long_args, PAL_E_INVALID, "host fdt: bootargs longer than 2047 bytes");
	CASE((c.has_initrd = true, c.initrd_start = pa_init(0x44000000),
	      c.initrd_end = pa_init(0x44000000)), PAL_E_INVALID,
	     "host fdt: initrd 0x44000000..0x44000000 is empty");
#undef CASE

	/* Trees without what the host needs. */
	memcpy(copy, in, in_size);
	assert_int_equal(fdt_del_node(copy, fdt_path_offset(copy, "/cpus")), 0);
	expect_error(copy, in_size, &good, out, OUT_SIZE, PAL_E_INVALID, "host fdt: no /cpus node");
	memcpy(copy, in, in_size);
	node = fdt_path_offset(copy, "/psci");
	assert_int_equal(fdt_del_node(copy, node), 0);
	expect_error(copy, in_size, &good, out, OUT_SIZE, PAL_E_INVALID,
		     "host fdt: no PSCI node (the host starts its vCPUs with PSCI)");
	memcpy(copy, in, in_size);
	node = fdt_path_offset(copy, "/memory@40000000");
	assert_int_equal(fdt_setprop(copy, node, "reg", "\0\0\0\0\x40\0\0\0\0\0\0", 12), 0);
	expect_error(copy, in_size, &good, out, OUT_SIZE, PAL_E_INVALID,
		     "host fdt: memory node: missing or malformed reg");
	memcpy(copy, in, in_size);
	node = fdt_path_offset(copy, "/chosen");
	assert_int_equal(fdt_setprop(copy, node, "stdout-path", "/pl011", 6), 0);
	expect_error(copy, in_size, &good, out, OUT_SIZE, PAL_E_INVALID,
		     "host fdt: /chosen/stdout-path is not a string");
	free(copy);
	free(in);
}

/* Every output buffer too small fails cleanly, writes nothing past its end, and the
 * result does not depend on the buffer size. */
static void test_buffer_too_small(void **state)
{
	struct host_fdt_config cfg;
	size_t in_size, packed, first_ok = 0;
	void *in = t_load_dtb("qemu-smp4-2G", &in_size);
	uint8_t *ref, *p;
	char err[256];
	unsigned refused = 0;
	(void)state;

	parse_example();
	host_fdt_config_init(&cfg, &m);
	assert_int_equal(host_fdt_build(in, in_size, &cfg, out, OUT_SIZE, err, sizeof(err)), 0);
	packed = fdt_totalsize(out);
	ref = t_dup(out, packed, packed);
	assert_int_equal(posix_memalign((void **)&p, 8, OUT_SIZE + 64), 0);
	for (size_t size = 0; size < 3 * packed; size += (size < 64 ? 1 : 8)) {
		int rc;

		memset(p, 0x5a, size + 64);
		rc = host_fdt_build(in, in_size, &cfg, p, size, err, sizeof(err));
		for (size_t i = size; i < size + 64; i++)
			assert_int_equal(p[i], 0x5a);
		if (rc == 0) {
			if (!first_ok)
				first_ok = size;
			assert_int_equal(fdt_totalsize(p), packed);
			assert_int_equal(memcmp(p, ref, packed), 0);
			continue;
		}
		assert_int_equal(first_ok, 0);   /* no failure after a success */
		assert_int_equal(rc, PAL_E_NO_MEMORY);
		assert_non_null(strstr(err, "host fdt: output buffer of "));
		assert_non_null(strstr(err, " bytes is too small ("));
		refused++;
	}
	assert_true(first_ok > packed);
	printf("[ info ] host DT packs to %zu bytes; needs a %zu-byte buffer while editing; "
	       "%u smaller sizes refused\n", packed, first_ok, refused);
	free(p);
	free(ref);
	free(in);
}

/* Corrupted QEMU trees: a clean error or a tree that passes fdt_check_full. */
static void test_fuzz(void **state)
{
	struct host_fdt_config cfg;
	size_t in_size, packed;
	uint8_t *raw = t_load_dtb("qemu-smp4-2G", &in_size), *orig, *blob;
	uint64_t seed = 0xfeedf00d;
	unsigned ok = 0, rejected = 0;
	(void)state;

	parse_example();
	host_fdt_config_init(&cfg, &m);
	orig = t_dup(raw, in_size, in_size);
	assert_int_equal(fdt_pack(orig), 0);
	packed = fdt_totalsize(orig);
	for (unsigned it = 0; it < 3000; it++) {
		char err[256];
		int rc;

		blob = t_dup(orig, packed, packed);
		for (unsigned n = 1 + (unsigned)(t_rand(&seed) % 6); n; n--) {
			size_t bit = t_rand(&seed) % (packed * 8);

			blob[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		}
		rc = host_fdt_build(blob, packed, &cfg, out, OUT_SIZE, err, sizeof(err));
		if (rc == 0) {
			assert_int_equal(fdt_check_full(out, fdt_totalsize(out)), 0);
			ok++;
		} else {
			assert_true(rc == PAL_E_INVALID || rc == PAL_E_RANGE || rc == PAL_E_NO_MEMORY);
			assert_true(err[0] != '\0');
			rejected++;
		}
		free(blob);
	}
	printf("[ info ] 3000 corrupted QEMU trees: %u rewritten, %u rejected\n", ok, rejected);
	free(orig);
	free(raw);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_qemu_2g_example),
		cmocka_unit_test(test_qemu_shapes),
		cmocka_unit_test(test_msi_references),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_buffer_too_small),
		cmocka_unit_test(test_fuzz),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
