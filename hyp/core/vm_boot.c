/*
 * Boot-time VMs: reads the boot manifest (loader/manifest.c), builds each VM (memory,
 * devices, device tree, interrupts) and starts every CPU's scheduler.
 */
#include <string.h>
#include <libfdt.h>
#include "arch/cpu.h"
#include "palisade/boot.h"
#include "palisade/cpu.h"
#include "palisade/error.h"
#include "palisade/guest_fdt.h"
#include "palisade/linux_image.h"
#include "palisade/host_fdt.h"
#include "palisade/irq.h"
#include "palisade/log.h"
#include "palisade/manifest.h"
#include "palisade/mem_own.h"
#include "palisade/mem_s2.h"
#include "palisade/panic.h"
#include "palisade/platform.h"
#include "palisade/sched.h"
#include "palisade/stage2.h"
#include "palisade/timer.h"
#include "palisade/vm.h"
#include "palisade/vm_boot.h"
#include "palisade/vm_console.h"
#include "palisade/vm_irq.h"
#include "palisade/vm_launch.h"
#include "palisade/report.h"
#include "arch/vcpu_arch.h"

static struct manifest boot_manifest;
volatile bool sched_started;

/* Maps every device of the host's device tree into its stage-2 (IPA == PA), except
 * the GIC, which the hypervisor emulates, and anything overlapping RAM. */
static void map_host_devices(struct vm *vm, const void *fdt, bool virtual_console)
{
	int node;

	fdt_for_each_subnode(node, fdt, 0) {
		int len, ac = fdt_address_cells(fdt, 0), sc = fdt_size_cells(fdt, 0);
		const fdt32_t *reg = fdt_getprop(fdt, node, "reg", &len);
		const char *type = fdt_getprop(fdt, node, "device_type", NULL);

		if (!reg || ac != 2 || sc != 2 || (type && !strcmp(type, "memory")) ||
		    fdt_node_check_compatible(fdt, node, "arm,gic-v3") == 0)
			continue;
		/* On the virtual console the UART is the hypervisor's, emulated for the host. */
		if (virtual_console && fdt_node_check_compatible(fdt, node, "arm,pl011") == 0)
			continue;
		for (int i = 0; i + 4 <= len / 4; i += 4) {
			uint64_t base = ((uint64_t)fdt32_to_cpu(reg[i]) << 32) | fdt32_to_cpu(reg[i + 1]);
			uint64_t size = ((uint64_t)fdt32_to_cpu(reg[i + 2]) << 32) | fdt32_to_cpu(reg[i + 3]);
			uint64_t start = base & ~PAGE_MASK;
			uint64_t end = (base + size + PAGE_MASK) & ~PAGE_MASK;

			if (size == 0 || end <= start || end > boot_platform.mem[0].base)
				continue;
			/* Neighbouring small devices may share a page: map each page once. */
			for (uint64_t p = start; p < end; p += PAGE_SIZE) {
				paddr_t pa;

				if (s2_lookup(&vm->s2, ipa_init(p), &pa, NULL, NULL) == PAL_OK)
					continue;
				if (vm_map(vm, ipa_init(p), pa_init(p), PAGE_SIZE, S2_R | S2_W | S2_DEVICE))
					panic("cannot map host device page 0x%llx", (unsigned long long)p);
			}
		}
	}
}

static struct vm *create_host(const struct manifest_vm *mv)
{
	struct vm_config cfg = { .is_host = true };
	struct vm *vm;
	int rc = vm_create(VM_ID_HOST, &cfg, mv->vcpus, "host", NULL, &vm);

	if (rc)
		panic("host VM: create failed (%d)", rc);
	vm_publish(vm);
	for (unsigned i = 0; i < boot_manifest.host_mem_count; i++) {
		const struct pa_range *r = &boot_manifest.host_mem[i];

		rc = vm_map(vm, ipa_from_pa_identity(r->base), r->base, r->size, S2_R | S2_W | S2_X);
		if (rc)
			panic("host VM: cannot map memory 0x%llx+0x%llx (%d)",
			      (unsigned long long)pa_addr(r->base), (unsigned long long)r->size, rc);
	}
	return vm;
}

static void build_host(struct vm *vm, const struct manifest_vm *mv, uint64_t dtb)
{
	struct host_fdt_config cfg;
	char err[128];
	void *fdt = (void *)(uintptr_t)pa_addr(boot_manifest.host_fdt);
	int rc;

	host_fdt_config_init(&cfg, &boot_manifest);
	rc = host_fdt_build((const void *)(uintptr_t)dtb, fdt_totalsize((const void *)(uintptr_t)dtb),
			    &cfg, fdt, MANIFEST_FDT_WINDOW, err, sizeof(err));
	if (rc)
		panic("host VM: device tree: %s", err);
	bool vcon = mv->console == MANIFEST_CONSOLE_VIRTUAL;
	uint32_t uart_intid = platform_console_irq();

	map_host_devices(vm, fdt, vcon);
	rc = vm_irq_init(vm, boot_platform.gicd.base, boot_platform.gicr.base);
	if (rc)
		panic("host VM: vGIC (%d)", rc);
	for (uint32_t intid = 32; intid < irq_lines() && intid < VGIC_FORWARD_LIMIT; intid++)
		if (!(vcon && intid == uart_intid) && vm_irq_forward_spi(vm, intid))
			panic("host VM: cannot forward SPI %u", intid);
	if (vcon) {
		rc = vm_console_attach(vm, boot_platform.uart.base, uart_intid);
		if (rc)
			panic("host VM: console (%d)", rc);
		vm_console_take_input();
	}
	log_printf("PALISADE: host VM: %u vCPU(s), %u memory range(s), entry 0x%llx, DT at 0x%llx\n",
		   mv->vcpus, boot_manifest.host_mem_count,
		   (unsigned long long)pa_addr(mv->kernel.base),
		   (unsigned long long)pa_addr(boot_manifest.host_fdt));
	vm_start(vm, pa_addr(mv->kernel.base), pa_addr(boot_manifest.host_fdt));
}

/* The PA behind a guest IPA inside its (contiguous) memory. */
static void *guest_ptr(const struct manifest_vm *mv, ipaddr_t ipa)
{
	return (void *)(uintptr_t)(pa_addr(mv->mem_pa) + (ipa_addr(ipa) - ipa_addr(mv->mem_ipa)));
}

/* The pages of [ipa, ipa + bytes) (rounded up to whole pages), measured in order. */
static void measure_range(struct vm *vm, const struct manifest_vm *mv, ipaddr_t ipa, uint64_t bytes)
{
	uint64_t t0 = timer_now();

	for (uint64_t off = 0; off < bytes; off += PAGE_SIZE) {
		if (lm_load_page(&vm->launch.lm, ipa_addr(ipa) + off, MEM_PERM_RWX,
				 guest_ptr(mv, ipa_init(ipa_addr(ipa) + off))))
			panic("%s: measurement failed", mv->node);
		vm->launch.pages_measured++;
	}
	vm->launch.measure_ticks += timer_now() - t0;
}

/*
 * A protected guest's launch measurement, exactly as if the host had launched it with
 * the same images through the launch API (docs/attestation.md, canonical load order):
 * kernel, initrd, device tree pages, then BOOT and SEAL.
 */
static void measure_guest(struct vm *vm, const struct manifest_vm *mv,
			  const struct vm_boot_layout *layout)
{
	struct lm_boot b = { .entry = ipa_addr(layout->kernel), .x = { ipa_addr(layout->fdt) },
			     .pstate = ARCH_VCPU_RESET_PSTATE };

	measure_range(vm, mv, layout->kernel, mv->kernel.size);
	if (layout->has_initrd)
		measure_range(vm, mv, layout->initrd, layout->initrd_size);
	measure_range(vm, mv, layout->fdt, fdt_totalsize(guest_ptr(mv, layout->fdt)));
	if (lm_boot(&vm->launch.lm, &b) ||
	    lm_seal(&vm->launch.lm, vm->launch.mem_base, vm->launch.mem_size, mv->vcpus,
		    vm->launch.policy))
		panic("%s: measurement failed", mv->node);
	if (mem_vm_seal(mv->id))
		panic("%s: cannot seal its memory", mv->node);
	vm->launch.phase = PVM_RUNNING;
	vm_launch_log_measurement(vm);
}

/* A guest from the manifest: its own memory (hidden from the host), its images copied
 * in, a generated device tree, an emulated GICv3 and console. */
static void build_guest(const struct manifest_vm *mv)
{
	struct linux_image img;
	struct vm_boot_layout layout;
	struct guest_fdt_config cfg;
	struct vm *vm;
	char err[128];
	int rc;

	rc = linux_image_parse((const void *)(uintptr_t)pa_addr(mv->kernel.base), mv->kernel.size,
			       &img, err, sizeof(err));
	if (!rc)
		rc = loader_guest_layout(mv, &img, &layout, err, sizeof(err));
	if (rc)
		panic("%s: kernel: %s", mv->node, err);
	struct vm_config vc = { .is_protected = mv->is_protected,
				.policy = mv->debug ? ATTEST_POLICY_DEBUG : 0,
				.mem_base = ipa_addr(mv->mem_ipa), .mem_size = mv->mem_size };

	rc = vm_create(mv->id, &vc, mv->vcpus, mv->node, NULL, &vm);
	if (!rc)
		rc = mem_vm_create(mv->id, mv->is_protected ? MEM_VM_PROTECTED : 0);
	if (rc)
		panic("%s: create failed (%d)", mv->node, rc);
	vm_publish(vm);
	/* Its memory leaves the host for good through the ownership table, which maps it
	 * into the guest's stage-2 (it was never in the host's): for a protected VM as its
	 * measured launch, the only way memory reaches one. */
	rc = mv->is_protected
		? mem_launch_give(mv->mem_pa, mv->mem_size >> PAGE_SHIFT, mv->id, mv->mem_ipa, false)
		: mem_donate(VM_ID_HOST, mv->mem_pa, ipa_from_pa_identity(mv->mem_pa),
			     mv->mem_size >> PAGE_SHIFT, mv->id, mv->mem_ipa);
	if (rc)
		panic("%s: cannot give it its memory (%d)", mv->node, rc);

	/* The guest's memory starts zeroed: nothing of its previous use may show through. */
	memset((void *)(uintptr_t)pa_addr(mv->mem_pa), 0, mv->mem_size);
	memcpy(guest_ptr(mv, layout.kernel), (const void *)(uintptr_t)pa_addr(mv->kernel.base),
	       mv->kernel.size);
	if (layout.has_initrd)
		memcpy(guest_ptr(mv, layout.initrd),
		       (const void *)(uintptr_t)pa_addr(mv->initrd.base), mv->initrd.size);
	guest_fdt_config_init(&cfg, mv, &layout);
	rc = guest_fdt_build(&cfg, guest_ptr(mv, layout.fdt), layout.fdt_max, err, sizeof(err));
	if (rc)
		panic("%s: device tree: %s", mv->node, err);

	/* It starts with its MMU and caches off: everything written here goes to memory. */
	arch_clean_dcache_poc(pa_addr(mv->mem_pa), mv->mem_size);
	if (mv->is_protected)
		measure_guest(vm, mv, &layout);

	rc = vm_irq_init(vm, GUEST_GICD_IPA, GUEST_GICR_IPA);
	if (!rc)
		rc = vm_console_attach(vm, GUEST_UART_IPA, 32 + GUEST_UART_SPI);
	if (rc)
		panic("%s: devices (%d)", mv->node, rc);
	log_printf("PALISADE: %s (VM %u): %u vCPU(s), %llu MiB at IPA 0x%llx (PA 0x%llx), "
		   "console [vm%u]\n", mv->node, mv->id, mv->vcpus,
		   (unsigned long long)(mv->mem_size >> 20), (unsigned long long)ipa_addr(mv->mem_ipa),
		   (unsigned long long)pa_addr(mv->mem_pa), mv->id);
	vm_start(vm, ipa_addr(layout.kernel), ipa_addr(layout.fdt));
}

void vm_boot(uint64_t dtb)
{
	struct pa_range ram[PI_MAX_MEM_REGIONS], reserved[2], inputs[2];
	const struct pi_range *top = &boot_platform.mem[boot_platform.mem_count - 1];
	struct manifest_limits lim;
	char err[160];
	const void *blob = (const void *)(uintptr_t)boot_options.manifest;

	for (unsigned i = 0; i < boot_platform.mem_count; i++)
		ram[i] = pa_range_init(boot_platform.mem[i].base, boot_platform.mem[i].size);
	/* The ownership table: 8 bytes per page of RAM, carved from the top of RAM. */
	uint64_t table_bytes = mem_s2_table_bytes(boot_platform.mem_total);
	uint64_t table_pa = (top->base + top->size - table_bytes) & ~((2ull << 20) - 1);

	reserved[0] = pa_range_init(platform_hyp_reserved_base(), platform_hyp_reserved_size());
	reserved[1] = pa_range_init(table_pa, table_bytes);
	inputs[0] = pa_range_init(dtb & ~PAGE_MASK,
				  ((dtb & PAGE_MASK) + fdt_totalsize((const void *)(uintptr_t)dtb) +
				   PAGE_MASK) & ~PAGE_MASK);
	inputs[1] = pa_range_init(boot_options.manifest & ~PAGE_MASK,
				  ((boot_options.manifest & PAGE_MASK) + MANIFEST_MAX_SIZE + PAGE_MASK) &
				  ~PAGE_MASK);
	lim = (struct manifest_limits){ ram, boot_platform.mem_count, reserved, 2, inputs, 2,
					cpu_count };
	if (table_pa < top->base || manifest_parse(blob, MANIFEST_MAX_SIZE, &lim, &boot_manifest,
						   err, sizeof(err)))
		panic("boot manifest: %s", table_pa < top->base ? "no room for the ownership table" : err);
	mem_s2_init(table_pa, table_bytes);
	log_printf("PALISADE: ownership table: %llu KiB at 0x%llx for %llu MiB of RAM\n",
		   (unsigned long long)(table_bytes >> 10), (unsigned long long)table_pa,
		   (unsigned long long)(boot_platform.mem_total >> 20));
	vm_console_init();
	/* The host VM exists first (the ownership table moves guests' memory out of it),
	 * then the guests, whose images are still where QEMU put them, in host memory;
	 * the host starts only after they are copied out. */
	struct vm *host = create_host(manifest_host(&boot_manifest));
	for (unsigned i = 0; i < boot_manifest.count; i++)
		if (i != boot_manifest.host)
			build_guest(&boot_manifest.vms[i]);
	build_host(host, manifest_host(&boot_manifest), dtb);

	mem_s2_set_host_bound();
	/* No CPU may fetch a guest's first instructions from a stale I-cache line. */
	arch_icache_inval_all();
	__atomic_store_n(&sched_started, true, __ATOMIC_RELEASE);
	for (uint32_t i = 1; i < cpu_count; i++)
		if (cpus[i].online)
			irq_send_sgi(cpus[i].mpidr, IRQ_SGI_KICK);
	sched_run();
}
