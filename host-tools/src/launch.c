/* Launch measurement records and chain: see launch.h. */
#include <string.h>
#include <openssl/evp.h>
#include "hex.h"
#include "launch.h"

static void put_le(uint8_t *p, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++, v >>= 8)
		p[i] = (uint8_t)v;
}

void launch_record_encode(const struct launch_record *r, uint8_t out[LAUNCH_RECORD_LEN])
{
	memset(out, 0, LAUNCH_RECORD_LEN);
	put_le(out + 0, r->op, 4);
	put_le(out + 4, r->perms, 4);
	put_le(out + 8, r->ipa, 8);
	put_le(out + 16, r->size, 8);
	memcpy(out + 24, r->digest, SHA384_LEN);
	for (int i = 0; i < 6; i++)
		put_le(out + 72 + 8 * i, r->a[i], 8);
	/* 120..127: reserved, zero */
}

void launch_init(struct launch *lm, FILE *trace)
{
	memset(lm, 0, sizeof(*lm));
	lm->trace = trace;
}

static const char *op_name(uint32_t op)
{
	return op == LAUNCH_OP_LOAD_PAGE ? "LOAD_PAGE" : op == LAUNCH_OP_BOOT ? "BOOT" :
	       op == LAUNCH_OP_SEAL ? "SEAL" : "?";
}

int launch_extend(struct launch *lm, const struct launch_record *r)
{
	uint8_t buf[SHA384_LEN + LAUNCH_RECORD_LEN];
	unsigned int n = 0;

	if (lm->sealed)
		return -1;
	memcpy(buf, lm->value, SHA384_LEN);
	launch_record_encode(r, buf + SHA384_LEN);
	if (!EVP_Digest(buf, sizeof(buf), lm->value, &n, EVP_sha384(), NULL) || n != SHA384_LEN)
		return -1;
	lm->records++;
	if (lm->trace) {
		char rec[2 * LAUNCH_RECORD_LEN + 1], val[2 * SHA384_LEN + 1];

		hex_encode(buf + SHA384_LEN, LAUNCH_RECORD_LEN, rec);
		hex_encode(lm->value, SHA384_LEN, val);
		fprintf(lm->trace, "%llu %s ipa=0x%llx record=%s lm=%s\n",
			(unsigned long long)lm->records, op_name(r->op), (unsigned long long)r->ipa,
			rec, val);
	}
	return 0;
}

int launch_load_page(struct launch *lm, uint64_t ipa, const uint8_t page[LAUNCH_PAGE_SIZE])
{
	struct launch_record r = { .op = LAUNCH_OP_LOAD_PAGE, .perms = LAUNCH_PERMS_RWX, .ipa = ipa,
			       .size = LAUNCH_PAGE_SIZE };

	if ((ipa & (LAUNCH_PAGE_SIZE - 1)) || lm->booted || sha384(page, LAUNCH_PAGE_SIZE, r.digest))
		return -1;
	lm->pages++;
	return launch_extend(lm, &r);
}

int launch_boot(struct launch *lm, uint64_t entry, const uint64_t x[4])
{
	struct launch_record r = { .op = LAUNCH_OP_BOOT,
			       .a = { entry, x[0], x[1], x[2], x[3], LAUNCH_PSTATE_EL1H_DAIF } };

	if (lm->booted)
		return -1;
	lm->booted = true;
	return launch_extend(lm, &r);
}

int launch_seal(struct launch *lm, uint64_t mem_base, uint64_t mem_size, uint64_t vcpus,
	    uint64_t policy)
{
	struct launch_record r = { .op = LAUNCH_OP_SEAL, .ipa = mem_base, .size = mem_size,
			       .a = { vcpus, policy } };
	int rc = launch_extend(lm, &r);

	lm->sealed = true;
	return rc;
}
