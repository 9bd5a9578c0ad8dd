/*
 * Reference values (docs/attestation.md section 7): the JSON file `palisade measure`
 * writes and `palisade verify --reference` reads.
 */
#ifndef PALISADE_REFERENCE_H
#define PALISADE_REFERENCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "keys.h"

#define REFERENCE_VERSION    1
#define REFERENCE_MAX_VALUES 1024
#define REFERENCE_MAX_BYTES  (1u << 20)

struct reference {
	size_t hyp_count, launch_count;
	uint8_t (*hyp)[SHA384_LEN];
	uint8_t (*launch)[SHA384_LEN];
};

/*
 * Reads and checks a reference file: a JSON object with "version": 1 and non-empty
 * arrays "hyp_measurements" and "launch_measurements" of 96-hex-digit strings (at most
 * REFERENCE_MAX_VALUES each). Other keys are ignored. Returns 0, or -1 with a reason.
 */
int reference_load(const char *path, struct reference *ref, char *err, size_t err_size);
void reference_free(struct reference *ref);

bool reference_has_hyp(const struct reference *ref, const uint8_t hm[SHA384_LEN]);
bool reference_has_launch(const struct reference *ref, const uint8_t lm[SHA384_LEN]);

#endif
