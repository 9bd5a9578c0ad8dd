/* Linux arm64 Image header and VM boot layout: see palisade/linux_image.h. */
#include <string.h>

#include "palisade/error.h"
#include "palisade/format.h"
#include "palisade/linux_image.h"
#include "ranges.h"

#define FAIL(rc, ...) do { fmt_snprintf(err, err_size, __VA_ARGS__); return (rc); } while (0)
#define SZ_2M ((uint64_t)2 << 20)

typedef unsigned long long ull;

/* Byte by byte: the header may sit anywhere, and EL2 code assumes strict alignment. */
static uint64_t le(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = n; i-- > 0;)
		v = v << 8 | p[i];
	return v;
}

int linux_image_parse(const void *hdr, uint64_t file_size, struct linux_image *img,
		      char *err, size_t err_size)
{
	const uint8_t *h = hdr;

	if (err_size)
		err[0] = '\0';
	memset(img, 0, sizeof(*img));
	if (!h || file_size < LINUX_IMAGE_HEADER_SIZE)
		FAIL(PAL_E_INVALID, "Image: %llu bytes, shorter than the 64-byte header",
		     (ull)file_size);
	if (le(h + 0x38, 4) != LINUX_IMAGE_MAGIC)
		FAIL(PAL_E_INVALID, "Image: no arm64 magic \"ARM\\x64\" at offset 0x38");
	img->text_offset = le(h + 0x08, 8);
	img->image_size = le(h + 0x10, 8);
	img->flags = le(h + 0x18, 8);
	if (img->flags & LINUX_IMAGE_FLAG_BE)
		FAIL(PAL_E_INVALID, "Image: big-endian kernel");
	if (img->image_size == 0)
		FAIL(PAL_E_INVALID, "Image: image_size is 0 (kernels before 3.17 are not "
		     "supported)");
	if (img->image_size < file_size)
		FAIL(PAL_E_INVALID, "Image: image_size 0x%llx is smaller than the file (0x%llx)",
		     (ull)img->image_size, (ull)file_size);
	if ((img->text_offset & PAGE_MASK) || img->text_offset >= SZ_2M)
		FAIL(PAL_E_INVALID, "Image: text_offset 0x%llx is not a 4 KiB multiple below 2 MiB",
		     (ull)img->text_offset);
	return 0;
}

int loader_host_layout(const struct manifest *m, const struct linux_image *img,
		       struct vm_boot_layout *out, char *err, size_t err_size)
{
	const struct manifest_vm *h = manifest_host(m);
	uint64_t k = pa_addr(h->kernel.base), kend, fdt = pa_addr(m->host_fdt);
	bool inside = false;

	if (err_size)
		err[0] = '\0';
	memset(out, 0, sizeof(*out));
	if (k < img->text_offset || ((k - img->text_offset) & (SZ_2M - 1)))
		FAIL(PAL_E_RANGE, "%s: kernel: load address 0x%llx is not a 2 MiB boundary + "
		     "text_offset 0x%llx", h->node, (ull)k, (ull)img->text_offset);
	if (!range_end(k, img->image_size, &kend) || !align_up(kend, PAGE_SIZE, &kend))
		FAIL(PAL_E_RANGE, "%s: kernel: image_size 0x%llx wraps around", h->node,
		     (ull)img->image_size);
	for (unsigned i = 0; i < m->host_mem_count; i++)
		if (k >= pa_addr(m->host_mem[i].base) && kend <= pa_range_end(m->host_mem[i]))
			inside = true;
	if (!inside)
		FAIL(PAL_E_RANGE, "%s: kernel: 0x%llx..0x%llx (image_size) leaves host memory",
		     h->node, (ull)k, (ull)kend);
	if (h->has_initrd && k < pa_range_end(h->initrd) && pa_addr(h->initrd.base) < kend)
		FAIL(PAL_E_RANGE, "%s: kernel: 0x%llx..0x%llx (image_size) runs into the initrd",
		     h->node, (ull)k, (ull)kend);
	if (k < fdt + MANIFEST_FDT_WINDOW && fdt < kend)
		FAIL(PAL_E_RANGE, "%s: kernel: 0x%llx..0x%llx (image_size) runs into the device-tree "
		     "window at 0x%llx", h->node, (ull)k, (ull)kend, (ull)fdt);

	out->kernel = ipa_from_pa_identity(h->kernel.base);
	out->kernel_span = img->image_size;
	out->has_initrd = h->has_initrd;
	if (h->has_initrd) {
		out->initrd = ipa_from_pa_identity(h->initrd.base);
		out->initrd_size = h->initrd.size;
	}
	out->fdt = ipa_from_pa_identity(m->host_fdt);
	out->fdt_max = MANIFEST_FDT_WINDOW;
	return 0;
}

int loader_guest_layout(const struct manifest_vm *vm, const struct linux_image *img,
			struct vm_boot_layout *out, char *err, size_t err_size)
{
	uint64_t base = ipa_addr(vm->mem_ipa), fdt, floor, kend;

	if (err_size)
		err[0] = '\0';
	memset(out, 0, sizeof(*out));
	if (vm->role != MANIFEST_ROLE_GUEST || vm->mem_size < MANIFEST_FDT_WINDOW)
		FAIL(PAL_E_RANGE, "%s: not a guest with memory", vm->node);
	/* The manifest parser checked base and size: 2 MiB aligned, below the IPA limit. */
	fdt = base + vm->mem_size - MANIFEST_FDT_WINDOW;
	floor = fdt;
	if (vm->has_initrd) {
		if (vm->initrd.size > fdt - base)
			FAIL(PAL_E_RANGE, "%s: initrd: 0x%llx bytes do not fit below the device-tree "
			     "window", vm->node, (ull)vm->initrd.size);
		floor = align_down(fdt - vm->initrd.size, PAGE_SIZE);
	}
	/* base < 2^40 and text_offset < 2 MiB; image_size comes from the file. */
	if (!range_end(base + img->text_offset, img->image_size, &kend) ||
	    !align_up(kend, PAGE_SIZE, &kend) || kend > floor)
		FAIL(PAL_E_RANGE, "%s: memory: 0x%llx bytes cannot hold the kernel (text_offset "
		     "0x%llx + image_size 0x%llx)%s and the 2 MiB device-tree window", vm->node,
		     (ull)vm->mem_size, (ull)img->text_offset, (ull)img->image_size,
		     vm->has_initrd ? ", the initrd" : "");

	out->kernel = ipa_init(base + img->text_offset);
	out->kernel_span = img->image_size;
	out->has_initrd = vm->has_initrd;
	if (vm->has_initrd) {
		out->initrd = ipa_init(floor);
		out->initrd_size = vm->initrd.size;
	}
	out->fdt = ipa_init(fdt);
	out->fdt_max = MANIFEST_FDT_WINDOW;
	return 0;
}
