/*
 * Attestation report and evidence encoding (docs/attestation.md sections 4 and 5), and
 * runtime measurement registers. Portable; signing goes through a callback so the
 * attestation private key stays inside the file that holds it.
 */
#ifndef PALISADE_REPORT_H
#define PALISADE_REPORT_H

#include <stdint.h>

#define ATTEST_REPORT_VERSION     1
#define ATTEST_REPORT_LEN         480
#define ATTEST_REPORT_SIGNED_LEN  384
#define ATTEST_ENDORSEMENT_LEN    264
#define ATTEST_EVIDENCE_LEN       (16 + ATTEST_REPORT_LEN + ATTEST_ENDORSEMENT_LEN)
#define ATTEST_EVIDENCE_MAGIC     "PALEVID1"
#define ATTEST_REPORT_DATA_LEN    64
#define ATTEST_DIGEST_LEN         48
#define ATTEST_SIG_LEN            96
#define ATTEST_RMR_COUNT          4
#define ATTEST_POLICY_DEBUG       0x1u

struct attest_report_in {
	uint32_t vm_id, policy, hyp_svn;
	uint8_t report_data[ATTEST_REPORT_DATA_LEN];
	uint8_t launch_measurement[ATTEST_DIGEST_LEN];
	uint8_t rmr[ATTEST_RMR_COUNT][ATTEST_DIGEST_LEN];
	uint8_t hyp_measurement[ATTEST_DIGEST_LEN];
};

/* Signs a SHA-384 digest: ECDSA P-384, r || s. Returns 0 or a negative pal_status_t. */
typedef int (*attest_sign_fn)(const uint8_t digest[ATTEST_DIGEST_LEN],
			      uint8_t sig[ATTEST_SIG_LEN]);

/* Encodes and signs the report and writes the evidence (magic, sizes, report,
 * endorsement) to out. */
int attest_evidence_build(const struct attest_report_in *in,
			  const uint8_t endorsement[ATTEST_ENDORSEMENT_LEN],
			  attest_sign_fn sign, uint8_t out[ATTEST_EVIDENCE_LEN]);

/* rmr = SHA-384(rmr || digest). */
int attest_rmr_extend(uint8_t rmr[ATTEST_DIGEST_LEN], const uint8_t digest[ATTEST_DIGEST_LEN]);

#endif
