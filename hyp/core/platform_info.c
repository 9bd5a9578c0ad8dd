/*
 * Boot device tree -> struct platform_info. Portable; every value read from the tree is
 * validated (cell counts, lengths, overflow, limits) because a malformed tree must give a
 * clear message rather than a wrong memory map.
 */
#include <string.h>
#include <libfdt.h>
#include "palisade/addr.h"
#include "palisade/format.h"
#include "palisade/platform_info.h"

#define FAIL(...) do { fmt_snprintf(err, err_size, __VA_ARGS__); return -1; } while (0)

/* Reads one (address, size) pair of cell counts ac/sc at 'cells'. */
static uint64_t read_cells(const fdt32_t *cells, int n)
{
	uint64_t v = 0;

	for (int i = 0; i < n; i++)
		v = (v << 32) | fdt32_to_cpu(cells[i]);
	return v;
}

/*
 * The reg entries of 'node', using its parent's #address-cells/#size-cells.
 * Returns the number of entries (up to max), or -1 with err set.
 */
static int read_reg(const void *fdt, int node, struct pi_range *out, int max,
		    char *err, size_t err_size)
{
	int parent = fdt_parent_offset(fdt, node);
	const char *name = fdt_get_name(fdt, node, NULL);
	int ac, sc, len;
	const fdt32_t *reg;

	if (parent < 0)
		FAIL("node '%s' has no parent", name ? name : "?");
	ac = fdt_address_cells(fdt, parent);
	sc = fdt_size_cells(fdt, parent);
	if (ac < 1 || ac > 2 || sc < 0 || sc > 2)
		FAIL("node '%s': unsupported #address-cells %d / #size-cells %d", name, ac, sc);
	reg = fdt_getprop(fdt, node, "reg", &len);
	if (!reg)
		FAIL("node '%s' has no reg property", name);
	int entry = (ac + sc) * 4;
	if (len <= 0 || len % entry)
		FAIL("node '%s': reg length %d is not a multiple of %d", name, len, entry);
	int n = len / entry;
	if (n > max)
		n = max;
	for (int i = 0; i < n; i++) {
		const fdt32_t *e = reg + i * (ac + sc);
		uint64_t end;

		out[i].base = read_cells(e, ac);
		out[i].size = sc ? read_cells(e + ac, sc) : 0;
		if (sc && out[i].size == 0)
			FAIL("node '%s': reg entry %d has size 0", name, i);
		if (!range_end(out[i].base, out[i].size, &end))
			FAIL("node '%s': reg entry %d wraps around the address space", name, i);
	}
	return len / entry;
}

static int parse_memory(const void *fdt, struct platform_info *pi, char *err, size_t err_size)
{
	int node;

	fdt_for_each_subnode(node, fdt, 0) {
		const char *type = fdt_getprop(fdt, node, "device_type", NULL);
		struct pi_range r[PI_MAX_MEM_REGIONS];

		if (!type || strcmp(type, "memory") != 0)
			continue;
		int n = read_reg(fdt, node, r, PI_MAX_MEM_REGIONS, err, err_size);
		if (n < 0)
			return -1;
		for (int i = 0; i < n; i++) {
			if (pi->mem_count == PI_MAX_MEM_REGIONS)
				FAIL("more than %d memory regions", PI_MAX_MEM_REGIONS);
			if ((r[i].base | r[i].size) & PAGE_MASK)
				FAIL("memory region 0x%llx+0x%llx is not page aligned",
				     (unsigned long long)r[i].base, (unsigned long long)r[i].size);
			pi->mem[pi->mem_count++] = r[i];
			pi->mem_total += r[i].size;
		}
	}
	if (pi->mem_count == 0)
		FAIL("no memory node");
	/* Regions must not overlap: the ownership table relies on it. */
	for (unsigned i = 0; i < pi->mem_count; i++)
		for (unsigned j = i + 1; j < pi->mem_count; j++)
			if (pi->mem[i].base < pi->mem[j].base + pi->mem[j].size &&
			    pi->mem[j].base < pi->mem[i].base + pi->mem[i].size)
				FAIL("memory regions %u and %u overlap", i, j);
	return 0;
}

static int parse_cpus(const void *fdt, struct platform_info *pi, char *err, size_t err_size)
{
	int cpus = fdt_path_offset(fdt, "/cpus");
	int node;

	if (cpus < 0)
		FAIL("no /cpus node");
	fdt_for_each_subnode(node, fdt, cpus) {
		const char *type = fdt_getprop(fdt, node, "device_type", NULL);
		int ac = fdt_address_cells(fdt, cpus), len;
		const fdt32_t *reg;

		if (!type || strcmp(type, "cpu") != 0)
			continue;
		if (ac < 1 || ac > 2)
			FAIL("/cpus: unsupported #address-cells %d", ac);
		reg = fdt_getprop(fdt, node, "reg", &len);
		if (!reg || len != ac * 4)
			FAIL("cpu node '%s': bad reg", fdt_get_name(fdt, node, NULL));
		if (pi->cpu_count == PI_MAX_CPUS)
			FAIL("more than %d CPUs in the device tree", PI_MAX_CPUS);
		pi->cpu_mpidr[pi->cpu_count++] = read_cells(reg, ac);
	}
	if (pi->cpu_count == 0)
		FAIL("no cpu nodes under /cpus");
	return 0;
}

static int parse_gic(const void *fdt, struct platform_info *pi, char *err, size_t err_size)
{
	int node = fdt_node_offset_by_compatible(fdt, -1, "arm,gic-v3");
	struct pi_range r[2];

	if (node < 0)
		FAIL("no GICv3 (compatible \"arm,gic-v3\") in the device tree");
	int n = read_reg(fdt, node, r, 2, err, err_size);
	if (n < 0)
		return -1;
	if (n < 2)
		FAIL("GICv3 node needs distributor and redistributor reg entries");
	pi->gicd = r[0];
	pi->gicr = r[1];
	return 0;
}

static int parse_uart(const void *fdt, struct platform_info *pi, char *err, size_t err_size)
{
	int chosen = fdt_path_offset(fdt, "/chosen");
	int node = -1, len;

	if (chosen >= 0) {
		const char *path = fdt_getprop(fdt, chosen, "stdout-path", &len);

		if (path && len > 0 && strnlen(path, (size_t)len) < (size_t)len) {
			const char *colon = strchr(path, ':');
			int plen = colon ? (int)(colon - path) : (int)strlen(path);

			node = fdt_path_offset_namelen(fdt, path, plen);
			if (node < 0) {  /* it may be an alias */
				const char *alias = fdt_get_alias_namelen(fdt, path, plen);

				if (alias)
					node = fdt_path_offset(fdt, alias);
			}
		}
	}
	if (node < 0)
		node = fdt_node_offset_by_compatible(fdt, -1, "arm,pl011");
	if (node < 0 || fdt_node_check_compatible(fdt, node, "arm,pl011") != 0)
		FAIL("no PL011 console in the device tree");
	if (read_reg(fdt, node, &pi->uart, 1, err, err_size) < 0)
		return -1;
	return 0;
}

static int parse_psci_and_chosen(const void *fdt, struct platform_info *pi,
				 char *err, size_t err_size)
{
	int node = fdt_node_offset_by_compatible(fdt, -1, "arm,psci-1.0");
	int len;

	if (node < 0)
		node = fdt_node_offset_by_compatible(fdt, -1, "arm,psci-0.2");
	if (node < 0)
		FAIL("no PSCI 0.2+ node in the device tree");
	const char *method = fdt_getprop(fdt, node, "method", &len);
	if (!method || len <= 0 || strnlen(method, (size_t)len) == (size_t)len)
		FAIL("PSCI node has no method");
	pi->psci_smc = strcmp(method, "smc") == 0;

	int chosen = fdt_path_offset(fdt, "/chosen");
	pi->bootargs[0] = '\0';
	if (chosen >= 0) {
		const char *args = fdt_getprop(fdt, chosen, "bootargs", &len);

		if (args && len > 0) {
			if (strnlen(args, (size_t)len) == (size_t)len)
				FAIL("/chosen/bootargs is not NUL-terminated");
			if ((size_t)len > sizeof(pi->bootargs))
				FAIL("/chosen/bootargs longer than %d bytes", PI_BOOTARGS_MAX - 1);
			memcpy(pi->bootargs, args, (size_t)len);
		}
	}
	return 0;
}

int platform_info_parse(const void *fdt, size_t max_size, struct platform_info *pi,
			char *err, size_t err_size)
{
	int rc;

	memset(pi, 0, sizeof(*pi));
	if (max_size < sizeof(struct fdt_header))
		FAIL("device tree buffer too small (%zu bytes)", max_size);
	rc = fdt_check_header(fdt);
	if (rc)
		FAIL("bad device tree header: %s", fdt_strerror(rc));
	if (fdt_totalsize(fdt) > max_size)
		FAIL("device tree claims %u bytes, only %zu available",
		     fdt_totalsize(fdt), max_size);
	rc = fdt_check_full(fdt, fdt_totalsize(fdt));
	if (rc)
		FAIL("malformed device tree: %s", fdt_strerror(rc));

	if (parse_memory(fdt, pi, err, err_size) || parse_cpus(fdt, pi, err, err_size) ||
	    parse_gic(fdt, pi, err, err_size) || parse_uart(fdt, pi, err, err_size) ||
	    parse_psci_and_chosen(fdt, pi, err, err_size))
		return -1;
	return 0;
}
