/*
 * Host device tree: QEMU's boot tree, rewritten for the host VM (palisade/host_fdt.h;
 * docs/manifest.md "What the host sees" explains every change).
 *
 * libfdt's read-write calls move every node after the one they touch, so no offset is
 * kept across a call that changes the tree except the touched node's own (and those
 * before it). Deleting loops restart their search; every loop ends because each pass
 * deletes a node or moves forward.
 */
#include <limits.h>
#include <string.h>
#include <libfdt.h>

#include "palisade/error.h"
#include "palisade/format.h"
#include "palisade/host_fdt.h"
#include "ranges.h"

typedef unsigned long long ull;

struct hctx {
	void *fdt;
	const struct host_fdt_config *cfg;
	size_t out_size;
	char *err;
	size_t err_size;
};

#define FAIL(rc, ...) do { fmt_snprintf(c->err, c->err_size, __VA_ARGS__); return (rc); } while (0)
/* A libfdt error during 'step': out of room is the caller's buffer, the rest is input. */
#define FDT_TRY(call, step) \
	do { int r_ = (call); if (r_ < 0) return fdt_fail(c, r_, step); } while (0)

static int fdt_fail(struct hctx *c, int fdt_err, const char *step)
{
	if (fdt_err == -FDT_ERR_NOSPACE)
		FAIL(PAL_E_NO_MEMORY, "host fdt: output buffer of %zu bytes is too small (%s)",
		     c->out_size, step);
	FAIL(PAL_E_INVALID, "host fdt: %s: %s", step, fdt_strerror(fdt_err));
}

/* Devices that need the hypervisor's help, so the host does not get them (yet). */
static const char *const drop_compatible[] = {
	"arm,gic-v3-its",          /* MSI translation: not virtualised */
	"pci-host-ecam-generic",   /* PCIe: config space, MSIs and DMA need the hypervisor */
	"qemu,platform",           /* dynamic sysbus window: contents unknown, fail closed */
	"qemu,fw-cfg-mmio",        /* DMA to any physical address; the hypervisor's boot files */
	"cfi-flash",               /* the platform's boot flash */
	"arm,armv8-pmuv3",         /* PMU: not context-switched between VMs and EL2 */
	"arm,smmu-v3",             /* an IOMMU is the hypervisor's to program */
};

/* Properties that would point at what was dropped. */
static const char *const drop_props[] = { "msi-parent", "msi-map", "iommus", "iommu-map" };

static int del_by_compatible(struct hctx *c, const char *compat)
{
	for (;;) {
		int n = fdt_node_offset_by_compatible(c->fdt, -1, compat);

		if (n == -FDT_ERR_NOTFOUND)
			return 0;
		FDT_TRY(n, "searching for a node to delete");
		FDT_TRY(fdt_del_node(c->fdt, n), "deleting a node");
	}
}

/* Any other MSI controller (e.g. a GICv2m frame) goes the same way as the ITS. */
static int del_msi_controllers(struct hctx *c)
{
	int depth = 0, n = fdt_next_node(c->fdt, -1, &depth);

	while (n >= 0) {
		if (fdt_getprop(c->fdt, n, "msi-controller", NULL)) {
			FDT_TRY(fdt_del_node(c->fdt, n), "deleting an MSI controller");
			depth = 0;
			n = fdt_next_node(c->fdt, -1, &depth);
			continue;
		}
		n = fdt_next_node(c->fdt, n, &depth);
	}
	if (n != -FDT_ERR_NOTFOUND)
		return fdt_fail(c, n, "walking the tree");
	return 0;
}

static int del_props(struct hctx *c)
{
	int depth = 0, n;

	for (n = fdt_next_node(c->fdt, -1, &depth); n >= 0; n = fdt_next_node(c->fdt, n, &depth))
		for (unsigned i = 0; i < sizeof(drop_props) / sizeof(drop_props[0]); i++) {
			int rc = fdt_delprop(c->fdt, n, drop_props[i]);

			if (rc != -FDT_ERR_NOTFOUND)
				FDT_TRY(rc, "deleting an MSI/IOMMU reference");
		}
	if (n != -FDT_ERR_NOTFOUND)
		return fdt_fail(c, n, "walking the tree");
	return 0;
}

static uint64_t read_cells(const uint8_t *p, int n)
{
	uint64_t v = 0;

	for (int i = 0; i < 4 * n; i++)
		v = v << 8 | p[i];
	return v;
}

static void write_cells(uint8_t *p, int n, uint64_t v)
{
	for (int i = 4 * n; i-- > 0; v >>= 8)
		p[i] = (uint8_t)v;
}

/* One memory node: its reg minus the hidden ranges. Returns the bytes left, or < 0. */
static int64_t rewrite_memory_node(struct hctx *c, int node)
{
	struct u64_range r[HOST_FDT_MAX_MEM_RANGES];
	uint8_t reg[HOST_FDT_MAX_MEM_RANGES * 16];
	int parent = fdt_parent_offset(c->fdt, node), ac, sc, len;
	const uint8_t *val;
	unsigned n = 0;
	uint64_t left = 0;

	FDT_TRY(parent, "finding a memory node's parent");
	ac = fdt_address_cells(c->fdt, parent);
	sc = fdt_size_cells(c->fdt, parent);
	if (ac < 1 || ac > 2 || sc < 1 || sc > 2)
		FAIL(PAL_E_INVALID, "host fdt: memory node: unsupported #address-cells %d / "
		     "#size-cells %d", ac, sc);
	val = fdt_getprop(c->fdt, node, "reg", &len);
	if (!val || len <= 0 || len % (4 * (ac + sc)))
		FAIL(PAL_E_INVALID, "host fdt: memory node: missing or malformed reg");
	if (len / (4 * (ac + sc)) > HOST_FDT_MAX_MEM_RANGES)
		FAIL(PAL_E_INVALID, "host fdt: memory node: more than %d reg entries",
		     HOST_FDT_MAX_MEM_RANGES);
	for (int off = 0; off < len; off += 4 * (ac + sc)) {
		uint64_t base = read_cells(val + off, ac);
		uint64_t size = read_cells(val + off + 4 * ac, sc);

		if (size == 0)
			continue;
		if (base + size < base)
			FAIL(PAL_E_INVALID, "host fdt: memory node: 0x%llx + 0x%llx wraps around",
			     (ull)base, (ull)size);
		r[n++] = (struct u64_range){ base, base + size };
	}
	for (unsigned i = 0; i < c->cfg->remove_count; i++)
		if (ranges_subtract(r, &n, HOST_FDT_MAX_MEM_RANGES,
				    pa_addr(c->cfg->remove[i].base),
				    pa_range_end(c->cfg->remove[i])))
			FAIL(PAL_E_INVALID, "host fdt: memory node: more than %d ranges after "
			     "removing hidden memory", HOST_FDT_MAX_MEM_RANGES);
	if (n == 0) {
		FDT_TRY(fdt_del_node(c->fdt, node), "deleting an emptied memory node");
		return 0;
	}
	ranges_sort(r, n);
	for (unsigned i = 0; i < n; i++) {
		uint8_t *e = reg + i * 4 * (unsigned)(ac + sc);

		/* A part of a range that fit its cells fits them too. */
		write_cells(e, ac, r[i].base);
		write_cells(e + 4 * ac, sc, r[i].end - r[i].base);
		left += r[i].end - r[i].base;
	}
	FDT_TRY(fdt_setprop(c->fdt, node, "reg", reg, (int)(n * 4 * (unsigned)(ac + sc))),
		"writing a memory node's reg");

	/* Keep the unit address equal to the first reg base, as the DT spec asks. */
	char name[32];

	fmt_snprintf(name, sizeof(name), "memory@%llx", (ull)r[0].base);
	FDT_TRY(fdt_set_name(c->fdt, node, name), "renaming a memory node");
	return (int64_t)(left > INT64_MAX ? INT64_MAX : left);
}

static int rewrite_memory(struct hctx *c)
{
	int prev = -1;
	uint64_t total = 0;

	for (;;) {
		int n = fdt_node_offset_by_prop_value(c->fdt, prev, "device_type", "memory",
						      sizeof("memory"));
		int64_t left;

		if (n == -FDT_ERR_NOTFOUND)
			break;
		FDT_TRY(n, "searching for memory nodes");
		left = rewrite_memory_node(c, n);
		if (left < 0)
			return (int)left;
		if (left > 0)
			prev = n;     /* deleted: the next node now sits at n, search from prev */
		total += (uint64_t)left;
	}
	if (total == 0)
		FAIL(PAL_E_RANGE, "host fdt: no memory left for the host");
	return 0;
}

/* The offset of the (index+1)-th cpu node under /cpus, or < 0. */
static int nth_cpu(struct hctx *c, int cpus, unsigned index)
{
	unsigned seen = 0;
	int n;

	fdt_for_each_subnode(n, c->fdt, cpus) {
		const char *type = fdt_getprop(c->fdt, n, "device_type", NULL);

		if (type && strcmp(type, "cpu") == 0 && seen++ == index)
			return n;
	}
	return n;
}

static int trim_cpus(struct hctx *c)
{
	unsigned want = c->cfg->vcpus;
	bool trimmed = false;
	int cpus, n;

	cpus = fdt_path_offset(c->fdt, "/cpus");
	if (cpus < 0)
		FAIL(PAL_E_INVALID, "host fdt: no /cpus node");
	n = nth_cpu(c, cpus, want - 1);
	if (n == -FDT_ERR_NOTFOUND)
		FAIL(PAL_E_RANGE, "host fdt: %u vCPUs asked, fewer cpu nodes in the tree", want);
	FDT_TRY(n, "reading /cpus");
	while ((n = nth_cpu(c, cpus, want)) >= 0) {
		FDT_TRY(fdt_del_node(c->fdt, n), "deleting a cpu node");
		trimmed = true;
	}
	if (n != -FDT_ERR_NOTFOUND)
		return fdt_fail(c, n, "reading /cpus");
	/* cpu-map names cpus by phandle; without it Linux takes topology from MPIDR. */
	if (trimmed) {
		n = fdt_subnode_offset(c->fdt, cpus, "cpu-map");
		if (n >= 0)
			FDT_TRY(fdt_del_node(c->fdt, n), "deleting /cpus/cpu-map");
	}
	return 0;
}

static int psci_hvc(struct hctx *c)
{
	int depth = 0, n, found = 0;

	for (n = fdt_next_node(c->fdt, -1, &depth); n >= 0; n = fdt_next_node(c->fdt, n, &depth)) {
		if (fdt_node_check_compatible(c->fdt, n, "arm,psci-1.0") &&
		    fdt_node_check_compatible(c->fdt, n, "arm,psci-0.2") &&
		    fdt_node_check_compatible(c->fdt, n, "arm,psci"))
			continue;
		FDT_TRY(fdt_setprop_string(c->fdt, n, "method", "hvc"), "setting PSCI method");
		found++;
	}
	if (!found)
		FAIL(PAL_E_INVALID, "host fdt: no PSCI node (the host starts its vCPUs with PSCI)");
	return 0;
}

/* /chosen is rebuilt: only stdout-path survives; the boot bootargs were the hypervisor's. */
static int rebuild_chosen(struct hctx *c)
{
	const struct host_fdt_config *cfg = c->cfg;
	char stdout_path[HOST_FDT_STDOUT_MAX] = "";
	int n, len;

	n = fdt_path_offset(c->fdt, "/chosen");
	if (n >= 0) {
		const char *p = fdt_getprop(c->fdt, n, "stdout-path", &len);

		if (p) {
			if (len < 1 || len > (int)sizeof(stdout_path) || p[len - 1] != '\0')
				FAIL(PAL_E_INVALID, "host fdt: /chosen/stdout-path is not a string of "
				     "at most %d bytes", HOST_FDT_STDOUT_MAX - 1);
			memcpy(stdout_path, p, (size_t)len);
		}
		FDT_TRY(fdt_del_node(c->fdt, n), "deleting /chosen");
	} else if (n != -FDT_ERR_NOTFOUND) {
		return fdt_fail(c, n, "finding /chosen");
	}
	n = fdt_add_subnode(c->fdt, 0, "chosen");
	FDT_TRY(n, "adding /chosen");
	if (stdout_path[0])
		FDT_TRY(fdt_setprop_string(c->fdt, n, "stdout-path", stdout_path),
			"setting stdout-path");
	if (cfg->bootargs && cfg->bootargs[0])
		FDT_TRY(fdt_setprop_string(c->fdt, n, "bootargs", cfg->bootargs),
			"setting bootargs");
	if (cfg->has_initrd) {
		FDT_TRY(fdt_setprop_u64(c->fdt, n, "linux,initrd-start",
					pa_addr(cfg->initrd_start)), "setting the initrd");
		FDT_TRY(fdt_setprop_u64(c->fdt, n, "linux,initrd-end", pa_addr(cfg->initrd_end)),
			"setting the initrd");
	}
	return 0;
}

static int check_config(struct hctx *c)
{
	const struct host_fdt_config *cfg = c->cfg;

	if (cfg->vcpus < 1 || cfg->vcpus > MANIFEST_MAX_VCPUS)
		FAIL(PAL_E_INVALID, "host fdt: vcpus %u out of range 1..%u", cfg->vcpus,
		     MANIFEST_MAX_VCPUS);
	if (cfg->remove_count > HOST_FDT_MAX_REMOVE || (cfg->remove_count && !cfg->remove))
		FAIL(PAL_E_INVALID, "host fdt: %u ranges to remove (at most %d)",
		     cfg->remove_count, HOST_FDT_MAX_REMOVE);
	for (unsigned i = 0; i < cfg->remove_count; i++)
		if (!pa_range_valid(cfg->remove[i]))
			FAIL(PAL_E_INVALID, "host fdt: range to remove %u is empty or wraps", i);
	if (cfg->bootargs && strnlen(cfg->bootargs, HOST_FDT_BOOTARGS_MAX) ==
			     HOST_FDT_BOOTARGS_MAX)
		FAIL(PAL_E_INVALID, "host fdt: bootargs longer than %d bytes",
		     HOST_FDT_BOOTARGS_MAX - 1);
	if (cfg->has_initrd && pa_addr(cfg->initrd_start) >= pa_addr(cfg->initrd_end))
		FAIL(PAL_E_INVALID, "host fdt: initrd 0x%llx..0x%llx is empty",
		     (ull)pa_addr(cfg->initrd_start), (ull)pa_addr(cfg->initrd_end));
	return 0;
}

/*
 * QEMU pads its tree to 1 MiB; fdt_open_into would need all of that in the output. Copy
 * only the blocks, in canonical order, then let libfdt open the copy in place.
 */
static int copy_packed(struct hctx *c, const void *in)
{
	const uint8_t *src = in;
	uint8_t *dst = c->fdt;
	uint32_t rsv = (uint32_t)(fdt_num_mem_rsv(in) + 1) * sizeof(struct fdt_reserve_entry);
	uint32_t hdr = sizeof(struct fdt_header);   /* 40: keeps the reservation map 8-aligned */
	uint32_t st = fdt_size_dt_struct(in), str = fdt_size_dt_strings(in);
	uint64_t need = (uint64_t)hdr + rsv + st + str;

	if (fdt_version(in) < 17)
		FAIL(PAL_E_INVALID, "host fdt: input is device-tree version %u, 17 expected",
		     fdt_version(in));
	if (need > c->out_size)
		FAIL(PAL_E_NO_MEMORY, "host fdt: output buffer of %zu bytes is too small (the "
		     "tree alone is %llu bytes)", c->out_size, (ull)need);
	memcpy(dst, src, hdr);
	memcpy(dst + hdr, src + fdt_off_mem_rsvmap(in), rsv);
	memcpy(dst + hdr + rsv, src + fdt_off_dt_struct(in), st);
	memcpy(dst + hdr + rsv + st, src + fdt_off_dt_strings(in), str);
	fdt_set_off_mem_rsvmap(dst, hdr);
	fdt_set_off_dt_struct(dst, hdr + rsv);
	fdt_set_off_dt_strings(dst, hdr + rsv + st);
	fdt_set_totalsize(dst, (uint32_t)need);
	fdt_set_version(dst, 17);
	fdt_set_last_comp_version(dst, 16);
	return 0;
}

void host_fdt_config_init(struct host_fdt_config *cfg, const struct manifest *m)
{
	const struct manifest_vm *h = manifest_host(m);

	memset(cfg, 0, sizeof(*cfg));
	cfg->remove = m->hidden;
	cfg->remove_count = m->hidden_count;
	cfg->vcpus = h->vcpus;
	cfg->bootargs = h->bootargs;
	cfg->has_initrd = h->has_initrd;
	if (h->has_initrd) {
		cfg->initrd_start = h->initrd.base;
		cfg->initrd_end = pa_init(pa_range_end(h->initrd));
	}
}

int host_fdt_build(const void *in, size_t in_size, const struct host_fdt_config *cfg,
		   void *out, size_t out_size, char *err, size_t err_size)
{
	struct hctx ctx = { out, cfg, out_size, err, err_size }, *c = &ctx;
	uintptr_t i0 = (uintptr_t)in, o0 = (uintptr_t)out;
	int rc;

	if (err_size)
		err[0] = '\0';
	if (!cfg || !in || !out || (i0 & 7) || (o0 & 7))
		FAIL(PAL_E_INVALID, "host fdt: missing argument or unaligned buffer");
	if (i0 < o0 + out_size && o0 < i0 + in_size)
		FAIL(PAL_E_INVALID, "host fdt: input and output buffers overlap");
	if ((rc = check_config(c)))
		return rc;
	if (in_size < sizeof(struct fdt_header))
		FAIL(PAL_E_INVALID, "host fdt: input of %zu bytes is smaller than a header", in_size);
	if ((rc = fdt_check_header(in)))
		FAIL(PAL_E_INVALID, "host fdt: bad input header: %s", fdt_strerror(rc));
	/* libfdt reads blocks through typed pointers: they must be aligned for their type. */
	if ((fdt_off_mem_rsvmap(in) & 7) || (fdt_off_dt_struct(in) & 3))
		FAIL(PAL_E_INVALID, "host fdt: input's reservation or structure block misaligned");
	if (fdt_totalsize(in) > in_size)
		FAIL(PAL_E_INVALID, "host fdt: input claims %u bytes, only %zu available",
		     fdt_totalsize(in), in_size);
	if ((rc = fdt_check_full(in, fdt_totalsize(in))))
		FAIL(PAL_E_INVALID, "host fdt: malformed input: %s", fdt_strerror(rc));

	if ((rc = copy_packed(c, in)))
		return rc;
	FDT_TRY(fdt_open_into(out, out, out_size > INT_MAX ? INT_MAX : (int)out_size),
		"opening the copy");
	for (unsigned i = 0; i < sizeof(drop_compatible) / sizeof(drop_compatible[0]); i++)
		if ((rc = del_by_compatible(c, drop_compatible[i])))
			return rc;
	if ((rc = del_msi_controllers(c)) || (rc = del_props(c)) || (rc = rewrite_memory(c)) ||
	    (rc = trim_cpus(c)) || (rc = psci_hvc(c)) || (rc = rebuild_chosen(c)))
		return rc;
	FDT_TRY(fdt_pack(out), "packing");
	if ((rc = fdt_check_full(out, fdt_totalsize(out))))
		FAIL(PAL_E_INVALID, "host fdt: result fails fdt_check_full: %s", fdt_strerror(rc));
	return 0;
}
