/*
 * A VM's launch measurement: a SHA-384 chain over 128-byte records (LOAD_PAGE, BOOT,
 * SEAL), docs/attestation.md section 1. Portable (EL2 and host); the hash comes from the
 * crypto/ interface. The same code measures boot-manifest VMs and VMs the host launches
 * through the hypercalls, so equal inputs give equal values.
 */
#ifndef PALISADE_LAUNCH_MEASURE_H
#define PALISADE_LAUNCH_MEASURE_H

#include <stdbool.h>
#include <stdint.h>

#define LM_DIGEST_LEN   48
#define LM_RECORD_LEN   128
#define LM_PAGE_SIZE    4096u

enum lm_op {
	LM_OP_LOAD_PAGE = 1,
	LM_OP_BOOT = 2,
	LM_OP_SEAL = 3,
};

/* The boot vCPU's initial state (BOOT record). */
struct lm_boot {
	uint64_t entry;
	uint64_t x[4];         /* x0..x3 */
	uint64_t pstate;
};

struct lm_state {
	uint8_t value[LM_DIGEST_LEN];
	bool sealed;
};

/* The byte layout of one record (exposed for tests and documentation). */
struct lm_record {
	uint32_t op, perms;
	uint64_t ipa, size;
	uint8_t digest[LM_DIGEST_LEN];
	uint64_t a[6];
};
void lm_record_encode(const struct lm_record *r, uint8_t out[LM_RECORD_LEN]);

void lm_init(struct lm_state *s);
/* One 4 KiB page of content at ipa. PAL_E_STATE once sealed. */
int lm_load_page(struct lm_state *s, uint64_t ipa, uint32_t perms, const void *page);
int lm_boot(struct lm_state *s, const struct lm_boot *b);
/* Appends SEAL; the value is final afterwards. */
int lm_seal(struct lm_state *s, uint64_t mem_base, uint64_t mem_size, uint32_t vcpus,
	    uint64_t policy);

#endif
