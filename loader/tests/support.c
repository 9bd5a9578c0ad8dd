/* Helpers shared by the loader tests. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "support.h"

static const struct pa_range ram_2g[] = { { { T_RAM_BASE }, T_RAM_SIZE } };
static const struct pa_range hyp_2g[] = { { { T_HYP_BASE }, T_HYP_SIZE } };
static const struct pa_range inputs_2g[] = {
	{ { T_DTB_BASE }, T_DTB_SIZE },
	{ { T_MF_BASE }, T_MF_SIZE },
};

struct manifest_limits t_limits_2g(void)
{
	return (struct manifest_limits){
		.ram = ram_2g, .ram_count = 1,
		.reserved = hyp_2g, .reserved_count = 1,
		.inputs = inputs_2g, .inputs_count = 2,
		.cpu_count = 4,
	};
}

void *t_dup(const void *blob, size_t len, size_t size)
{
	void *p = NULL;

	assert_int_equal(posix_memalign(&p, 8, size ? size : 8), 0);
	memset(p, 0, size);
	memcpy(p, blob, len < size ? len : size);
	return p;
}

void *t_load_file(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	void *buf = NULL;
	long n;

	if (!f) {
		fprintf(stderr, "cannot open %s\n", path);
		fail();
	}
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	assert_int_equal(posix_memalign(&buf, 8, (size_t)n + 8), 0);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*size = (size_t)n;
	return buf;
}

void *t_load_dtb(const char *stem, size_t *size)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s.dtb", LOADER_DTB_DIR, stem);
	return t_load_file(path, size);
}

void *t_compile_dts(const char *source, size_t *size)
{
	char dts[512], dtb[512], cmd[2048];
	FILE *f;
	void *blob;

	snprintf(dts, sizeof(dts), "%s/case-%d.dts", LOADER_SCRATCH, (int)getpid());
	snprintf(dtb, sizeof(dtb), "%s/case-%d.dtb", LOADER_SCRATCH, (int)getpid());
	f = fopen(dts, "w");
	assert_non_null(f);
	fputs(source, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "'%s' -q -I dts -O dtb -o '%s' '%s'", LOADER_DTC, dtb, dts);
	if (system(cmd) != 0) {
		fprintf(stderr, "dtc failed on:\n%s\n", source);
		return NULL;
	}
	blob = t_load_file(dtb, size);
	remove(dts);
	remove(dtb);
	return blob;
}

uint64_t t_rand(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dull;
}

static void put_le(uint8_t *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++, v >>= 8)
		p[i] = (uint8_t)v;
}

void t_image_header(uint8_t hdr[64], uint64_t text_offset, uint64_t image_size,
		    uint64_t flags)
{
	memset(hdr, 0, 64);
	hdr[0] = 'M';
	hdr[1] = 'Z';
	put_le(hdr + 0x08, text_offset, 8);
	put_le(hdr + 0x10, image_size, 8);
	put_le(hdr + 0x18, flags, 8);
	put_le(hdr + 0x38, 0x644d5241, 4);
}
