/* The hypervisor image header and measurement: see hypimage.h. */
#include <stdio.h>
#include <string.h>
#include "hypimage.h"

static uint64_t get_le(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = n; i-- > 0;)
		v = v << 8 | p[i];
	return v;
}

int hyp_image_measure(const uint8_t *file, size_t len, struct hyp_image *out, char *err,
		      size_t err_size)
{
	memset(out, 0, sizeof(*out));
	if (len < HYP_HEADER_LEN) {
		snprintf(err, err_size, "hypervisor image: %zu bytes, shorter than the 64-byte "
			 "header", len);
		return -1;
	}
	if (memcmp(file + 8, HYP_MAGIC, 8)) {
		snprintf(err, err_size, "hypervisor image: no \"" HYP_MAGIC "\" magic at offset 8 "
			 "(is this palisade-hyp.bin, the flat image, not the ELF?)");
		return -1;
	}
	out->branch = (uint32_t)get_le(file, 4);
	out->image_size = get_le(file + 16, 8);
	out->svn = (uint32_t)get_le(file + 24, 4);
	if (out->image_size != len) {
		snprintf(err, err_size, "hypervisor image: header image_size %llu differs from the "
			 "file size %zu", (unsigned long long)out->image_size, len);
		return -1;
	}
	if (out->image_size < HYP_HEADER_LEN || out->image_size > HYP_IMAGE_MAX) {
		snprintf(err, err_size, "hypervisor image: image_size %llu outside [64, %u]",
			 (unsigned long long)out->image_size, HYP_IMAGE_MAX);
		return -1;
	}
	if (get_le(file + 4, 4)) {
		snprintf(err, err_size, "hypervisor image: reserved header bytes 4..7 are not zero");
		return -1;
	}
	for (unsigned i = 28; i < HYP_HEADER_LEN; i++)
		if (file[i]) {
			snprintf(err, err_size, "hypervisor image: reserved header byte %u is not "
				 "zero", i);
			return -1;
		}
	if (sha384(file, (size_t)out->image_size, out->measurement)) {
		snprintf(err, err_size, "hypervisor image: SHA-384 failed");
		return -1;
	}
	return 0;
}
