/*
 * The launch measurement of a VM (docs/attestation.md section 1), recomputed with
 * OpenSSL: LAUNCH_0 = 48 zero bytes, LAUNCH_i = SHA-384(LAUNCH_{i-1} || record_i), 128-byte records.
 * Placement (which page goes where) is the caller's; this file does the arithmetic.
 */
#ifndef PALISADE_LAUNCH_H
#define PALISADE_LAUNCH_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "keys.h"

#define LAUNCH_RECORD_LEN   128
#define LAUNCH_PAGE_SIZE    4096u
#define LAUNCH_OP_LOAD_PAGE 1u
#define LAUNCH_OP_BOOT      2u
#define LAUNCH_OP_SEAL      3u
#define LAUNCH_PERMS_RWX    7u          /* every LOAD_PAGE today */
#define LAUNCH_PSTATE_EL1H_DAIF 0x3c5u  /* BOOT: EL1h, D, A, I, F masked */

struct launch_record {
	uint32_t op;
	uint32_t perms;
	uint64_t ipa;
	uint64_t size;
	uint8_t digest[SHA384_LEN];
	uint64_t a[6];              /* a0..a5 */
};

struct launch {
	uint8_t value[SHA384_LEN];
	uint64_t records;
	uint64_t pages;
	bool booted, sealed;
	FILE *trace;                /* when set: one line per record */
};

void launch_record_encode(const struct launch_record *r, uint8_t out[LAUNCH_RECORD_LEN]);

void launch_init(struct launch *lm, FILE *trace);
/* Appends a record. Returns 0, or -1 once sealed (or if hashing fails). */
int launch_extend(struct launch *lm, const struct launch_record *r);
/* LOAD_PAGE of a 4096-byte page at 'ipa' (page aligned). */
int launch_load_page(struct launch *lm, uint64_t ipa, const uint8_t page[LAUNCH_PAGE_SIZE]);
/* BOOT: entry, x0..x3, PSTATE 0x3c5. */
int launch_boot(struct launch *lm, uint64_t entry, const uint64_t x[4]);
/* SEAL: memory range, vCPU count, policy flags. The value is final afterwards. */
int launch_seal(struct launch *lm, uint64_t mem_base, uint64_t mem_size, uint64_t vcpus,
	    uint64_t policy);

#endif
