/*
 * The arm64 Image header parser and the boot layout of the host (in place) and of
 * guests (copied into their memory). The real Debian kernel fetched by scripts/setup is
 * parsed too when it is present.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "palisade/error.h"
#include "palisade/linux_image.h"
#include "support.h"

#define DEBIAN_IMAGE_SIZE 0x2010000ull   /* image_size of Debian's 6.1 arm64 kernel */

static struct manifest m;

static void parse_example(void)
{
	struct manifest_limits lim = t_limits_2g();
	char err[256];
	size_t size;
	void *blob = t_load_dtb("example", &size);

	assert_int_equal(manifest_parse(blob, size, &lim, &m, err, sizeof(err)), 0);
	free(blob);
}

static void expect_image_error(const uint8_t *hdr, uint64_t file_size, const char *expect)
{
	struct linux_image img;
	char err[256];

	assert_int_equal(linux_image_parse(hdr, file_size, &img, err, sizeof(err)), PAL_E_INVALID);
	if (!strstr(err, expect)) {
		fprintf(stderr, "got \"%s\", want \"%s\"\n", err, expect);
		fail();
	}
}

static void test_header(void **state)
{
	uint8_t hdr[64];
	struct linux_image img;
	char err[256];
	(void)state;

	t_image_header(hdr, 0, DEBIAN_IMAGE_SIZE, 0xa);
	assert_int_equal(linux_image_parse(hdr, 0x1f6e0c0, &img, err, sizeof(err)), 0);
	assert_int_equal(img.text_offset, 0);
	assert_int_equal(img.image_size, DEBIAN_IMAGE_SIZE);
	assert_int_equal(img.flags, 0xa);

	/* Old kernels: text_offset 0x80000 is fine. */
	t_image_header(hdr, 0x80000, 0x1000000, 0);
	assert_int_equal(linux_image_parse(hdr, 0x800000, &img, err, sizeof(err)), 0);
	assert_int_equal(img.text_offset, 0x80000);

	expect_image_error(hdr, 63, "Image: 63 bytes, shorter than the 64-byte header");
	expect_image_error(NULL, 0x1000, "shorter than the 64-byte header");
	t_image_header(hdr, 0, DEBIAN_IMAGE_SIZE, 0);
	hdr[0x38] = 'B';
	expect_image_error(hdr, 0x1000, "Image: no arm64 magic");
	t_image_header(hdr, 0, DEBIAN_IMAGE_SIZE, LINUX_IMAGE_FLAG_BE);
	expect_image_error(hdr, 0x1000, "Image: big-endian kernel");
	t_image_header(hdr, 0x80000, 0, 0);
	expect_image_error(hdr, 0x1000, "Image: image_size is 0 (kernels before 3.17");
	t_image_header(hdr, 0, 0x1000, 0);
	expect_image_error(hdr, 0x2000, "Image: image_size 0x1000 is smaller than the file");
	t_image_header(hdr, 0x800, 0x100000, 0);
	expect_image_error(hdr, 0x1000, "Image: text_offset 0x800 is not a 4 KiB multiple");
	t_image_header(hdr, 0x200000, 0x100000, 0);
	expect_image_error(hdr, 0x1000, "Image: text_offset 0x200000 is not a 4 KiB multiple "
			   "below 2 MiB");
}

/* The kernel scripts/setup fetched, when it is there. */
static void test_debian_image(void **state)
{
	struct linux_image img;
	uint8_t hdr[64];
	char err[256];
	FILE *f = fopen(LOADER_GUEST_IMAGE, "rb");
	long size;
	(void)state;

	if (!f) {
		printf("[ info ] %s absent: skipped\n", LOADER_GUEST_IMAGE);
		skip();
	}
	assert_int_equal(fread(hdr, 1, sizeof(hdr), f), sizeof(hdr));
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	fclose(f);
	assert_int_equal(linux_image_parse(hdr, (uint64_t)size, &img, err, sizeof(err)), 0);
	assert_int_equal(img.text_offset & 0xfff, 0);
	assert_true(img.image_size >= (uint64_t)size);
	assert_true(img.flags & LINUX_IMAGE_FLAG_ANYWHERE);
	printf("[ info ] %s: %ld bytes, text_offset 0x%llx, image_size 0x%llx, flags 0x%llx\n",
	       LOADER_GUEST_IMAGE, size, (unsigned long long)img.text_offset,
	       (unsigned long long)img.image_size, (unsigned long long)img.flags);
}

static void test_host_layout(void **state)
{
	struct linux_image img = { 0, DEBIAN_IMAGE_SIZE, 0xa };
	struct vm_boot_layout l;
	char err[256];
	(void)state;

	parse_example();
	assert_int_equal(loader_host_layout(&m, &img, &l, err, sizeof(err)), 0);
	assert_int_equal(ipa_addr(l.kernel), 0x41000000);
	assert_int_equal(l.kernel_span, DEBIAN_IMAGE_SIZE);
	assert_true(l.has_initrd);
	assert_int_equal(ipa_addr(l.initrd), 0x44000000);
	assert_int_equal(l.initrd_size, 0x180000);
	assert_int_equal(ipa_addr(l.fdt), 0xafe00000);
	assert_int_equal(l.fdt_max, SZ_2M);

	/* text_offset 0x80000: 0x41000000 is not 2 MiB + 0x80000. */
	img.text_offset = 0x80000;
	assert_int_equal(loader_host_layout(&m, &img, &l, err, sizeof(err)), PAL_E_RANGE);
	assert_string_equal(err, "vm@1: kernel: load address 0x41000000 is not a 2 MiB boundary "
			    "+ text_offset 0x80000");
	img.text_offset = 0;

	/* bss running into the initrd at 0x44000000. */
	img.image_size = 0x3000001;
	assert_int_equal(loader_host_layout(&m, &img, &l, err, sizeof(err)), PAL_E_RANGE);
	assert_string_equal(err, "vm@1: kernel: 0x41000000..0x44001000 (image_size) runs into "
			    "the initrd");

	/* image_size past host memory. */
	img.image_size = 0x80000000;
	assert_int_equal(loader_host_layout(&m, &img, &l, err, sizeof(err)), PAL_E_RANGE);
	assert_non_null(strstr(err, "vm@1: kernel: 0x41000000..0xc1000000 (image_size) leaves "
			       "host memory"));
	img.image_size = UINT64_MAX - 0x1000;
	assert_int_equal(loader_host_layout(&m, &img, &l, err, sizeof(err)), PAL_E_RANGE);
	assert_non_null(strstr(err, "wraps around"));

	/* Into the device-tree window: host without initrd, kernel just below the window. */
	m.vms[m.host].has_initrd = false;
	m.vms[m.host].kernel.base = pa_init(0xae000000);
	img.image_size = 0x2000000;
	assert_int_equal(loader_host_layout(&m, &img, &l, err, sizeof(err)), PAL_E_RANGE);
	assert_string_equal(err, "vm@1: kernel: 0xae000000..0xb0000000 (image_size) runs into the "
			    "device-tree window at 0xafe00000");
	img.image_size = 0x1e00000;
	assert_int_equal(loader_host_layout(&m, &img, &l, err, sizeof(err)), 0);
	assert_false(l.has_initrd);
}

static void test_guest_layout(void **state)
{
	struct linux_image img = { 0, DEBIAN_IMAGE_SIZE, 0xa };
	struct vm_boot_layout l;
	struct manifest_vm *g;
	char err[256];
	(void)state;

	parse_example();
	g = &m.vms[1];
	assert_int_equal(loader_guest_layout(g, &img, &l, err, sizeof(err)), 0);
	assert_int_equal(ipa_addr(l.kernel), 0x40000000);
	assert_int_equal(l.kernel_span, DEBIAN_IMAGE_SIZE);
	assert_int_equal(ipa_addr(l.fdt), 0x40000000 + 0x10000000 - SZ_2M);
	assert_true(l.has_initrd);
	assert_int_equal(ipa_addr(l.initrd), 0x4fe00000 - 0x180000);
	assert_int_equal(l.initrd_size, 0x180000);

	/* text_offset moves the kernel up; a partial initrd page rounds the initrd down. */
	img.text_offset = 0x80000;
	g->initrd.size = 0x180001;
	assert_int_equal(loader_guest_layout(g, &img, &l, err, sizeof(err)), 0);
	assert_int_equal(ipa_addr(l.kernel), 0x40080000);
	assert_int_equal(ipa_addr(l.initrd), 0x4fe00000 - 0x181000);

	/* Kernel bss up to the initrd: fits exactly, then one page too many. */
	img.image_size = 0x4fe00000 - 0x181000 - 0x40080000;
	assert_int_equal(loader_guest_layout(g, &img, &l, err, sizeof(err)), 0);
	img.image_size += 1;
	assert_int_equal(loader_guest_layout(g, &img, &l, err, sizeof(err)), PAL_E_RANGE);
	assert_string_equal(err, "vm@2: memory: 0x10000000 bytes cannot hold the kernel "
			    "(text_offset 0x80000 + image_size 0xfbff001), the initrd and the 2 MiB "
			    "device-tree window");
	img.image_size = UINT64_MAX;
	assert_int_equal(loader_guest_layout(g, &img, &l, err, sizeof(err)), PAL_E_RANGE);

	/* Without an initrd the kernel may reach the window. */
	g->has_initrd = false;
	img.text_offset = 0;
	img.image_size = 0x10000000 - SZ_2M;
	assert_int_equal(loader_guest_layout(g, &img, &l, err, sizeof(err)), 0);
	assert_false(l.has_initrd);
	img.image_size += 1;
	assert_int_equal(loader_guest_layout(g, &img, &l, err, sizeof(err)), PAL_E_RANGE);

	/* An initrd larger than the memory below the window. */
	g->has_initrd = true;
	g->initrd.size = 0x10000000;
	img.image_size = 0x1000;
	assert_int_equal(loader_guest_layout(g, &img, &l, err, sizeof(err)), PAL_E_RANGE);
	assert_string_equal(err, "vm@2: initrd: 0x10000000 bytes do not fit below the device-tree "
			    "window");

	/* The host is not a guest. */
	assert_int_equal(loader_guest_layout(&m.vms[0], &img, &l, err, sizeof(err)), PAL_E_RANGE);
	assert_string_equal(err, "vm@1: not a guest with memory");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header),
		cmocka_unit_test(test_debian_image),
		cmocka_unit_test(test_host_layout),
		cmocka_unit_test(test_guest_layout),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
