/*
 * The hypervisor's flat image (docs/attestation.md section 6): header validation and
 * the hypervisor measurement HM = SHA-384(image bytes [0, image_size)), computed the way
 * the boot stage does.
 */
#ifndef PALISADE_HYPIMAGE_H
#define PALISADE_HYPIMAGE_H

#include <stddef.h>
#include <stdint.h>
#include "keys.h"

#define HYP_HEADER_LEN  64
#define HYP_MAGIC       "PALHYP01"
#define HYP_IMAGE_MAX   (6u << 20)   /* the boot stage's bound: 0x40200000 up to the pool */

struct hyp_image {
	uint32_t branch;                /* the first instruction (shown, not judged) */
	uint64_t image_size;
	uint32_t svn;
	uint8_t measurement[SHA384_LEN];
};

/*
 * Validates the header of the 'len'-byte file: magic, image_size equal to the file's
 * size and within [64, HYP_IMAGE_MAX], reserved fields (bytes 4..7 and 28..63) zero.
 * Then measures it. Returns 0, or -1 with a one-line reason in err.
 */
int hyp_image_measure(const uint8_t *file, size_t len, struct hyp_image *out, char *err,
		      size_t err_size);

#endif
