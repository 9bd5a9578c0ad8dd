/*
 * attest/ unit tests: launch measurement records and chain against digests computed
 * independently (Python hashlib, see the comments), sensitivity of the chain to every
 * input, sealing, runtime registers, and report/evidence encoding whose signature
 * OpenSSL verifies.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include "palisade/crypto.h"
#include "palisade/error.h"
#include "palisade/launch_measure.h"
#include "palisade/report.h"

static uint8_t page1[4096], page2[4096];

static void hex_to_bytes(const char *hex, uint8_t *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned v;

		sscanf(hex + 2 * i, "%2x", &v);
		out[i] = (uint8_t)v;
	}
}

static int setup(void **state)
{
	(void)state;
	memset(page1, 0xab, sizeof(page1));
	for (unsigned i = 0; i < sizeof(page2); i++)
		page2[i] = (uint8_t)(i * 7 + 3);
	return 0;
}

/* The reference sequence: two pages, BOOT, SEAL (vcpus, policy as given). */
static void reference_chain(struct lm_state *s, uint32_t vcpus, uint64_t policy,
			    uint64_t second_ipa, const uint8_t *second_page)
{
	struct lm_boot b = { .entry = 0x80000000, .x = { 0x8fe00000, 0, 0, 0 }, .pstate = 0x3c5 };

	lm_init(s);
	assert_int_equal(lm_load_page(s, 0x80000000, 7, page1), PAL_OK);
	assert_int_equal(lm_load_page(s, second_ipa, 7, second_page), PAL_OK);
	assert_int_equal(lm_boot(s, &b), PAL_OK);
	assert_int_equal(lm_seal(s, 0x80000000, 0x10000000, vcpus, policy), PAL_OK);
}

static void test_record_layout(void **state)
{
	struct lm_record r = { .op = 1, .perms = 7, .ipa = 0x1122334455667788ull, .size = 4096,
			       .a = { 1, 2, 3, 4, 5, 6 } };
	uint8_t out[LM_RECORD_LEN];
	(void)state;

	memset(r.digest, 0x5a, sizeof(r.digest));
	lm_record_encode(&r, out);
	assert_int_equal(out[0], 1);
	assert_int_equal(out[4], 7);
	assert_int_equal(out[8], 0x88);
	assert_int_equal(out[15], 0x11);
	assert_int_equal(out[17], 0x10);          /* 4096 little-endian */
	assert_int_equal(out[24], 0x5a);
	assert_int_equal(out[71], 0x5a);
	assert_int_equal(out[72], 1);
	assert_int_equal(out[112], 6);
	for (unsigned i = 120; i < LM_RECORD_LEN; i++)
		assert_int_equal(out[i], 0);
}

/* Expected value from Python:
 *   rec = struct.pack('<IIQQ',op,perms,ipa,size)+digest+struct.pack('<6Q',*a)+8*b'\0'
 *   lm = sha384(lm + rec) over LOAD(0x80000000, page1), LOAD(0x80001000, page2),
 *   BOOT(0x80000000, x0=0x8fe00000, pstate 0x3c5), SEAL(0x80000000, 256 MiB, 2, 0). */
static void test_known_chain(void **state)
{
	struct lm_state s;
	uint8_t want[48];
	(void)state;

	hex_to_bytes("88b71b39d7fa9ce99aea7684df6a72e6ed1ed158951896b6b57334ef"
		     "cc140908a1fa5e0c3a53e350920cc5c4ef824f2d", want, 48);
	reference_chain(&s, 2, 0, 0x80001000, page2);
	assert_memory_equal(s.value, want, 48);
	assert_true(s.sealed);
}

static void test_every_input_matters(void **state)
{
	struct lm_state ref, s;
	uint8_t changed[4096];
	(void)state;

	reference_chain(&ref, 2, 0, 0x80001000, page2);
	memcpy(changed, page2, sizeof(changed));
	changed[4095] ^= 1;
	reference_chain(&s, 2, 0, 0x80001000, changed);       /* one byte of content */
	assert_memory_not_equal(s.value, ref.value, 48);
	reference_chain(&s, 2, 0, 0x80002000, page2);         /* its load address */
	assert_memory_not_equal(s.value, ref.value, 48);
	reference_chain(&s, 1, 0, 0x80001000, page2);         /* the vCPU count */
	assert_memory_not_equal(s.value, ref.value, 48);
	reference_chain(&s, 2, 1, 0x80001000, page2);         /* the policy */
	assert_memory_not_equal(s.value, ref.value, 48);
	reference_chain(&s, 2, 0, 0x80001000, page2);         /* and deterministic */
	assert_memory_equal(s.value, ref.value, 48);
}

static void test_sealed_is_final(void **state)
{
	struct lm_state s;
	struct lm_boot b = { 0 };
	uint8_t before[48];
	(void)state;

	reference_chain(&s, 2, 0, 0x80001000, page2);
	memcpy(before, s.value, 48);
	assert_int_equal(lm_load_page(&s, 0x80003000, 7, page1), PAL_E_STATE);
	assert_int_equal(lm_boot(&s, &b), PAL_E_STATE);
	assert_int_equal(lm_seal(&s, 0, 0, 1, 0), PAL_E_STATE);
	assert_memory_equal(s.value, before, 48);
}

static void test_bad_load_arguments(void **state)
{
	struct lm_state s;
	uint8_t zero[48] = { 0 };
	(void)state;

	lm_init(&s);
	assert_int_equal(lm_load_page(&s, 0x80000010, 7, page1), PAL_E_INVALID);
	assert_int_equal(lm_load_page(&s, 0x80000000, 0, page1), PAL_E_INVALID);
	assert_int_equal(lm_load_page(&s, 0x80000000, 8, page1), PAL_E_INVALID);
	assert_int_equal(lm_load_page(&s, 0x80000000, 7, NULL), PAL_E_INVALID);
	assert_memory_equal(s.value, zero, 48);
}

/* Python: sha384(48*b'\0' + sha384(b'abc').digest()). */
static void test_rmr_extend(void **state)
{
	uint8_t rmr[48] = { 0 }, d[48], want[48];
	(void)state;

	crypto_sha384("abc", 3, d);
	hex_to_bytes("93732e3733514a841c982cfa75ea76ab55fe011acb9cd980ef4523913c65be1b"
		     "0998e04d77f8c174f81a82151619ca40", want, 48);
	assert_int_equal(attest_rmr_extend(rmr, d), PAL_OK);
	assert_memory_equal(rmr, want, 48);
}

static uint8_t test_priv[48], test_pub[97];

static int sign_cb(const uint8_t digest[48], uint8_t sig[96])
{
	return crypto_p384_sign(test_priv, digest, sig);
}

static int failing_sign(const uint8_t digest[48], uint8_t sig[96])
{
	(void)digest;
	memset(sig, 0xee, 96);
	return PAL_E_CRYPTO;
}

/* Verifies r||s over SHA-384(msg) with OpenSSL, independently of crypto/. */
static int openssl_verify(const uint8_t pub[97], const uint8_t *msg, size_t len,
			  const uint8_t sig[96])
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params;
	EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	EVP_PKEY *pkey = NULL;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char der[110], *p = der;
	int ok, n;

	OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "secp384r1", 0);
	OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub, 97);
	params = OSSL_PARAM_BLD_to_param(bld);
	EVP_PKEY_fromdata_init(pctx);
	assert_int_equal(EVP_PKEY_fromdata(pctx, &pkey, EVP_PKEY_PUBLIC_KEY, params), 1);
	/* DER SEQUENCE { INTEGER r, INTEGER s } with leading zero bytes where needed. */
	*p++ = 0x30;
	p++;
	for (int k = 0; k < 2; k++) {
		const uint8_t *v = sig + 48 * k;
		int skip = 0;

		while (skip < 47 && v[skip] == 0)
			skip++;
		n = 48 - skip;
		*p++ = 0x02;
		if (v[skip] & 0x80) {
			*p++ = (unsigned char)(n + 1);
			*p++ = 0;
		} else {
			*p++ = (unsigned char)n;
		}
		memcpy(p, v + skip, (size_t)n);
		p += n;
	}
	der[1] = (unsigned char)(p - der - 2);
	ok = EVP_DigestVerifyInit(md, NULL, EVP_sha384(), NULL, pkey) == 1 &&
	     EVP_DigestVerify(md, der, (size_t)(p - der), msg, len) == 1;
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(pkey);
	EVP_PKEY_CTX_free(pctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	return ok;
}

static void test_evidence(void **state)
{
	static const uint8_t secret[48] = "palisade attest unit test secret, 48 bytes....";
	struct attest_report_in in = { .vm_id = 3, .policy = ATTEST_POLICY_DEBUG, .hyp_svn = 7 };
	uint8_t endo[ATTEST_ENDORSEMENT_LEN], ev[ATTEST_EVIDENCE_LEN];
	const uint8_t *r = ev + 16;
	(void)state;

	assert_int_equal(crypto_p384_key_from_secret(secret, sizeof(secret), "test", test_priv,
						     test_pub), PAL_OK);
	for (unsigned i = 0; i < sizeof(endo); i++)
		endo[i] = (uint8_t)i;
	memset(in.report_data, 0x11, 64);
	memset(in.launch_measurement, 0x22, 48);
	for (unsigned i = 0; i < 4; i++)
		memset(in.rmr[i], 0x30 + i, 48);
	memset(in.hyp_measurement, 0x44, 48);
	assert_int_equal(attest_evidence_build(&in, endo, sign_cb, ev), PAL_OK);
	assert_memory_equal(ev, "PALEVID1", 8);
	assert_int_equal(ev[8] | ev[9] << 8, 480);
	assert_int_equal(ev[12] | ev[13] << 8, 264);
	assert_int_equal(r[0], 1);
	assert_int_equal(r[4] | r[5] << 8, 480);
	assert_int_equal(r[8], 3);
	assert_int_equal(r[12], 1);
	assert_int_equal(r[16], 7);
	assert_int_equal(r[24], 0x11);
	assert_int_equal(r[87], 0x11);
	assert_int_equal(r[88], 0x22);
	assert_int_equal(r[136], 0x30);
	assert_int_equal(r[136 + 3 * 48], 0x33);
	assert_int_equal(r[327], 0x33);
	assert_int_equal(r[328], 0x44);
	assert_int_equal(r[376], 0);
	assert_memory_equal(ev + 16 + 480, endo, 264);
	assert_true(openssl_verify(test_pub, r, 384, r + 384));
	ev[16 + 100] ^= 1;
	assert_false(openssl_verify(test_pub, r, 384, r + 384));

	/* Undefined policy bits and a failing signer produce nothing. */
	in.policy = 2;
	assert_int_equal(attest_evidence_build(&in, endo, sign_cb, ev), PAL_E_INVALID);
	in.policy = 0;
	assert_int_equal(attest_evidence_build(&in, endo, failing_sign, ev), PAL_E_CRYPTO);
	for (unsigned i = 0; i < sizeof(ev); i++)
		assert_int_equal(ev[i], 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_record_layout),
		cmocka_unit_test(test_known_chain),
		cmocka_unit_test(test_every_input_matters),
		cmocka_unit_test(test_sealed_is_final),
		cmocka_unit_test(test_bad_load_arguments),
		cmocka_unit_test(test_rmr_extend),
		cmocka_unit_test(test_evidence),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
