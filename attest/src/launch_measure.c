/*
 * Launch measurement chain (docs/attestation.md section 1):
 *   LM_0 = 0^48;  LM_i = SHA-384(LM_{i-1} || record_i).
 */
#include <string.h>
#include "palisade/crypto.h"
#include "palisade/error.h"
#include "palisade/launch_measure.h"

static void put_le32(uint8_t *p, uint32_t v)
{
	for (unsigned i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put_le64(uint8_t *p, uint64_t v)
{
	for (unsigned i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

void lm_record_encode(const struct lm_record *r, uint8_t out[LM_RECORD_LEN])
{
	memset(out, 0, LM_RECORD_LEN);
	put_le32(out, r->op);
	put_le32(out + 4, r->perms);
	put_le64(out + 8, r->ipa);
	put_le64(out + 16, r->size);
	memcpy(out + 24, r->digest, LM_DIGEST_LEN);
	for (unsigned i = 0; i < 6; i++)
		put_le64(out + 72 + 8 * i, r->a[i]);
	/* bytes 120..127: reserved, zero */
}

void lm_init(struct lm_state *s)
{
	memset(s, 0, sizeof(*s));
}

static int extend(struct lm_state *s, const struct lm_record *r)
{
	uint8_t buf[LM_DIGEST_LEN + LM_RECORD_LEN];

	if (s->sealed)
		return PAL_E_STATE;
	memcpy(buf, s->value, LM_DIGEST_LEN);
	lm_record_encode(r, buf + LM_DIGEST_LEN);
	return crypto_sha384(buf, sizeof(buf), s->value);
}

int lm_load_page(struct lm_state *s, uint64_t ipa, uint32_t perms, const void *page)
{
	struct lm_record r = { .op = LM_OP_LOAD_PAGE, .perms = perms, .ipa = ipa,
			       .size = LM_PAGE_SIZE };
	int rc;

	if (s->sealed)
		return PAL_E_STATE;
	if ((ipa & (LM_PAGE_SIZE - 1)) || !page || perms == 0 || perms > 7)
		return PAL_E_INVALID;
	rc = crypto_sha384(page, LM_PAGE_SIZE, r.digest);
	return rc ? rc : extend(s, &r);
}

int lm_boot(struct lm_state *s, const struct lm_boot *b)
{
	struct lm_record r = { .op = LM_OP_BOOT,
			       .a = { b->entry, b->x[0], b->x[1], b->x[2], b->x[3], b->pstate } };

	return extend(s, &r);
}

int lm_seal(struct lm_state *s, uint64_t mem_base, uint64_t mem_size, uint32_t vcpus,
	    uint64_t policy)
{
	struct lm_record r = { .op = LM_OP_SEAL, .ipa = mem_base, .size = mem_size,
			       .a = { vcpus, policy } };
	int rc = extend(s, &r);

	if (!rc)
		s->sealed = true;
	return rc;
}
