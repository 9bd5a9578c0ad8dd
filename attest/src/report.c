/* Report, evidence and runtime registers: docs/attestation.md sections 4 and 5. */
#include <string.h>
#include "palisade/crypto.h"
#include "palisade/error.h"
#include "palisade/report.h"

static void put_le32(uint8_t *p, uint32_t v)
{
	for (unsigned i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

int attest_evidence_build(const struct attest_report_in *in,
			  const uint8_t endorsement[ATTEST_ENDORSEMENT_LEN],
			  attest_sign_fn sign, uint8_t out[ATTEST_EVIDENCE_LEN])
{
	uint8_t *r = out + 16;
	uint8_t digest[ATTEST_DIGEST_LEN];
	int rc;

	if (!in || !endorsement || !sign || !out || (in->policy & ~ATTEST_POLICY_DEBUG))
		return PAL_E_INVALID;
	memset(out, 0, ATTEST_EVIDENCE_LEN);
	memcpy(out, ATTEST_EVIDENCE_MAGIC, 8);
	put_le32(out + 8, ATTEST_REPORT_LEN);
	put_le32(out + 12, ATTEST_ENDORSEMENT_LEN);

	put_le32(r + 0, ATTEST_REPORT_VERSION);
	put_le32(r + 4, ATTEST_REPORT_LEN);
	put_le32(r + 8, in->vm_id);
	put_le32(r + 12, in->policy);
	put_le32(r + 16, in->hyp_svn);
	memcpy(r + 24, in->report_data, ATTEST_REPORT_DATA_LEN);
	memcpy(r + 88, in->launch_measurement, ATTEST_DIGEST_LEN);
	memcpy(r + 136, in->rmr, sizeof(in->rmr));
	memcpy(r + 328, in->hyp_measurement, ATTEST_DIGEST_LEN);
	rc = crypto_sha384(r, ATTEST_REPORT_SIGNED_LEN, digest);
	if (!rc)
		rc = sign(digest, r + ATTEST_REPORT_SIGNED_LEN);
	if (rc) {
		memset(out, 0, ATTEST_EVIDENCE_LEN);
		return rc;
	}
	memcpy(out + 16 + ATTEST_REPORT_LEN, endorsement, ATTEST_ENDORSEMENT_LEN);
	return PAL_OK;
}

int attest_rmr_extend(uint8_t rmr[ATTEST_DIGEST_LEN], const uint8_t digest[ATTEST_DIGEST_LEN])
{
	uint8_t buf[2 * ATTEST_DIGEST_LEN];

	memcpy(buf, rmr, ATTEST_DIGEST_LEN);
	memcpy(buf + ATTEST_DIGEST_LEN, digest, ATTEST_DIGEST_LEN);
	return crypto_sha384(buf, sizeof(buf), rmr);
}
