/* Guest device tree generation: see palisade/guest_fdt.h and docs/manifest.md. */
#include <limits.h>
#include <string.h>
#include <libfdt.h>

#include "palisade/error.h"
#include "palisade/format.h"
#include "palisade/guest_fdt.h"

#define FAIL(rc, ...) do { fmt_snprintf(err, err_size, __VA_ARGS__); return (rc); } while (0)
/* libfdt calls return 0 or a negative FDT_ERR; the first failure ends the build. */
#define TRY(call) do { int r_ = (call); if (r_ < 0) return r_; } while (0)

#define GIC_SPI 0u
#define GIC_PPI 1u
#define IRQ_TYPE_LEVEL_HIGH 4u
#define GIC_MAX_SPI 987u           /* INTIDs 32..1019 */

typedef unsigned long long ull;

static const char uart_compat[] = "arm,pl011\0arm,primecell";
static const char uart_clock_names[] = "uartclk\0apb_pclk";
static const char psci_compat[] = "arm,psci-1.0\0arm,psci-0.2";

void guest_fdt_config_init(struct guest_fdt_config *cfg, const struct manifest_vm *vm,
			   const struct vm_boot_layout *layout)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->mem_base = vm->mem_ipa;
	cfg->mem_size = vm->mem_size;
	cfg->vcpus = vm->vcpus;
	cfg->gicd_base = ipa_init(GUEST_GICD_IPA);
	cfg->gicd_size = GUEST_GICD_SIZE;
	cfg->gicr_base = ipa_init(GUEST_GICR_IPA);
	cfg->gicr_size = (uint64_t)vm->vcpus * GUEST_GICR_STRIDE;
	cfg->uart_base = ipa_init(GUEST_UART_IPA);
	cfg->uart_size = GUEST_UART_SIZE;
	cfg->uart_spi = GUEST_UART_SPI;
	cfg->bootargs = vm->bootargs;
	cfg->has_initrd = layout->has_initrd;
	if (layout->has_initrd) {
		cfg->initrd_start = layout->initrd;
		cfg->initrd_end = ipa_add(layout->initrd, layout->initrd_size);
	}
}

struct span {
	const char *what;
	uint64_t base;
	uint64_t size;
};

static int check_config(const struct guest_fdt_config *cfg, char *err, size_t err_size)
{
	struct span s[4] = {
		{ "memory", ipa_addr(cfg->mem_base), cfg->mem_size },
		{ "GIC distributor", ipa_addr(cfg->gicd_base), cfg->gicd_size },
		{ "GIC redistributors", ipa_addr(cfg->gicr_base), cfg->gicr_size },
		{ "console", ipa_addr(cfg->uart_base), cfg->uart_size },
	};
	uint64_t end;

	if (cfg->vcpus < 1 || cfg->vcpus > GUEST_FDT_MAX_VCPUS)
		FAIL(PAL_E_INVALID, "guest fdt: vcpus %u out of range 1..%u", cfg->vcpus,
		     GUEST_FDT_MAX_VCPUS);
	for (int i = 0; i < 4; i++) {
		if (s[i].size == 0 || !range_end(s[i].base, s[i].size, &end))
			FAIL(PAL_E_INVALID, "guest fdt: %s 0x%llx + 0x%llx is empty or wraps",
			     s[i].what, (ull)s[i].base, (ull)s[i].size);
		if ((s[i].base | s[i].size) & PAGE_MASK)
			FAIL(PAL_E_INVALID, "guest fdt: %s 0x%llx + 0x%llx is not page aligned",
			     s[i].what, (ull)s[i].base, (ull)s[i].size);
		for (int j = 0; j < i; j++)
			if (s[i].base < s[j].base + s[j].size && s[j].base < s[i].base + s[i].size)
				FAIL(PAL_E_INVALID, "guest fdt: %s overlaps %s", s[i].what, s[j].what);
	}
	if (cfg->gicr_size < (uint64_t)cfg->vcpus * GUEST_GICR_STRIDE)
		FAIL(PAL_E_INVALID, "guest fdt: redistributor region 0x%llx too small for %u vCPUs",
		     (ull)cfg->gicr_size, cfg->vcpus);
	if (cfg->uart_spi > GIC_MAX_SPI)
		FAIL(PAL_E_INVALID, "guest fdt: console SPI %u out of range 0..%u", cfg->uart_spi,
		     GIC_MAX_SPI);
	if (cfg->bootargs && strnlen(cfg->bootargs, GUEST_FDT_BOOTARGS_MAX) ==
			     GUEST_FDT_BOOTARGS_MAX)
		FAIL(PAL_E_INVALID, "guest fdt: bootargs longer than %u bytes",
		     GUEST_FDT_BOOTARGS_MAX - 1);
	if (cfg->has_initrd) {
		uint64_t b = ipa_addr(cfg->initrd_start), e = ipa_addr(cfg->initrd_end);
		uint64_t mb = ipa_addr(cfg->mem_base);

		if (b >= e || b < mb || e > mb + cfg->mem_size)
			FAIL(PAL_E_INVALID, "guest fdt: initrd 0x%llx..0x%llx is empty or outside "
			     "memory", (ull)b, (ull)e);
	}
	return 0;
}

static int prop_regs(void *fdt, const uint64_t *v, int n)
{
	fdt32_t cells[8];

	for (int i = 0; i < n; i++) {
		cells[2 * i] = cpu_to_fdt32((uint32_t)(v[i] >> 32));
		cells[2 * i + 1] = cpu_to_fdt32((uint32_t)v[i]);
	}
	return fdt_property(fdt, "reg", cells, (int)(n * 2 * sizeof(fdt32_t)));
}

static int prop_cells(void *fdt, const char *name, const uint32_t *v, int n)
{
	fdt32_t cells[12];

	for (int i = 0; i < n; i++)
		cells[i] = cpu_to_fdt32(v[i]);
	return fdt_property(fdt, name, cells, (int)(n * sizeof(fdt32_t)));
}

static int build(const struct guest_fdt_config *cfg, void *fdt, int size)
{
	char name[40], uart_path[48];

	TRY(fdt_create(fdt, size));
	TRY(fdt_finish_reservemap(fdt));
	TRY(fdt_begin_node(fdt, ""));
	TRY(fdt_property_string(fdt, "compatible", "palisade,guest-v1"));
	TRY(fdt_property_string(fdt, "model", "Palisade guest"));
	TRY(fdt_property_u32(fdt, "#address-cells", 2));
	TRY(fdt_property_u32(fdt, "#size-cells", 2));
	TRY(fdt_property_u32(fdt, "interrupt-parent", GUEST_FDT_PHANDLE_GIC));

	fmt_snprintf(uart_path, sizeof(uart_path), "/serial@%llx",
		     (ull)ipa_addr(cfg->uart_base));

	TRY(fdt_begin_node(fdt, "chosen"));
	if (cfg->bootargs && cfg->bootargs[0])
		TRY(fdt_property_string(fdt, "bootargs", cfg->bootargs));
	TRY(fdt_property_string(fdt, "stdout-path", uart_path));
	if (cfg->has_initrd) {
		TRY(fdt_property_u64(fdt, "linux,initrd-start", ipa_addr(cfg->initrd_start)));
		TRY(fdt_property_u64(fdt, "linux,initrd-end", ipa_addr(cfg->initrd_end)));
	}
	TRY(fdt_end_node(fdt));

	TRY(fdt_begin_node(fdt, "aliases"));
	TRY(fdt_property_string(fdt, "serial0", uart_path));
	TRY(fdt_end_node(fdt));

	fmt_snprintf(name, sizeof(name), "memory@%llx", (ull)ipa_addr(cfg->mem_base));
	TRY(fdt_begin_node(fdt, name));
	TRY(fdt_property_string(fdt, "device_type", "memory"));
	TRY(prop_regs(fdt, (uint64_t[]){ ipa_addr(cfg->mem_base), cfg->mem_size }, 2));
	TRY(fdt_end_node(fdt));

	TRY(fdt_begin_node(fdt, "cpus"));
	TRY(fdt_property_u32(fdt, "#address-cells", 1));
	TRY(fdt_property_u32(fdt, "#size-cells", 0));
	for (unsigned i = 0; i < cfg->vcpus; i++) {
		fmt_snprintf(name, sizeof(name), "cpu@%x", i);
		TRY(fdt_begin_node(fdt, name));
		TRY(fdt_property_string(fdt, "device_type", "cpu"));
		TRY(fdt_property_string(fdt, "compatible", "arm,armv8"));
		TRY(fdt_property_u32(fdt, "reg", i));
		TRY(fdt_property_string(fdt, "enable-method", "psci"));
		TRY(fdt_end_node(fdt));
	}
	TRY(fdt_end_node(fdt));

	TRY(fdt_begin_node(fdt, "psci"));
	TRY(fdt_property(fdt, "compatible", psci_compat, sizeof(psci_compat)));
	TRY(fdt_property_string(fdt, "method", "hvc"));
	TRY(fdt_end_node(fdt));

	fmt_snprintf(name, sizeof(name), "interrupt-controller@%llx",
		     (ull)ipa_addr(cfg->gicd_base));
	TRY(fdt_begin_node(fdt, name));
	TRY(fdt_property_string(fdt, "compatible", "arm,gic-v3"));
	TRY(fdt_property_u32(fdt, "#interrupt-cells", 3));
	TRY(fdt_property(fdt, "interrupt-controller", "", 0));
	/* No children: an interrupt-map parent unit address is empty (dtc's check). */
	TRY(fdt_property_u32(fdt, "#address-cells", 0));
	TRY(prop_regs(fdt, (uint64_t[]){ ipa_addr(cfg->gicd_base), cfg->gicd_size,
					  ipa_addr(cfg->gicr_base), cfg->gicr_size }, 4));
	TRY(fdt_property_u32(fdt, "#redistributor-regions", 1));
	TRY(fdt_property_u32(fdt, "phandle", GUEST_FDT_PHANDLE_GIC));
	TRY(fdt_end_node(fdt));

	/* Secure and non-secure physical, virtual, hypervisor timer PPIs, as on QEMU virt. */
	TRY(fdt_begin_node(fdt, "timer"));
	TRY(fdt_property_string(fdt, "compatible", "arm,armv8-timer"));
	TRY(prop_cells(fdt, "interrupts", (uint32_t[]){
		GIC_PPI, 13, IRQ_TYPE_LEVEL_HIGH, GIC_PPI, 14, IRQ_TYPE_LEVEL_HIGH,
		GIC_PPI, 11, IRQ_TYPE_LEVEL_HIGH, GIC_PPI, 10, IRQ_TYPE_LEVEL_HIGH }, 12));
	TRY(fdt_property(fdt, "always-on", "", 0));
	TRY(fdt_end_node(fdt));

	TRY(fdt_begin_node(fdt, "apb-pclk"));
	TRY(fdt_property_string(fdt, "compatible", "fixed-clock"));
	TRY(fdt_property_u32(fdt, "#clock-cells", 0));
	TRY(fdt_property_u32(fdt, "clock-frequency", GUEST_UART_CLOCK_HZ));
	TRY(fdt_property_string(fdt, "clock-output-names", "clk24mhz"));
	TRY(fdt_property_u32(fdt, "phandle", GUEST_FDT_PHANDLE_CLK));
	TRY(fdt_end_node(fdt));

	TRY(fdt_begin_node(fdt, uart_path + 1));
	TRY(fdt_property(fdt, "compatible", uart_compat, sizeof(uart_compat)));
	TRY(prop_regs(fdt, (uint64_t[]){ ipa_addr(cfg->uart_base), cfg->uart_size }, 2));
	TRY(prop_cells(fdt, "interrupts",
		       (uint32_t[]){ GIC_SPI, cfg->uart_spi, IRQ_TYPE_LEVEL_HIGH }, 3));
	TRY(prop_cells(fdt, "clocks",
		       (uint32_t[]){ GUEST_FDT_PHANDLE_CLK, GUEST_FDT_PHANDLE_CLK }, 2));
	TRY(fdt_property(fdt, "clock-names", uart_clock_names, sizeof(uart_clock_names)));
	TRY(fdt_end_node(fdt));

	TRY(fdt_end_node(fdt));
	return fdt_finish(fdt);
}

int guest_fdt_build(const struct guest_fdt_config *cfg, void *buf, size_t size,
		    char *err, size_t err_size)
{
	int rc;

	if (err_size)
		err[0] = '\0';
	if (!cfg || !buf || ((uintptr_t)buf & 7))
		FAIL(PAL_E_INVALID, "guest fdt: missing configuration or unaligned buffer");
	if ((rc = check_config(cfg, err, err_size)))
		return rc;
	rc = build(cfg, buf, size > INT_MAX ? INT_MAX : (int)size);
	if (rc == -FDT_ERR_NOSPACE)
		FAIL(PAL_E_NO_MEMORY, "guest fdt: buffer of %zu bytes is too small", size);
	if (rc < 0)
		FAIL(PAL_E_INVALID, "guest fdt: libfdt: %s", fdt_strerror(rc));
	rc = fdt_check_full(buf, fdt_totalsize(buf));
	if (rc)
		FAIL(PAL_E_INVALID, "guest fdt: result fails fdt_check_full: %s", fdt_strerror(rc));
	/* The sequential writer kept its strings at the end of the buffer until fdt_finish
	 * moved them: clear what is left, so nothing but the tree is in the buffer (a VM's
	 * unmeasured memory must read as zero). */
	memset((char *)buf + fdt_totalsize(buf), 0, size - fdt_totalsize(buf));
	return 0;
}
