/* Launch measurement of a VM from its images: see vmimage.h. */
#include <stdlib.h>
#include <string.h>

#include "palisade/elf_image.h"
#include "palisade/guest_fdt.h"
#include "palisade/linux_image.h"
#include "palisade/manifest.h"

#include "fileio.h"
#include "launch.h"
#include "vmimage.h"

#define FILE_MAX ((size_t)1 << 30)      /* no VM image is larger than 1 GiB here */

typedef unsigned long long ull;

const char *vm_format_name(enum vm_format f)
{
	return f == VM_FORMAT_LINUX ? "linux" : f == VM_FORMAT_ELF ? "elf" :
	       f == VM_FORMAT_RAW ? "raw" : "?";
}

static int check_config(const struct vm_config *c, char *err, size_t err_size)
{
	uint64_t end;

	if ((c->mem_base | c->mem_size) & (VM_MEM_ALIGN - 1) || c->mem_size == 0) {
		snprintf(err, err_size, "memory 0x%llx + 0x%llx: base and size must be non-zero "
			 "multiples of 2 MiB", (ull)c->mem_base, (ull)c->mem_size);
		return -1;
	}
	if (c->mem_base < VM_IPA_MIN || __builtin_add_overflow(c->mem_base, c->mem_size, &end) ||
	    end > VM_IPA_LIMIT) {
		snprintf(err, err_size, "memory 0x%llx + 0x%llx: must lie in [1 GiB, 1 TiB) of the "
			 "VM's address space (below 1 GiB are its devices)", (ull)c->mem_base,
			 (ull)c->mem_size);
		return -1;
	}
	if (c->vcpus < 1 || c->vcpus > VM_VCPUS_MAX) {
		snprintf(err, err_size, "vcpus %u: must be 1..%u", c->vcpus, VM_VCPUS_MAX);
		return -1;
	}
	if (c->cmdline && strlen(c->cmdline) > VM_CMDLINE_MAX) {
		snprintf(err, err_size, "command line: %zu bytes, at most %u", strlen(c->cmdline),
			 VM_CMDLINE_MAX);
		return -1;
	}
	if (c->with_dtb && c->mem_size <= MANIFEST_FDT_WINDOW) {
		snprintf(err, err_size, "memory 0x%llx: too small for the image and the 2 MiB "
			 "device-tree window", (ull)c->mem_size);
		return -1;
	}
	return 0;
}

/* The manifest entry a launcher would build for this VM. */
static void make_vm(const struct vm_config *c, uint64_t kernel_size, uint64_t initrd_size,
		    struct manifest_vm *vm)
{
	memset(vm, 0, sizeof(*vm));
	strcpy(vm->node, "vm");
	vm->id = VM_ID_FIRST_GUEST;
	vm->role = MANIFEST_ROLE_GUEST;
	vm->is_protected = true;
	vm->debug = c->debug;
	vm->vcpus = c->vcpus;
	vm->mem_ipa = ipa_init(c->mem_base);
	vm->mem_size = c->mem_size;
	vm->mem_pa = pa_init(c->mem_base);
	vm->kernel = pa_range_init(0, kernel_size);
	vm->has_initrd = initrd_size != 0;
	vm->initrd = pa_range_init(0, initrd_size);
	vm->console = MANIFEST_CONSOLE_VIRTUAL;
	if (c->cmdline)
		strcpy(vm->bootargs, c->cmdline);
}

/* LOAD_PAGE records for 'len' bytes at 'ipa', the last page zero-padded. */
static int load_bytes(struct launch *lm, uint64_t ipa, const uint8_t *data, uint64_t len)
{
	uint8_t page[LAUNCH_PAGE_SIZE];

	for (uint64_t off = 0; off < len; off += LAUNCH_PAGE_SIZE) {
		uint64_t n = len - off < LAUNCH_PAGE_SIZE ? len - off : LAUNCH_PAGE_SIZE;

		memset(page, 0, sizeof(page));
		memcpy(page, data + off, n);
		if (launch_load_page(lm, ipa + off, page))
			return -1;
	}
	return 0;
}

static void blob(struct vm_blob *b, uint64_t ipa, const uint8_t *data, uint64_t size)
{
	b->present = true;
	b->ipa = ipa;
	b->size = size;
	sha384(data, size, b->sha384);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Builds the guest's device tree into a fresh buffer of MANIFEST_FDT_WINDOW bytes. */
static uint8_t *build_dtb(const struct vm_config *c, const struct manifest_vm *vm,
			  const struct vm_boot_layout *layout, uint64_t *size, char *err,
			  size_t err_size)
{
	struct guest_fdt_config fc;
	uint8_t *buf = calloc(1, MANIFEST_FDT_WINDOW);
	char why[160];

	if (!buf) {
		snprintf(err, err_size, "out of memory");
		return NULL;
	}
	guest_fdt_config_init(&fc, vm, layout);
	if (guest_fdt_build(&fc, buf, MANIFEST_FDT_WINDOW, why, sizeof(why))) {
		snprintf(err, err_size, "device tree: %s", why);
		free(buf);
		return NULL;
	}
	*size = be32(buf + 4);   /* totalsize */
	if (*size == 0 || *size > MANIFEST_FDT_WINDOW) {
		snprintf(err, err_size, "device tree: totalsize %llu out of range", (ull)*size);
		free(buf);
		return NULL;
	}
	/* Only totalsize bytes are the tree; the rest of its last page is zero. */
	memset(buf + *size, 0, MANIFEST_FDT_WINDOW - *size);
	if (c->dtb_out && file_write_replace(c->dtb_out, buf, *size, err, err_size)) {
		free(buf);
		return NULL;
	}
	return buf;
}

static int measure_linux(const struct vm_config *c, struct launch *lm,
			 struct vm_measurement *out, char *err, size_t err_size)
{
	uint8_t *kernel = NULL, *initrd = NULL, *dtb = NULL;
	size_t klen = 0, ilen = 0;
	uint64_t dtb_size = 0;
	struct linux_image img;
	struct vm_boot_layout layout;
	struct manifest_vm vm;
	char why[256];
	int rc = -1;

	if (file_read(c->image, FILE_MAX, &kernel, &klen, err, err_size))
		goto out;
	if (linux_image_parse(kernel, klen, &img, why, sizeof(why))) {
		snprintf(err, err_size, "%s: %s", c->image, why);
		goto out;
	}
	if (c->initrd) {
		if (file_read(c->initrd, FILE_MAX, &initrd, &ilen, err, err_size))
			goto out;
		if (ilen == 0) {
			snprintf(err, err_size, "%s: empty initrd", c->initrd);
			goto out;
		}
	}
	make_vm(c, klen, ilen, &vm);
	if (loader_guest_layout(&vm, &img, &layout, why, sizeof(why))) {
		snprintf(err, err_size, "layout: %s", why);
		goto out;
	}
	if (!(dtb = build_dtb(c, &vm, &layout, &dtb_size, err, err_size)))
		goto out;

	/* 1. kernel file pages, 2. initrd pages, 3. device tree pages; BOOT; SEAL. */
	blob(&out->image, ipa_addr(layout.kernel), kernel, klen);
	if (load_bytes(lm, ipa_addr(layout.kernel), kernel, klen))
		goto hash_failed;
	if (initrd) {
		blob(&out->initrd, ipa_addr(layout.initrd), initrd, ilen);
		if (load_bytes(lm, ipa_addr(layout.initrd), initrd, ilen))
			goto hash_failed;
	}
	blob(&out->dtb, ipa_addr(layout.fdt), dtb, dtb_size);
	if (load_bytes(lm, ipa_addr(layout.fdt), dtb, dtb_size))
		goto hash_failed;
	out->entry = ipa_addr(layout.kernel);
	out->x0 = ipa_addr(layout.fdt);
	rc = 0;
	goto out;
hash_failed:
	snprintf(err, err_size, "SHA-384 failed");
out:
	file_free(kernel);
	file_free(initrd);
	free(dtb);
	return rc;
}

/* ELF and raw images: an optional device tree in the top 2 MiB window, no initrd. */
static int maybe_dtb(const struct vm_config *c, uint64_t image_end, struct launch *lm,
		     struct vm_measurement *out, char *err, size_t err_size)
{
	struct manifest_vm vm;
	struct vm_boot_layout layout;
	uint64_t fdt = c->mem_base + c->mem_size - MANIFEST_FDT_WINDOW, size = 0;
	uint8_t *dtb;

	if (!c->with_dtb)
		return 0;
	if (image_end > fdt) {
		snprintf(err, err_size, "the image (up to 0x%llx) reaches into the device-tree "
			 "window at 0x%llx (the top 2 MiB of memory)", (ull)image_end, (ull)fdt);
		return -1;
	}
	make_vm(c, 0, 0, &vm);
	memset(&layout, 0, sizeof(layout));
	layout.fdt = ipa_init(fdt);
	layout.fdt_max = MANIFEST_FDT_WINDOW;
	if (!(dtb = build_dtb(c, &vm, &layout, &size, err, err_size)))
		return -1;
	blob(&out->dtb, fdt, dtb, size);
	if (load_bytes(lm, fdt, dtb, size)) {
		snprintf(err, err_size, "SHA-384 failed");
		free(dtb);
		return -1;
	}
	out->x0 = fdt;
	free(dtb);
	return 0;
}

static int measure_elf(const struct vm_config *c, struct launch *lm,
		       struct vm_measurement *out, char *err, size_t err_size)
{
	uint8_t *file = NULL, page[LAUNCH_PAGE_SIZE];
	size_t len = 0;
	struct elf_image img;
	char why[256];
	int rc = -1;

	if (file_read(c->image, FILE_MAX, &file, &len, err, err_size))
		return -1;
	if (elf_image_parse(file, len, c->mem_base, c->mem_size, &img, why, sizeof(why))) {
		snprintf(err, err_size, "%s: %s", c->image, why);
		goto out;
	}
	if (c->with_dtb && img.end > c->mem_base + c->mem_size - MANIFEST_FDT_WINDOW) {
		snprintf(err, err_size, "%s: the image (up to 0x%llx) reaches into the device-tree "
			 "window at 0x%llx (the top 2 MiB of memory)", c->image, (ull)img.end,
			 (ull)(c->mem_base + c->mem_size - MANIFEST_FDT_WINDOW));
		goto out;
	}
	blob(&out->image, img.start, file, len);
	for (uint64_t p = img.start; elf_image_next_page(&img, p, &p); p += LAUNCH_PAGE_SIZE) {
		if (elf_image_page(&img, file, len, p, page) || launch_load_page(lm, p, page)) {
			snprintf(err, err_size, "%s: page 0x%llx could not be measured", c->image,
				 (ull)p);
			goto out;
		}
	}
	if (maybe_dtb(c, img.end, lm, out, err, err_size))
		goto out;
	out->entry = img.entry;
	rc = 0;
out:
	file_free(file);
	return rc;
}

static int measure_raw(const struct vm_config *c, struct launch *lm,
		       struct vm_measurement *out, char *err, size_t err_size)
{
	uint8_t *file = NULL;
	size_t len = 0;
	uint64_t end, mem_end = c->mem_base + c->mem_size;
	int rc = -1;

	if (c->raw_addr & (LAUNCH_PAGE_SIZE - 1)) {
		snprintf(err, err_size, "%s: load address 0x%llx is not 4 KiB aligned", c->image,
			 (ull)c->raw_addr);
		return -1;
	}
	if (file_read(c->image, FILE_MAX, &file, &len, err, err_size))
		return -1;
	if (len == 0) {
		snprintf(err, err_size, "%s: empty image", c->image);
		goto out;
	}
	end = c->raw_addr + ((len + LAUNCH_PAGE_SIZE - 1) & ~(uint64_t)(LAUNCH_PAGE_SIZE - 1));
	if (c->raw_addr < c->mem_base || c->raw_addr >= mem_end || end > mem_end ||
	    end < c->raw_addr) {
		snprintf(err, err_size, "%s: 0x%llx..0x%llx is outside the VM memory 0x%llx..0x%llx",
			 c->image, (ull)c->raw_addr, (ull)end, (ull)c->mem_base, (ull)mem_end);
		goto out;
	}
	blob(&out->image, c->raw_addr, file, len);
	if (load_bytes(lm, c->raw_addr, file, len)) {
		snprintf(err, err_size, "SHA-384 failed");
		goto out;
	}
	if (maybe_dtb(c, end, lm, out, err, err_size))
		goto out;
	out->entry = c->raw_addr;
	rc = 0;
out:
	file_free(file);
	return rc;
}

int vm_measure(const struct vm_config *cfg, struct vm_measurement *out, char *err,
	       size_t err_size)
{
	struct launch lm;
	uint64_t x[4] = { 0 };
	int rc;

	memset(out, 0, sizeof(*out));
	if (check_config(cfg, err, err_size))
		return -1;
	launch_init(&lm, cfg->trace);
	switch (cfg->format) {
	case VM_FORMAT_LINUX:
		rc = measure_linux(cfg, &lm, out, err, err_size);
		break;
	case VM_FORMAT_ELF:
		rc = measure_elf(cfg, &lm, out, err, err_size);
		break;
	case VM_FORMAT_RAW:
		rc = measure_raw(cfg, &lm, out, err, err_size);
		break;
	default:
		snprintf(err, err_size, "no VM image given");
		return -1;
	}
	if (rc)
		return -1;
	out->policy = cfg->debug ? 1 : 0;
	x[0] = out->x0;
	if (launch_boot(&lm, out->entry, x) ||
	    launch_seal(&lm, cfg->mem_base, cfg->mem_size, cfg->vcpus, out->policy)) {
		snprintf(err, err_size, "SHA-384 failed");
		return -1;
	}
	memcpy(out->value, lm.value, SHA384_LEN);
	out->pages = lm.pages;
	out->records = lm.records;
	return 0;
}
