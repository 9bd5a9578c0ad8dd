/* Evidence, report and endorsement layouts: see evidence.h and docs/attestation.md. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include "evidence.h"

static uint64_t get_le(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = n; i-- > 0;)
		v = v << 8 | p[i];
	return v;
}

static void put_le(uint8_t *p, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++, v >>= 8)
		p[i] = (uint8_t)v;
}

static void report_decode(const uint8_t *b, struct report *r)
{
	r->version = (uint32_t)get_le(b + 0, 4);
	r->size = (uint32_t)get_le(b + 4, 4);
	r->vm_id = (uint32_t)get_le(b + 8, 4);
	r->policy = (uint32_t)get_le(b + 12, 4);
	r->hyp_svn = (uint32_t)get_le(b + 16, 4);
	r->reserved0 = (uint32_t)get_le(b + 20, 4);
	memcpy(r->report_data, b + 24, REPORT_DATA_LEN);
	memcpy(r->launch_measurement, b + 88, SHA384_LEN);
	memcpy(r->rmr, b + 136, sizeof(r->rmr));
	memcpy(r->hyp_measurement, b + 328, SHA384_LEN);
	r->reserved1 = get_le(b + 376, 8);
	memcpy(r->signature, b + 384, P384_SIG_LEN);
}

void report_encode(const struct report *r, uint8_t out[REPORT_LEN])
{
	put_le(out + 0, r->version, 4);
	put_le(out + 4, r->size, 4);
	put_le(out + 8, r->vm_id, 4);
	put_le(out + 12, r->policy, 4);
	put_le(out + 16, r->hyp_svn, 4);
	put_le(out + 20, r->reserved0, 4);
	memcpy(out + 24, r->report_data, REPORT_DATA_LEN);
	memcpy(out + 88, r->launch_measurement, SHA384_LEN);
	memcpy(out + 136, r->rmr, sizeof(r->rmr));
	memcpy(out + 328, r->hyp_measurement, SHA384_LEN);
	put_le(out + 376, r->reserved1, 8);
	memcpy(out + 384, r->signature, P384_SIG_LEN);
}

static void endorsement_decode(const uint8_t *b, struct endorsement *e)
{
	e->version = (uint32_t)get_le(b + 0, 4);
	e->size = (uint32_t)get_le(b + 4, 4);
	e->hyp_svn = (uint32_t)get_le(b + 8, 4);
	e->reserved0 = (uint32_t)get_le(b + 12, 4);
	memcpy(e->hyp_measurement, b + 16, SHA384_LEN);
	memcpy(e->attestation_key, b + ENDORSEMENT_KEY_OFF, P384_PUB_LEN);
	memcpy(e->reserved1, b + 161, sizeof(e->reserved1));
	memcpy(e->signature, b + 168, P384_SIG_LEN);
}

void endorsement_encode(const struct endorsement *e, uint8_t out[ENDORSEMENT_LEN])
{
	put_le(out + 0, e->version, 4);
	put_le(out + 4, e->size, 4);
	put_le(out + 8, e->hyp_svn, 4);
	put_le(out + 12, e->reserved0, 4);
	memcpy(out + 16, e->hyp_measurement, SHA384_LEN);
	memcpy(out + ENDORSEMENT_KEY_OFF, e->attestation_key, P384_PUB_LEN);
	memcpy(out + 161, e->reserved1, sizeof(e->reserved1));
	memcpy(out + 168, e->signature, P384_SIG_LEN);
}

void evidence_encode(const struct report *r, const struct endorsement *e,
		     uint8_t out[EVIDENCE_LEN])
{
	memcpy(out, EVIDENCE_MAGIC, 8);
	put_le(out + 8, REPORT_LEN, 4);
	put_le(out + 12, ENDORSEMENT_LEN, 4);
	report_encode(r, out + EVIDENCE_REPORT_OFF);
	endorsement_encode(e, out + EVIDENCE_ENDORSEMENT_OFF);
}

int evidence_parse(const uint8_t *buf, size_t len, struct evidence *ev, char *err,
		   size_t err_size)
{
	memset(ev, 0, sizeof(*ev));
	if (len < EVIDENCE_LEN) {
		snprintf(err, err_size, "evidence: %zu bytes, shorter than the %u of a Palisade "
			 "evidence (truncated?)", len, EVIDENCE_LEN);
		return -1;
	}
	if (memcmp(buf, EVIDENCE_MAGIC, 8)) {
		char shown[9];

		for (int i = 0; i < 8; i++)
			shown[i] = isprint(buf[i]) ? (char)buf[i] : '.';
		shown[8] = '\0';
		snprintf(err, err_size, "evidence: magic \"%s\" is not \"" EVIDENCE_MAGIC "\" (not "
			 "Palisade evidence, or an unsupported version)", shown);
		return -1;
	}
	if (get_le(buf + 8, 4) != REPORT_LEN || get_le(buf + 12, 4) != ENDORSEMENT_LEN) {
		snprintf(err, err_size, "evidence: report_size %llu and endorsement_size %llu, "
			 "expected %u and %u", (unsigned long long)get_le(buf + 8, 4),
			 (unsigned long long)get_le(buf + 12, 4), REPORT_LEN, ENDORSEMENT_LEN);
		return -1;
	}
	if (len > EVIDENCE_LEN) {
		snprintf(err, err_size, "evidence: %zu bytes, more than the %u of a Palisade "
			 "evidence (trailing data)", len, EVIDENCE_LEN);
		return -1;
	}
	memcpy(ev->raw, buf, EVIDENCE_LEN);
	report_decode(buf + EVIDENCE_REPORT_OFF, &ev->report);
	endorsement_decode(buf + EVIDENCE_ENDORSEMENT_OFF, &ev->endorsement);
	if (p384_public_check(ev->endorsement.attestation_key)) {
		snprintf(err, err_size, "evidence: endorsement: attestation_public_key is not an "
			 "uncompressed point on P-384 (first byte 0x%02x)",
			 ev->endorsement.attestation_key[0]);
		memset(ev, 0, sizeof(*ev));
		return -1;
	}
	return 0;
}
