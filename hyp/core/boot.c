/*
 * Boot: from QEMU's entry on CPU 0 to a running hypervisor on every CPU.
 *
 *   boot stage (loader/boot: measures this image, derives its keys) -> entry.S (VHE on,
 *   vectors, stack) -> boot_main:
 *     boot handoff taken, secrets page zeroed -> early console -> CPU features ->
 *     device tree -> command line -> reserved memory and page pool -> stage-1 tables,
 *     MMU on -> crypto self-test -> attestation key -> secondaries via PSCI CPU_ON ->
 *     banner -> self-tests or the configured work.
 *   secondary_entry (entry.S, MMU on with the boot CPU's tables) -> secondary_main.
 */
#include <stddef.h>
#include <string.h>
#include "arch/asm.h"
#include "arch/cpu.h"
#include "arch/psci.h"
#include "palisade/boot.h"
#include "palisade/boot_identity.h"
#include "palisade/cpu.h"
#include "palisade/crypto.h"
#include "palisade/irq.h"
#include "palisade/log.h"
#include "palisade/mmu.h"
#include "palisade/panic.h"
#include "palisade/platform.h"
#include "palisade/sched.h"
#include "palisade/version.h"
#include "palisade/vm_boot.h"

#define DTB_MAX_SIZE (2u << 20)
#define POOL_MAX_PAGES (64u << 20 >> PAGE_SHIFT)
#define SECONDARY_TIMEOUT_MS 5000

struct platform_info boot_platform;
struct hyp_options boot_options;
struct page_pool hyp_pool;

static uint64_t pool_bitmap[POOL_MAX_PAGES / 64];
__attribute__((aligned(16))) uint8_t cpu_stacks[CPU_MAX][CPU_STACK_SIZE];

extern char secondary_entry[];

const struct pi_range *ram_region_containing(uint64_t base, uint64_t size)
{
	for (unsigned i = 0; i < boot_platform.mem_count; i++) {
		const struct pi_range *r = &boot_platform.mem[i];

		if (base >= r->base && size <= r->size && base - r->base <= r->size - size)
			return r;
	}
	return NULL;
}

static void map_or_panic(uint64_t base, uint64_t size, unsigned attrs, const char *what)
{
	int rc;

	if (size == 0)
		return;
	rc = mmu_map(base, base, size, attrs);
	if (rc)
		panic("cannot map %s 0x%llx+0x%llx: error %d", what, (unsigned long long)base,
		      (unsigned long long)size, rc);
}

/* The hypervisor's own address space: image by permission class, pool, RAM, devices. */
static void build_address_space(uint64_t res_base, uint64_t res_end)
{
	uint64_t text = (uint64_t)(uintptr_t)__hyp_start;
	uint64_t rodata = (uint64_t)(uintptr_t)__text_end;
	uint64_t data = (uint64_t)(uintptr_t)__rodata_end;
	uint64_t end = (uint64_t)(uintptr_t)__hyp_end;

	/* Below the image: the boot secrets page and the boot stage, zeroed (setup_memory);
	 * mapped so the self-test can check that they stay zero. */
	map_or_panic(res_base, text - res_base, MMU_R | MMU_W, "boot memory");
	map_or_panic(text, rodata - text, MMU_R | MMU_X, "text");
	map_or_panic(rodata, data - rodata, MMU_R, "rodata");
	map_or_panic(data, end - data, MMU_R | MMU_W, "data");
	map_or_panic(end, res_end - end, MMU_R | MMU_W, "page pool");

	/* All other RAM read/write, never executable: the hypervisor zeroes, copies and
	 * measures guest memory but never runs it. */
	for (unsigned i = 0; i < boot_platform.mem_count; i++) {
		uint64_t b = boot_platform.mem[i].base;
		uint64_t e = b + boot_platform.mem[i].size;

		if (res_base > b && res_base < e)
			map_or_panic(b, res_base - b, MMU_R | MMU_W, "RAM");
		else if (res_end <= b || res_base >= e)
			map_or_panic(b, e - b, MMU_R | MMU_W, "RAM");
		if (res_end > b && res_end < e)
			map_or_panic(res_end, e - res_end, MMU_R | MMU_W, "RAM");
	}
	map_or_panic(boot_platform.uart.base & ~PAGE_MASK, PAGE_SIZE,
		     MMU_R | MMU_W | MMU_DEVICE, "UART");
	map_or_panic(boot_platform.gicd.base, boot_platform.gicd.size,
		     MMU_R | MMU_W | MMU_DEVICE, "GIC distributor");
	map_or_panic(boot_platform.gicr.base, boot_platform.gicr.size,
		     MMU_R | MMU_W | MMU_DEVICE, "GIC redistributors");
}

static uint32_t fdt_be32(uint64_t addr)
{
	const volatile uint8_t *p = (const volatile uint8_t *)(uintptr_t)addr;

	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void setup_memory(uint64_t dtb)
{
	uint64_t res_base = platform_hyp_reserved_base();
	uint64_t res_size = platform_hyp_reserved_size();
	uint64_t res_end = res_base + res_size;
	uint64_t pool_base = (uint64_t)(uintptr_t)__hyp_end;
	uint64_t pool_pages = (res_end - pool_base) >> PAGE_SHIFT;

	uint64_t text = (uint64_t)(uintptr_t)__hyp_start;
	uint64_t dtb_size = fdt_be32(dtb + 4);

	if (!ram_region_containing(res_base, res_size))
		panic("reserved region 0x%llx+0x%llx is not inside RAM",
		      (unsigned long long)res_base, (unsigned long long)res_size);
	if (text < res_base || (text & PAGE_MASK) || pool_base >= res_end ||
	    pool_pages > POOL_MAX_PAGES)
		panic("image does not fit its reserved region");
	/* The page pool must not hold the DTB QEMU gave us: we still read it. */
	if (dtb < res_end && dtb + DTB_MAX_SIZE > pool_base)
		panic("device tree at 0x%llx overlaps the page pool", (unsigned long long)dtb);
	if (dtb < res_end && dtb + dtb_size > res_base)
		panic("device tree at 0x%llx+0x%llx overlaps the reserved region",
		      (unsigned long long)dtb, (unsigned long long)dtb_size);
	/* The boot stage is done and boot_identity has what it needs: nothing of the stage
	 * (code, data, stack) or of the secrets page survives below the image. */
	crypto_wipe((void *)(uintptr_t)res_base, text - res_base);
	if (page_pool_init(&hyp_pool, pool_base, pool_pages, pool_bitmap))
		panic("page pool init failed");
	if (mmu_init(&hyp_pool))
		panic("no memory for page tables");
	build_address_space(res_base, res_end);
	mmu_enable();
}

static void start_secondaries(void)
{
	uint64_t freq = arch_counter_freq();

	for (uint32_t i = 1; i < cpu_count; i++) {
		int64_t rc = psci_cpu_on(cpus[i].mpidr, (uint64_t)(uintptr_t)secondary_entry, i);
		uint64_t deadline = arch_counter() + freq * SECONDARY_TIMEOUT_MS / 1000;

		if (rc != PSCI_SUCCESS) {
			log_printf("PALISADE: CPU %u (MPIDR 0x%llx): PSCI CPU_ON failed (%lld)\n", i,
				   (unsigned long long)cpus[i].mpidr, (long long)rc);
			continue;
		}
		while (!cpus[i].online && arch_counter() < deadline)
			;
		if (!cpus[i].online)
			log_printf("PALISADE: CPU %u (MPIDR 0x%llx) did not come online\n", i,
				   (unsigned long long)cpus[i].mpidr);
	}
}

static __attribute__((noreturn)) void run_deliberate_fault(enum selftest_mode mode)
{
	log_printf("PALISADE: deliberate %s requested by palisade.selftest\n",
		   mode == SELFTEST_FAULT_DATA ? "data abort" :
		   mode == SELFTEST_FAULT_UNDEF ? "undefined instruction" : "hang");
	if (mode == SELFTEST_FAULT_DATA)
		*(volatile uint64_t *)(uintptr_t)__hyp_start = 0;  /* text is read-only */
	else if (mode == SELFTEST_FAULT_UNDEF)
		__asm__ volatile("udf #0");
	for (;;)
		wfi();
}

void boot_main(uint64_t dtb, uint64_t handoff)
{
	char err[128];
	const char *missing;

	/* Before anything can fail: take the boot stage's handoff (x1) and zero the page
	 * that held the UDS and the CDI. */
	boot_identity_receive(handoff);
	cpus[0].index = 0;
	arch_set_this_cpu(&cpus[0]);
	platform_console_init(platform_early_console_base());
	log_printf("\nPalisade %s booting at EL2\n", PALISADE_VERSION_STRING);

	missing = arch_check_features();
	if (missing)
		panic("this CPU lacks %s", missing);
	dtb = platform_boot_dtb(dtb);
	if (!dtb)
		panic("no device tree (none in x0 nor where the platform puts it)");
	if (platform_info_parse((const void *)(uintptr_t)dtb, DTB_MAX_SIZE, &boot_platform,
				err, sizeof(err)))
		panic("device tree: %s", err);
	if (cmdline_parse(boot_platform.bootargs, &boot_options, err, sizeof(err)))
		panic("command line: %s", err);
	if (!boot_platform.psci_smc)
		panic("PSCI must be reached with SMC when Palisade runs at EL2");

	cpu_count = boot_platform.cpu_count;
	for (uint32_t i = 0; i < cpu_count; i++) {
		cpus[i].index = i;
		cpus[i].mpidr = boot_platform.cpu_mpidr[i];
	}
	if (arch_mpidr_affinity() != cpus[0].mpidr)
		panic("boot CPU MPIDR 0x%llx is not the first CPU in the device tree",
		      (unsigned long long)arch_mpidr_affinity());

	setup_memory(dtb);
	platform_console_init(boot_platform.uart.base);
	if (irq_init_boot(boot_platform.gicd.base, boot_platform.gicr.base, boot_platform.gicr.size) ||
	    irq_init_cpu())
		panic("GICv3 initialisation failed");
	irq_enable(IRQ_SGI_KICK, true);
	irq_enable(IRQ_SGI_TEST, true);
	irq_enable(IRQ_PPI_HYP_TIMER, true);
	selftest_cpu_checks(&cpus[0]);
	cpus[0].online = true;

	const char *failed = NULL;
	crypto_init();
	if (crypto_selftest_power_on(&failed) != 0) {
		log_printf("PALISADE: crypto self-test FAILED (%s): refusing to continue\n", failed);
		log_printf("PALISADE-TEST crypto_kat FAIL %s\n", failed);
		psci_system_off();
	}
	boot_identity_init();

	start_secondaries();
	log_printf("Palisade %s: %u of %u CPUs online, RAM %llu MiB in %u region(s), "
		   "hypervisor reserved %llu KiB (image %llu KiB, page pool %llu KiB, "
		   "%llu KiB free)\n",
		   PALISADE_VERSION_STRING, cpus_online(), cpu_count,
		   (unsigned long long)(boot_platform.mem_total >> 20), boot_platform.mem_count,
		   (unsigned long long)(platform_hyp_reserved_size() >> 10),
		   (unsigned long long)(((uintptr_t)__hyp_end - (uintptr_t)__hyp_start) >> 10),
		   (unsigned long long)((hyp_pool.pages << PAGE_SHIFT) >> 10),
		   (unsigned long long)((hyp_pool.free_pages << PAGE_SHIFT) >> 10));

	switch (boot_options.selftest) {
	case SELFTEST_RUN:
		selftest_run();
		psci_system_off();
	case SELFTEST_FAULT_DATA:
	case SELFTEST_FAULT_UNDEF:
	case SELFTEST_HANG:
		run_deliberate_fault(boot_options.selftest);
	case SELFTEST_OFF:
		break;
	}
	if (boot_options.manifest)
		vm_boot(dtb);
	log_printf("PALISADE: no VMs configured (no palisade.manifest=); powering off\n");
	psci_system_off();
}

void secondary_main(uint64_t index)
{
	struct cpu *c = &cpus[index < CPU_MAX ? index : 0];

	arch_set_this_cpu(c);
	if (irq_init_cpu())
		panic("no GICv3 redistributor for CPU %u", c->index);
	irq_enable(IRQ_SGI_KICK, true);
	irq_enable(IRQ_SGI_TEST, true);
	irq_enable(IRQ_PPI_HYP_TIMER, true);
	selftest_cpu_checks(c);
	__atomic_store_n(&c->online, true, __ATOMIC_RELEASE);
	/* Idle until VMs exist, taking the hypervisor's own interrupts after each WFI. The
	 * WFI runs masked: the start kick, if taken between an unmask and the WFI, would be
	 * consumed there and leave this CPU asleep (sched.c, idle_wait). */
	while (!__atomic_load_n(&sched_started, __ATOMIC_ACQUIRE))
		arch_wait_for_interrupt();
	sched_run();
}
