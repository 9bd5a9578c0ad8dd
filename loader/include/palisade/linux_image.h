/*
 * The Linux arm64 Image header (Documentation/arm64/booting.rst) and where a VM's kernel,
 * initrd and device tree go. Portable.
 *
 * Boot protocol rules applied here: the Image starts text_offset bytes above a 2 MiB
 * aligned base; image_size bytes from its start (text, data and bss) must be free for
 * the kernel; the device tree is 8-byte aligned and at most 2 MiB. Palisade gives every
 * VM the top 2 MiB-aligned 2 MiB of its memory for its device tree (MANIFEST_FDT_WINDOW).
 */
#ifndef PALISADE_LINUX_IMAGE_H
#define PALISADE_LINUX_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "palisade/addr.h"
#include "palisade/manifest.h"

#define LINUX_IMAGE_HEADER_SIZE 64
#define LINUX_IMAGE_MAGIC       0x644d5241u   /* "ARM\x64", little endian, at 0x38 */
#define LINUX_IMAGE_FLAG_BE     (1u << 0)
#define LINUX_IMAGE_FLAG_ANYWHERE (1u << 3)   /* memory below the Image is usable */

struct linux_image {
	uint64_t text_offset;
	uint64_t image_size;    /* bytes from the start of the Image the kernel may use */
	uint64_t flags;
};

/*
 * Reads the header at the start of an Image whose file is 'file_size' bytes (the
 * manifest's kernel size); 'hdr' must hold at least LINUX_IMAGE_HEADER_SIZE bytes when
 * file_size allows. Rejects: a file shorter than the header, a wrong magic, a
 * big-endian kernel, image_size 0 (kernels before 3.17) or smaller than the file,
 * text_offset not 4 KiB aligned or not below 2 MiB.
 * Returns 0 or PAL_E_INVALID with a reason in err.
 */
int linux_image_parse(const void *hdr, uint64_t file_size, struct linux_image *img,
		      char *err, size_t err_size);

/* Where a VM's boot payloads go, in its own IPA space (the host: IPA == PA). */
struct vm_boot_layout {
	ipaddr_t kernel;        /* first byte of the Image: the entry point */
	uint64_t kernel_span;   /* image_size: [kernel, kernel + span) is the kernel's */
	bool has_initrd;
	ipaddr_t initrd;        /* linux,initrd-start */
	uint64_t initrd_size;   /* linux,initrd-end = initrd + initrd_size */
	ipaddr_t fdt;           /* x0 at entry */
	uint64_t fdt_max;       /* bytes the device tree may take: MANIFEST_FDT_WINDOW */
};

/*
 * The host runs its images in place (IPA == PA): checks that the Image sits text_offset
 * above a 2 MiB boundary, that image_size from it stays in one host memory range, and
 * that it does not run into the initrd or the host's device-tree window.
 * Returns 0 or PAL_E_RANGE with a reason in err.
 */
int loader_host_layout(const struct manifest *m, const struct linux_image *img,
		       struct vm_boot_layout *out, char *err, size_t err_size);

/*
 * A guest's images are copied into its memory: the Image at memory base + text_offset,
 * the device tree in the top 2 MiB window, the initrd just below that window (4 KiB
 * aligned). Checks that the kernel's image_size ends below the initrd (or the window).
 * Returns 0 or PAL_E_RANGE with a reason in err.
 */
int loader_guest_layout(const struct manifest_vm *vm, const struct linux_image *img,
			struct vm_boot_layout *out, char *err, size_t err_size);

#endif /* PALISADE_LINUX_IMAGE_H */
