/*
 * launch-linux: a bare-metal UNTRUSTED host VM that launches Debian's arm64 Linux kernel
 * with a busybox initramfs as a protected VM through the launch API, exactly as the
 * hypervisor would from a boot manifest (same layout, same device tree, same measured
 * order, docs/attestation.md): QEMU's -device loader put the Image and the initramfs in
 * this host's RAM at LINUX_IMAGE_PA / LINUX_INITRD_PA (sizes from the build). It serves
 * the pVM's console through MMIO exits until the pVM powers off, then destroys it and
 * checks every page came back zeroed.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <libfdt.h>
#include "palisade/error.h"
#include "palisade/guest_fdt.h"
#include "palisade/hypercall_stubs.h"
#include "palisade/linux_image.h"
#include "palisade/manifest.h"
#include "guest_console.h"
#include "launch_lib.h"
#include "linux_payload.h"   /* LINUX_IMAGE_SIZE, LINUX_INITRD_SIZE (generated) */

#define PVM_MEM_BASE   0x80000000ull
#define PVM_MEM_SIZE   0x10000000ull           /* 256 MiB */
#define PVM_PAGES      (PVM_MEM_SIZE >> 12)
#define STAGE          0x90000000ull           /* host pages that become its memory */
#define META           0xa0000000ull
#define PSCI_SYSTEM_OFF 0x84000008u

static bool given[PVM_PAGES];

static void check(const char *name, bool ok, const char *why)
{
	guest_verdict(name, ok, why);
}

static uint64_t stage_of(ipaddr_t ipa)
{
	return STAGE + (ipa_addr(ipa) - PVM_MEM_BASE);
}

void guest_main(void)
{
	struct manifest_vm mv = { .node = "pvm", .id = 2, .role = MANIFEST_ROLE_GUEST,
				  .is_protected = true, .vcpus = 1, .mem_size = PVM_MEM_SIZE,
				  .has_initrd = true, .console = MANIFEST_CONSOLE_VIRTUAL,
				  .bootargs = LINUX_PVM_BOOTARGS };
	struct pal_hc_vm_create_result c;
	struct linux_image img;
	struct vm_boot_layout layout;
	struct guest_fdt_config cfg;
	static uint8_t lm[48] __attribute__((aligned(8)));
	char err[128];
	uint16_t vm;
	bool ok;

	guest_puts("LAUNCH-LINUX: untrusted host launching a Linux protected VM\n");
	mv.mem_ipa = ipa_init(PVM_MEM_BASE);
	mv.kernel = pa_range_init(LINUX_IMAGE_PA, LINUX_IMAGE_SIZE);
	mv.initrd = pa_range_init(LINUX_INITRD_PA, LINUX_INITRD_SIZE);
	ok = linux_image_parse((const void *)(uintptr_t)LINUX_IMAGE_PA, LINUX_IMAGE_SIZE, &img,
			       err, sizeof(err)) == 0 &&
	     loader_guest_layout(&mv, &img, &layout, err, sizeof(err)) == 0;
	check("linux_pvm_layout", ok, err);
	ok = ok && pal_hc_vm_create(1, PVM_MEM_BASE, PVM_MEM_SIZE, META,
				    8 + (PVM_MEM_SIZE >> 21) + (PVM_MEM_SIZE >> 30), &c) == 0;
	check("linux_pvm_create", ok, "VM_CREATE failed");
	if (!ok)
		goto out;
	vm = c.vm_id;

	/* Stage the images and the device tree where the pVM will see them, then give the
	 * pages away in the canonical order: kernel, initrd, device tree; then the rest. */
	fill(STAGE, 0, PVM_MEM_SIZE);
	copy((void *)(uintptr_t)stage_of(layout.kernel), (const void *)(uintptr_t)LINUX_IMAGE_PA,
	     LINUX_IMAGE_SIZE);
	copy((void *)(uintptr_t)stage_of(layout.initrd), (const void *)(uintptr_t)LINUX_INITRD_PA,
	     LINUX_INITRD_SIZE);
	guest_fdt_config_init(&cfg, &mv, &layout);
	ok = guest_fdt_build(&cfg, (void *)(uintptr_t)stage_of(layout.fdt), layout.fdt_max,
			     err, sizeof(err)) == 0;
	check("linux_pvm_device_tree", ok, err);
	ok = ok &&
	     load_pages(vm, stage_of(layout.kernel), ipa_addr(layout.kernel), LINUX_IMAGE_SIZE, 1,
			PVM_MEM_BASE, given) &&
	     load_pages(vm, stage_of(layout.initrd), ipa_addr(layout.initrd), LINUX_INITRD_SIZE, 1,
			PVM_MEM_BASE, given) &&
	     load_pages(vm, stage_of(layout.fdt), ipa_addr(layout.fdt),
			fdt_totalsize((const void *)(uintptr_t)stage_of(layout.fdt)), 1, PVM_MEM_BASE,
			given) &&
	     load_rest(vm, STAGE, PVM_MEM_BASE, PVM_PAGES, given);
	check("linux_pvm_load", ok, "VM_LOAD failed");
	check("linux_pvm_host_cannot_read_kernel", read_faults(stage_of(layout.kernel)),
	      "the host read the pVM's kernel after VM_LOAD");
	ok = ok && pal_hc_vm_set_boot(vm, ipa_addr(layout.kernel), ipa_addr(layout.fdt)) == 0 &&
	     pal_hc_vm_start(vm, (uint64_t)(uintptr_t)lm) == 0;
	check("linux_pvm_start", ok, "VM_SET_BOOT or VM_START failed");
	if (!ok)
		goto out;
	guest_puts("LAUNCH-HOST-MEASUREMENT ");
	put_hex(lm, 48);
	guest_puts("\n");

	check("linux_pvm_ran_until_poweroff", run_vcpu0(vm) > 1, "VCPU_RUN failed");
	check("linux_pvm_destroy", pal_hc_vm_destroy(vm) == 0, "VM_DESTROY failed");
	check("linux_pvm_memory_back_and_zero",
	      !read_faults(STAGE) && all_zero(STAGE, PVM_MEM_SIZE), "pages not back, or not zero");
	check("linux_pvm_memory_writable_again", all_writable(STAGE, PVM_MEM_SIZE),
	      "a returned page is not writable by the host");
out:
	guest_verdict_end();
	register uint64_t x0 __asm__("x0") = PSCI_SYSTEM_OFF;
	__asm__ volatile("hvc #0" : "+r"(x0) : : "memory");
}
