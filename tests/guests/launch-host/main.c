/*
 * launch-host: a small EL1 program acting as an UNTRUSTED host VM. It drives the protected
 * VM launch API end to end with the pvm-attest ELF (embedded): VM_CREATE with donated
 * metadata, VM_LOAD of the ELF's pages (measured) and of the rest of the memory (zeroed),
 * VM_SET_BOOT, VM_START, VCPU_RUN serving the pVM's PL011 console through MMIO exits,
 * VM_DESTROY; and it tries every misuse it can think of, checking each is refused and
 * changes nothing. Verdicts are PALISADE-TEST lines; the pVM's console lines are copied
 * through unchanged.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "palisade/elf_image.h"
#include "palisade/error.h"
#include "palisade/hypercall_stubs.h"
#include "guest_console.h"
#include "launch_lib.h"

#define PVM_MEM_BASE   0x80000000ull
#define PVM_MEM_SIZE   0x200000ull           /* 2 MiB */
#define PVM_PAGES      (PVM_MEM_SIZE >> 12)
#define STAGE          0x60000000ull         /* host pages that become the pVM's memory */
#define META           0x60200000ull         /* host pages donated as its metadata */
#define META_PAGES     16ull
#define STAGE2         0x60400000ull         /* a second VM's pages (misuse tests) */
#define META2          0x60600000ull
#define HYP_BASE       0x40200000ull
#define PSCI_SYSTEM_OFF 0x84000008u

extern const uint8_t pvm_elf[], pvm_elf_end[];

static uint8_t page_buf[4096] __attribute__((aligned(8)));

static void check(const char *name, bool ok, const char *why)
{
	guest_verdict(name, ok, why);
}

/*
 * Lays the ELF out in the staging pages (STAGE + (ipa - base)) and loads it in the
 * canonical order (docs/attestation.md): its pages ascending, lent and measured, one
 * call per page; then every other page of the memory donated and zeroed, one call per
 * run (donated: the pVM owns them, so it may share them with the host).
 */
static bool load_elf(uint16_t vm, const struct elf_image *img, const uint8_t *file, uint64_t size)
{
	static bool given[PVM_PAGES];
	uint64_t page;
	bool ok = elf_image_next_page(img, img->start, &page);

	while (ok) {
		uint64_t pa = STAGE + (page - PVM_MEM_BASE);

		if (elf_image_page(img, file, size, page, page_buf) != 0)
			return false;
		copy((void *)(uintptr_t)pa, page_buf, sizeof(page_buf));
		/* lent and measured */
		if (!load_pages(vm, pa, page, 4096, 3, PVM_MEM_BASE, given))
			return false;
		ok = elf_image_next_page(img, page + 4096, &page);
	}
	return load_rest(vm, STAGE, PVM_MEM_BASE, PVM_PAGES, given);
}

static void run_pvm(uint16_t vm)
{
	unsigned mmio = run_vcpu0(vm);

	check("launch_vcpu_run_until_shutdown", mmio > 1, "VCPU_RUN failed or no console exits");
	guest_puts("LAUNCH-HOST exits: mmio ");
	guest_put_dec(mmio);
	guest_puts("\n");
}

/* A second VM to aim the misuse at; destroyed at the end. */
static void misuse_second_vm(uint16_t first)
{
	struct pal_hc_vm_create_result c;
	struct pal_hc_vcpu_run_result r;
	uint16_t vm;

	check("misuse_create_too_few_metadata_pages",
	      pal_hc_vm_create(1, PVM_MEM_BASE, PVM_MEM_SIZE, META2, 2, &c) == PAL_E_NO_MEMORY,
	      "accepted");
	check("misuse_create_metadata_in_hypervisor",
	      pal_hc_vm_create(1, PVM_MEM_BASE, PVM_MEM_SIZE, HYP_BASE, META_PAGES, &c) == PAL_E_DENIED,
	      "hypervisor pages accepted as metadata");
	check("misuse_create_zero_vcpus",
	      pal_hc_vm_create(0, PVM_MEM_BASE, PVM_MEM_SIZE, META2, META_PAGES, &c) == PAL_E_INVALID,
	      "accepted");
	check("misuse_create_misaligned_memory",
	      pal_hc_vm_create(1, PVM_MEM_BASE + 4096, PVM_MEM_SIZE, META2, META_PAGES, &c) == PAL_E_INVALID,
	      "accepted");
	if (pal_hc_vm_create(1, PVM_MEM_BASE, PVM_MEM_SIZE, META2, META_PAGES, &c) != 0) {
		check("misuse_second_vm_created", false, "VM_CREATE failed");
		return;
	}
	vm = c.vm_id;
	check("misuse_run_before_start", pal_hc_vcpu_run(vm, 0, 0, 0, &r) == PAL_E_STATE, "accepted");
	check("misuse_start_before_loading", pal_hc_vm_start(vm, 0) == PAL_E_STATE, "accepted");
	check("misuse_lend_page_of_other_vm",
	      pal_hc_vm_load(vm, STAGE, 1, PVM_MEM_BASE, 3) == PAL_E_STATE,
	      "a page the first pVM has was given again");
	check("misuse_load_hypervisor_memory",
	      pal_hc_vm_load(vm, HYP_BASE, 1, PVM_MEM_BASE, 1) == PAL_E_DENIED, "accepted");
	check("misuse_load_outside_vm_memory",
	      pal_hc_vm_load(vm, STAGE2, 1, PVM_MEM_BASE + PVM_MEM_SIZE, 1) == PAL_E_RANGE, "accepted");
	check("misuse_load_bad_flags",
	      pal_hc_vm_load(vm, STAGE2, 1, PVM_MEM_BASE, 4) == PAL_E_INVALID, "accepted");
	check("misuse_load_to_other_vm_id",
	      pal_hc_vm_load(1 /* the host */, STAGE2, 1, PVM_MEM_BASE, 1) == PAL_E_DENIED, "accepted");
	check("misuse_mem_lend_into_protected_vm",
	      pal_hc_mem_lend(STAGE2, 1, vm, PVM_MEM_BASE, 7) == PAL_E_DENIED,
	      "MEM_LEND bypassed the measured load");
	fill(STAGE2, 0x5a, 4096);
	check("misuse_load_ok_then_twice_same_ipa",
	      pal_hc_vm_load(vm, STAGE2, 1, PVM_MEM_BASE, 3) == 0 &&
	      pal_hc_vm_load(vm, STAGE2 + 4096, 1, PVM_MEM_BASE, 1) == PAL_E_BUSY, "wrong");
	check("misuse_host_reads_loaded_page", read_faults(STAGE2), "the host read a pVM page");
	check("misuse_reclaim_lent_page", pal_hc_mem_reclaim(STAGE2, 1) == PAL_E_DENIED,
	      "MEM_RECLAIM took a page from a protected VM");
	check("misuse_set_boot_unaligned", pal_hc_vm_set_boot(vm, PVM_MEM_BASE + 2, 0) == PAL_E_INVALID,
	      "accepted");
	check("misuse_set_boot_outside", pal_hc_vm_set_boot(vm, 0x1000, 0) == PAL_E_RANGE, "accepted");
	check("misuse_irq_line_before_start", pal_hc_vm_irq_line(vm, 33, 1) == PAL_E_STATE, "accepted");
	check("misuse_destroy", pal_hc_vm_destroy(vm) == 0, "VM_DESTROY failed");
	check("misuse_destroy_twice", pal_hc_vm_destroy(vm) == PAL_E_NOT_FOUND, "accepted");
	check("misuse_page_back_zeroed_after_destroy",
	      !read_faults(STAGE2) && all_zero(STAGE2, 4096), "page not back, or not zero");
	check("misuse_run_after_destroy", pal_hc_vcpu_run(vm, 0, 0, 0, &r) == PAL_E_NOT_FOUND, "accepted");
	(void)first;
}

void guest_main(void)
{
	const uint64_t size = (uint64_t)(pvm_elf_end - pvm_elf);
	struct pal_hc_vm_create_result c;
	struct pal_hc_vcpu_run_result r;
	struct elf_image img;
	static uint8_t lm[48] __attribute__((aligned(8)));
	char err[96];
	uint16_t vm;
	bool ok;

	guest_puts("LAUNCH-HOST: untrusted host driving the launch API\n");
	check("launch_elf_parses", elf_image_parse(pvm_elf, size, PVM_MEM_BASE, PVM_MEM_SIZE, &img,
						   err, sizeof(err)) == 0, err);
	ok = pal_hc_vm_create(1, PVM_MEM_BASE, PVM_MEM_SIZE, META, META_PAGES, &c) == 0;
	check("launch_vm_create", ok, "VM_CREATE failed");
	if (!ok)
		goto out;
	vm = c.vm_id;
	fill(STAGE, 0xee, PVM_MEM_SIZE);   /* stale host data that must not reach the pVM */
	check("launch_metadata_unreachable", read_faults(META), "the host still reads its metadata");
	check("launch_run_before_start", pal_hc_vcpu_run(vm, 0, 0, 0, &r) == PAL_E_STATE, "accepted");
	ok = load_elf(vm, &img, pvm_elf, size);
	check("launch_vm_load", ok, "VM_LOAD failed");
	check("launch_host_cannot_read_loaded", read_faults(STAGE) && read_faults(STAGE + PVM_MEM_SIZE - 4096),
	      "the host read the pVM's memory after VM_LOAD");
	check("launch_set_boot", pal_hc_vm_set_boot(vm, img.entry, 0) == 0, "VM_SET_BOOT failed");
	check("launch_set_boot_twice", pal_hc_vm_set_boot(vm, img.entry, 0) == PAL_E_STATE, "accepted");
	check("launch_start", pal_hc_vm_start(vm, (uint64_t)(uintptr_t)lm) == 0, "VM_START failed");
	guest_puts("LAUNCH-HOST-MEASUREMENT ");
	put_hex(lm, 48);
	guest_puts("\n");
	check("launch_load_after_start", pal_hc_vm_load(vm, STAGE2, 1, PVM_MEM_BASE, 1) == PAL_E_STATE,
	      "content added after VM_START");
	check("launch_start_twice", pal_hc_vm_start(vm, 0) == PAL_E_STATE, "accepted");
	check("launch_run_bad_vcpu", pal_hc_vcpu_run(vm, 1, 0, 0, &r) == PAL_E_NOT_FOUND, "accepted");
	check("launch_attest_from_host_refused", pal_hc_attest((uint64_t)(uintptr_t)page_buf, 4096, NULL) ==
	      PAL_E_DENIED, "the host got a report");

	misuse_second_vm(vm);

	run_pvm(vm);
	check("launch_host_cannot_read_before_destroy", read_faults(STAGE + 0x1000), "readable");
	check("launch_vm_destroy", pal_hc_vm_destroy(vm) == 0, "VM_DESTROY failed");
	check("launch_memory_back_and_zero",
	      !read_faults(STAGE) && all_zero(STAGE, PVM_MEM_SIZE) && all_zero(META, META_PAGES << 12),
	      "pages not returned, or not zeroed");
	check("launch_memory_writable_again",
	      all_writable(STAGE, PVM_MEM_SIZE) && all_writable(META, META_PAGES << 12),
	      "a returned page is not writable by the host (the page the pVM shared included)");
	check("launch_destroy_twice", pal_hc_vm_destroy(vm) == PAL_E_NOT_FOUND, "accepted");
out:
	guest_verdict_end();
	register uint64_t x0 __asm__("x0") = PSCI_SYSTEM_OFF;
	__asm__ volatile("hvc #0" : "+r"(x0) : : "memory");
}
