/*
 * Attestation evidence, report and endorsement (docs/attestation.md sections 3 to 5):
 * strict parsing of the fixed little-endian layouts, and encoding (for tests and tools).
 */
#ifndef PALISADE_EVIDENCE_H
#define PALISADE_EVIDENCE_H

#include <stddef.h>
#include <stdint.h>
#include "keys.h"

#define EVIDENCE_MAGIC          "PALEVID1"
#define EVIDENCE_HEADER_LEN     16
#define REPORT_LEN              480
#define REPORT_SIGNED_LEN       384
#define ENDORSEMENT_LEN         264
#define ENDORSEMENT_SIGNED_LEN  168
#define EVIDENCE_LEN            (EVIDENCE_HEADER_LEN + REPORT_LEN + ENDORSEMENT_LEN)   /* 760 */
#define EVIDENCE_REPORT_OFF     EVIDENCE_HEADER_LEN
#define EVIDENCE_ENDORSEMENT_OFF (EVIDENCE_HEADER_LEN + REPORT_LEN)
#define REPORT_VERSION          1
#define ENDORSEMENT_VERSION     1
#define REPORT_DATA_LEN         64
#define RMR_COUNT               4
#define POLICY_DEBUG            0x1u
#define POLICY_KNOWN            POLICY_DEBUG

/* Offsets inside the endorsement of the attestation key (for tests and messages). */
#define ENDORSEMENT_KEY_OFF     64

struct report {
	uint32_t version;
	uint32_t size;
	uint32_t vm_id;
	uint32_t policy;
	uint32_t hyp_svn;
	uint32_t reserved0;                     /* offset 20 */
	uint8_t report_data[REPORT_DATA_LEN];
	uint8_t launch_measurement[SHA384_LEN];
	uint8_t rmr[RMR_COUNT][SHA384_LEN];
	uint8_t hyp_measurement[SHA384_LEN];
	uint64_t reserved1;                     /* offset 376 */
	uint8_t signature[P384_SIG_LEN];
};

struct endorsement {
	uint32_t version;
	uint32_t size;
	uint32_t hyp_svn;
	uint32_t reserved0;                     /* offset 12 */
	uint8_t hyp_measurement[SHA384_LEN];
	uint8_t attestation_key[P384_PUB_LEN];
	uint8_t reserved1[7];                   /* offset 161 */
	uint8_t signature[P384_SIG_LEN];
};

struct evidence {
	uint8_t raw[EVIDENCE_LEN];              /* the bytes as received */
	struct report report;
	struct endorsement endorsement;
};

/*
 * Parses evidence: exactly EVIDENCE_LEN bytes, the magic, report_size 480,
 * endorsement_size 264, and an attestation key that is an uncompressed P-384 point.
 * Signed fields are decoded but not judged here (verify.c checks them after their
 * signatures). Returns 0, or -1 with a one-line reason in err.
 */
int evidence_parse(const uint8_t *buf, size_t len, struct evidence *ev, char *err,
		   size_t err_size);

/* The signed bytes of each part, as received. */
static inline const uint8_t *evidence_report_bytes(const struct evidence *ev)
{
	return ev->raw + EVIDENCE_REPORT_OFF;
}
static inline const uint8_t *evidence_endorsement_bytes(const struct evidence *ev)
{
	return ev->raw + EVIDENCE_ENDORSEMENT_OFF;
}

/* Encodings of the structures (signatures copied as they are). */
void report_encode(const struct report *r, uint8_t out[REPORT_LEN]);
void endorsement_encode(const struct endorsement *e, uint8_t out[ENDORSEMENT_LEN]);
void evidence_encode(const struct report *r, const struct endorsement *e,
		     uint8_t out[EVIDENCE_LEN]);

#endif
