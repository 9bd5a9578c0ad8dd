/*
 * Unit tests for crypto/: the known-answer tests (together, one by one, and shown to
 * fail on corrupted vectors), then cross-checks of every operation against OpenSSL 3
 * (libcrypto, EVP and BIGNUM/EC_POINT), which shares no code with Mbed TLS.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>

#include <palisade/crypto.h>

#define MBEDTLS_ALLOW_PRIVATE_ACCESS	/* the test sets mbedtls_sha512_context.total */
#include "mbedtls/sha512.h"

#include "crypto_internal.h"

static const struct crypto_kat_vectors *const kat = &crypto_kat_builtin;

/* ---- deterministic test randomness (fixed seed: failures reproduce) ---- */

static uint64_t rng_state;

static void seed(uint64_t s)
{
	rng_state = s ? s : 1;
}

static uint64_t next_u64(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static size_t below(size_t n)
{
	return (size_t)(next_u64() % n);
}

static void fill(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)next_u64();
}

/* ---- OpenSSL reference implementations ---- */

static void ossl_sha384(const uint8_t *p, size_t n, uint8_t out[48])
{
	unsigned int len = 0;

	assert_int_equal(EVP_Digest(p, n, out, &len, EVP_sha384(), NULL), 1);
	assert_int_equal(len, 48);
}

static void ossl_hkdf(const uint8_t *salt, size_t salt_len, const uint8_t *ikm, size_t ikm_len,
		      const uint8_t *info, size_t info_len, uint8_t *out, size_t out_len)
{
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	EVP_KDF_CTX *ctx;
	OSSL_PARAM params[5], *p = params;

	assert_non_null(kdf);
	ctx = EVP_KDF_CTX_new(kdf);
	assert_non_null(ctx);
	*p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, "SHA384", 0);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)ikm, ikm_len);
	if (salt_len)	/* no salt: OpenSSL, like RFC 5869, uses HashLen zeros */
		*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt,
							 salt_len);
	if (info_len)
		*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)info,
							 info_len);
	*p = OSSL_PARAM_construct_end();
	assert_int_equal(EVP_KDF_derive(ctx, out, out_len, params), 1);
	EVP_KDF_CTX_free(ctx);
	EVP_KDF_free(kdf);
}

/* docs/crypto.md's key derivation, written independently with BIGNUM and EC_POINT. */
static void ossl_key_from_secret(const uint8_t *secret, size_t len, const char *label,
				 uint8_t priv[48], uint8_t pub[97])
{
	uint8_t c[64];
	EC_GROUP *g = EC_GROUP_new_by_curve_name(NID_secp384r1);
	BN_CTX *bctx = BN_CTX_new();
	BIGNUM *cv, *n1, *d = BN_new();
	EC_POINT *q;

	assert_non_null(g);
	ossl_hkdf(NULL, 0, secret, len, (const uint8_t *)label, strlen(label), c, sizeof(c));
	cv = BN_bin2bn(c, sizeof(c), NULL);
	n1 = BN_dup(EC_GROUP_get0_order(g));
	assert_int_equal(BN_sub_word(n1, 1), 1);
	assert_int_equal(BN_mod(d, cv, n1, bctx), 1);
	assert_int_equal(BN_add_word(d, 1), 1);
	assert_int_equal(BN_bn2binpad(d, priv, 48), 48);
	q = EC_POINT_new(g);
	assert_int_equal(EC_POINT_mul(g, q, d, NULL, NULL, bctx), 1);
	assert_int_equal(EC_POINT_point2oct(g, q, POINT_CONVERSION_UNCOMPRESSED, pub, 97, bctx), 97);
	EC_POINT_free(q);
	BN_clear_free(d);
	BN_free(n1);
	BN_clear_free(cv);
	BN_CTX_free(bctx);
	EC_GROUP_free(g);
}

static void p384_order(uint8_t n[48])
{
	EC_GROUP *g = EC_GROUP_new_by_curve_name(NID_secp384r1);

	assert_int_equal(BN_bn2binpad(EC_GROUP_get0_order(g), n, 48), 48);
	EC_GROUP_free(g);
}

static EVP_PKEY *ossl_pkey(const uint8_t pub[97], const uint8_t *priv)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	EVP_PKEY *pkey = NULL;
	BIGNUM *d = NULL;
	OSSL_PARAM *params;

	assert_int_equal(OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
							 "secp384r1", 0), 1);
	assert_int_equal(OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY,
							  pub, 97), 1);
	if (priv) {
		d = BN_bin2bn(priv, 48, NULL);
		assert_int_equal(OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, d), 1);
	}
	params = OSSL_PARAM_BLD_to_param(bld);
	assert_non_null(params);
	assert_int_equal(EVP_PKEY_fromdata_init(ctx), 1);
	assert_int_equal(EVP_PKEY_fromdata(ctx, &pkey, priv ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY,
					   params), 1);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_clear_free(d);
	EVP_PKEY_CTX_free(ctx);
	return pkey;
}

static int ossl_verify(const uint8_t pub[97], const uint8_t digest[48], const uint8_t sig[96])
{
	EVP_PKEY *pkey = ossl_pkey(pub, NULL);
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(pkey, NULL);
	ECDSA_SIG *es = ECDSA_SIG_new();
	unsigned char *der = NULL;
	int der_len, ok;

	assert_int_equal(ECDSA_SIG_set0(es, BN_bin2bn(sig, 48, NULL),
					BN_bin2bn(sig + 48, 48, NULL)), 1);
	der_len = i2d_ECDSA_SIG(es, &der);
	assert_true(der_len > 0);
	assert_int_equal(EVP_PKEY_verify_init(ctx), 1);
	assert_int_equal(EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha384()), 1);
	ok = EVP_PKEY_verify(ctx, der, (size_t)der_len, digest, 48);
	OPENSSL_free(der);
	ECDSA_SIG_free(es);
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(pkey);
	return ok == 1;
}

static void ossl_sign(const uint8_t priv[48], const uint8_t pub[97], const uint8_t digest[48],
		      uint8_t sig[96])
{
	EVP_PKEY *pkey = ossl_pkey(pub, priv);
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(pkey, NULL);
	unsigned char der[128];
	const unsigned char *p = der;
	size_t der_len = sizeof(der);
	const BIGNUM *r, *s;
	ECDSA_SIG *es;

	assert_int_equal(EVP_PKEY_sign_init(ctx), 1);
	assert_int_equal(EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha384()), 1);
	assert_int_equal(EVP_PKEY_sign(ctx, der, &der_len, digest, 48), 1);
	es = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
	assert_non_null(es);
	ECDSA_SIG_get0(es, &r, &s);
	assert_int_equal(BN_bn2binpad(r, sig, 48), 48);
	assert_int_equal(BN_bn2binpad(s, sig + 48, 48), 48);
	ECDSA_SIG_free(es);
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(pkey);
}

static void random_key(uint8_t priv[48], uint8_t pub[97])
{
	uint8_t secret[48];

	fill(secret, sizeof(secret));
	assert_int_equal(crypto_p384_key_from_secret(secret, sizeof(secret), "test key", priv, pub),
			 PAL_OK);
}

/* ---- known-answer tests ---- */

static void test_selftest_passes(void **state)
{
	const char *failed = "unset";
	(void)state;

	assert_int_equal(crypto_selftest_power_on(&failed), 0);
	assert_int_equal(crypto_selftest(&failed), 0);
	assert_null(failed);
	assert_int_equal(crypto_selftest(NULL), 0);
}

static void check_sha384_kat(const struct crypto_kat_sha384 *t)
{
	uint8_t digest[48];

	assert_int_equal(crypto_sha384(t->msg, t->len, digest), PAL_OK);
	assert_memory_equal(digest, t->digest, 48);
}

static void test_kat_sha384_abc(void **state)
{
	(void)state;
	assert_int_equal(kat->sha384[0].len, 3);
	check_sha384_kat(&kat->sha384[0]);
}

static void test_kat_sha384_empty(void **state)
{
	(void)state;
	assert_int_equal(kat->sha384[1].len, 0);
	check_sha384_kat(&kat->sha384[1]);
}

static void test_kat_sha384_two_block(void **state)
{
	(void)state;
	assert_int_equal(kat->sha384[2].len * 8, 896);
	check_sha384_kat(&kat->sha384[2]);
}

static void test_kat_sha384_incremental(void **state)
{
	const struct crypto_kat_sha384 *t = &kat->sha384_incremental;
	struct crypto_sha384_ctx ctx;
	uint8_t digest[48];
	(void)state;

	for (size_t step = 1; step <= t->len; step++) {
		assert_int_equal(crypto_sha384_init(&ctx), PAL_OK);
		for (size_t off = 0; off < t->len; off += step) {
			size_t n = t->len - off < step ? t->len - off : step;

			assert_int_equal(crypto_sha384_update(&ctx, t->msg + off, n), PAL_OK);
		}
		assert_int_equal(crypto_sha384_final(&ctx, digest), PAL_OK);
		assert_memory_equal(digest, t->digest, 48);
	}
}

/* The long message: its generator matches the documented Python one-liner's words and
 * OpenSSL agrees with the stored digest; our one-shot and incremental hashes too. */
static void test_kat_sha384_long(void **state)
{
	const struct crypto_kat_sha384_long *t = &kat->sha384_long;
	uint64_t *words = malloc(t->len + 8);
	uint64_t tail[3];
	uint8_t digest[48];
	(void)state;

	assert_int_equal(t->id, CRYPTO_KAT_SHA384_LONG);
	assert_string_equal(t->name, "sha384-long");
	assert_int_equal(t->len, 1 << 20);
	crypto_kat_pattern(t->seed, 0, words, t->len / 8);
	assert_int_equal(words[0], 0xe8102af0685e05a9ull);	/* bytes a9 05 5e 68 f0 2a 10 e8 */
	crypto_kat_pattern(t->seed, 5, tail, 3);	/* any starting word */
	assert_memory_equal(tail, words + 5, sizeof(tail));
	ossl_sha384((const uint8_t *)words, t->len, digest);
	assert_memory_equal(digest, t->digest, 48);
	assert_int_equal(crypto_sha384(words, t->len, digest), PAL_OK);
	assert_memory_equal(digest, t->digest, 48);
	free(words);
}

static void test_kat_hkdf_sha384(void **state)
{
	uint8_t okm[64];
	(void)state;

	assert_int_equal(kat->hkdf.okm_len, sizeof(okm));
	assert_int_equal(crypto_hkdf_sha384(kat->hkdf.salt, kat->hkdf.salt_len, kat->hkdf.ikm,
					    kat->hkdf.ikm_len, kat->hkdf.info, kat->hkdf.info_len,
					    okm, sizeof(okm)), PAL_OK);
	assert_memory_equal(okm, kat->hkdf.okm, sizeof(okm));
}

static void test_kat_p384_key_from_secret(void **state)
{
	uint8_t priv[48], pub[97];
	(void)state;

	assert_int_equal(crypto_p384_key_from_secret(kat->keygen.secret, kat->keygen.secret_len,
						     kat->keygen.label, priv, pub), PAL_OK);
	assert_memory_equal(priv, kat->keygen.priv, 48);
	assert_memory_equal(pub, kat->keygen.pub, 97);
}

static void test_kat_ecdsa_sign(void **state)
{
	uint8_t digest[48], sig[96];
	(void)state;

	assert_string_equal(kat->ecdsa.msg, "sample");
	assert_int_equal(crypto_sha384(kat->ecdsa.msg, 6, digest), PAL_OK);
	assert_int_equal(crypto_p384_sign(kat->ecdsa.priv, digest, sig), PAL_OK);
	assert_memory_equal(sig, kat->ecdsa.sig, 96);
	/* The RFC's public key belongs to the RFC's private key (checked with OpenSSL too). */
	assert_true(ossl_verify(kat->ecdsa.pub, digest, sig));
}

static void test_kat_ecdsa_verify(void **state)
{
	uint8_t digest[48];
	(void)state;

	assert_int_equal(crypto_sha384(kat->ecdsa.msg, strlen(kat->ecdsa.msg), digest), PAL_OK);
	assert_int_equal(crypto_p384_verify(kat->ecdsa.pub, digest, kat->ecdsa.sig), PAL_OK);
}

static void test_kat_ecdsa_reject(void **state)
{
	uint8_t digest[48];
	(void)state;

	assert_string_not_equal(kat->ecdsa.changed_msg, kat->ecdsa.msg);
	assert_int_equal(crypto_sha384(kat->ecdsa.changed_msg, strlen(kat->ecdsa.changed_msg),
				       digest), PAL_OK);
	assert_int_equal(crypto_p384_verify(kat->ecdsa.pub, digest, kat->ecdsa.sig), PAL_E_CRYPTO);
}

/* Each known-answer test must fail, under its own id and name, on a corrupted vector. */
static void test_selftest_fails_on_corrupted_vector(void **state)
{
	static const struct {
		int id;
		const char *name;
	} want[] = {
		{ CRYPTO_KAT_SHA384_ABC, "sha384-abc" },
		{ CRYPTO_KAT_SHA384_EMPTY, "sha384-empty" },
		{ CRYPTO_KAT_SHA384_TWO_BLOCK, "sha384-two-block" },
		{ CRYPTO_KAT_SHA384_INCREMENTAL, "sha384-incremental" },
		{ CRYPTO_KAT_HKDF_SHA384, "hkdf-sha384" },
		{ CRYPTO_KAT_P384_KEY_FROM_SECRET, "p384-key-from-secret" },
		{ CRYPTO_KAT_ECDSA_P384_SIGN, "ecdsa-p384-sign" },
		{ CRYPTO_KAT_ECDSA_P384_VERIFY, "ecdsa-p384-verify" },
		{ CRYPTO_KAT_ECDSA_P384_REJECT, "ecdsa-p384-reject" },
		{ CRYPTO_KAT_SHA384_LONG, "sha384-long" },
		{ CRYPTO_KAT_SHA384_LONG, "sha384-long" },
	};
	(void)state;

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		struct crypto_kat_vectors v = *kat;
		uint8_t bad[97];
		const char *failed = NULL;

		switch (i) {
		case 0: case 1: case 2:
			memcpy(bad, v.sha384[i].digest, 48);
			bad[47] ^= 0x01;
			v.sha384[i].digest = bad;
			break;
		case 3:
			memcpy(bad, v.sha384_incremental.digest, 48);
			bad[0] ^= 0x80;
			v.sha384_incremental.digest = bad;
			break;
		case 4:
			memcpy(bad, v.hkdf.okm, v.hkdf.okm_len);
			bad[v.hkdf.okm_len - 1] ^= 0x01;	/* in the second expand block */
			v.hkdf.okm = bad;
			break;
		case 5:
			memcpy(bad, v.keygen.pub, 97);
			bad[96] ^= 0x01;
			v.keygen.pub = bad;
			break;
		case 6:
			memcpy(bad, v.ecdsa.sig, 96);
			bad[95] ^= 0x01;	/* s; verify would also reject it */
			v.ecdsa.sig = bad;
			break;
		case 7:
			memcpy(bad, v.ecdsa.pub, 97);
			bad[96] ^= 0x01;	/* no longer the RFC key (nor on the curve) */
			v.ecdsa.pub = bad;
			break;
		case 8:
			v.ecdsa.changed_msg = v.ecdsa.msg;	/* "changed" message verifies */
			break;
		case 9:
			memcpy(bad, v.sha384_long.digest, 48);
			bad[24] ^= 0x10;
			v.sha384_long.digest = bad;
			break;
		case 10:
			v.sha384_long.seed++;		/* another message */
			break;
		}
		assert_int_equal(crypto_selftest_vectors(&v, &failed), want[i].id);
		assert_non_null(failed);
		assert_string_equal(failed, want[i].name);
	}
	/* And the untouched table still passes. */
	assert_int_equal(crypto_selftest_vectors(kat, NULL), 0);
}

/* ---- SHA-384 ---- */

static void test_sha384_matches_openssl(void **state)
{
	static const size_t edges[] = { 0, 1, 111, 112, 113, 127, 128, 129, 239, 240, 255, 256, 257 };
	size_t max = 1 << 20;
	uint8_t *buf = malloc(max);
	uint8_t ours[48], ref[48];
	(void)state;

	seed(0x5a384);
	fill(buf, max);
	for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++) {
		assert_int_equal(crypto_sha384(buf, edges[i], ours), PAL_OK);
		ossl_sha384(buf, edges[i], ref);
		assert_memory_equal(ours, ref, 48);
	}
	for (int i = 0; i < 300; i++) {
		size_t len = below(5000), off = below(64);	/* unaligned starts too */

		assert_int_equal(crypto_sha384(buf + off, len, ours), PAL_OK);
		ossl_sha384(buf + off, len, ref);
		assert_memory_equal(ours, ref, 48);
	}
	assert_int_equal(crypto_sha384(buf, max, ours), PAL_OK);
	ossl_sha384(buf, max, ref);
	assert_memory_equal(ours, ref, 48);
	free(buf);
}

static void test_sha384_incremental_matches_one_shot(void **state)
{
	uint8_t buf[4096], one[48], inc[48];
	struct crypto_sha384_ctx ctx;
	(void)state;

	seed(0x1c);
	fill(buf, sizeof(buf));
	for (int i = 0; i < 100; i++) {
		size_t len = below(sizeof(buf) + 1), off = 0;

		assert_int_equal(crypto_sha384(buf, len, one), PAL_OK);
		assert_int_equal(crypto_sha384_init(&ctx), PAL_OK);
		while (off < len) {
			size_t n = below(300);

			if (n > len - off)
				n = len - off;
			assert_int_equal(crypto_sha384_update(&ctx, buf + off, n), PAL_OK);
			off += n;
		}
		assert_int_equal(crypto_sha384_final(&ctx, inc), PAL_OK);
		assert_memory_equal(one, inc, 48);
		/* final wipes the context */
		for (size_t j = 0; j < sizeof(ctx.opaque) / sizeof(ctx.opaque[0]); j++)
			assert_int_equal(ctx.opaque[j], 0);
	}
}

/*
 * crypto_sha384_update() hands runs of whole blocks to the block function itself; the
 * context must end up byte for byte as Mbed TLS's own update leaves it (byte count,
 * state, buffered tail), after every piece, with each block function there is.
 */
static void check_update_matches_mbedtls(uint64_t total0, uint64_t total1)
{
	size_t max = 40000;
	uint8_t *buf = malloc(max);
	struct crypto_sha384_ctx ours;
	mbedtls_sha512_context ref;
	uint8_t d1[48], d2[64];

	fill(buf, max);
	for (int i = 0; i < 60; i++) {
		size_t len = below(max + 1), off = 0;

		assert_int_equal(crypto_sha384_init(&ours), PAL_OK);
		mbedtls_sha512_init(&ref);
		assert_int_equal(mbedtls_sha512_starts(&ref, 1), 0);
		/* Near the 64-bit byte-count wrap, as if 2^64 bytes had gone before. */
		((mbedtls_sha512_context *)(void *)ours.opaque)->total[0] = ref.total[0] = total0;
		((mbedtls_sha512_context *)(void *)ours.opaque)->total[1] = ref.total[1] = total1;
		while (off < len) {
			size_t n = below(i % 2 ? 300 : 3000);

			if (n > len - off)
				n = len - off;
			assert_int_equal(crypto_sha384_update(&ours, buf + off, n), PAL_OK);
			assert_int_equal(mbedtls_sha512_update(&ref, buf + off, n), 0);
			assert_memory_equal(ours.opaque, &ref, sizeof(ref));
			off += n;
		}
		assert_int_equal(crypto_sha384_final(&ours, d1), PAL_OK);
		assert_int_equal(mbedtls_sha512_finish(&ref, d2), 0);
		assert_memory_equal(d1, d2, 48);
		mbedtls_sha512_free(&ref);
	}
	free(buf);
}

static void test_sha384_update_keeps_mbedtls_context(void **state)
{
	bool prev = crypto_sha512_accel_active();
	(void)state;

	seed(0xb10c);
	for (int use = 0; use < 2; use++) {
		crypto_sha512_accel_set(use);
		check_update_matches_mbedtls(0, 0);
		check_update_matches_mbedtls(UINT64_MAX - 1000, 7);
	}
	crypto_sha512_accel_set(prev);
}

/*
 * The dispatch: the instructions only where the CPU has them (on an x86-64 build host,
 * never); forcing the portable C always works; each run of whole blocks in an update
 * is one block-function call; both give OpenSSL's digests.
 */
static void test_sha512_block_function_dispatch(void **state)
{
	struct crypto_sha512_stats a, b;
	struct crypto_sha384_ctx ctx;
	uint8_t buf[128 * 20 + 77], ours[48], ref[48];
	bool prev = crypto_sha512_accel_active(), have;
	(void)state;

	assert_int_equal(crypto_init(), PAL_OK);
	have = crypto_sha512_accel_set(true);
#if !defined(__aarch64__)
	assert_false(have);
#endif
	assert_int_equal(crypto_sha512_accel_active(), have);
	assert_false(crypto_sha512_accel_set(false));
	assert_false(crypto_sha512_accel_active());

	seed(0xd15);
	fill(buf, sizeof(buf));
	ossl_sha384(buf + 3, sizeof(buf) - 3, ref);
	for (int use = 0; use < 2; use++) {
		assert_int_equal(crypto_sha512_accel_set(use), use && have);
		crypto_sha512_stats(&a);
		/* 5 buffered bytes; 123 complete a block (1 call); 19 whole blocks in one
		 * run; 74 buffered, compressed by final with the padding (1 call). */
		assert_int_equal(crypto_sha384_init(&ctx), PAL_OK);
		assert_int_equal(crypto_sha384_update(&ctx, buf + 3, 5), PAL_OK);
		assert_int_equal(crypto_sha384_update(&ctx, buf + 8, sizeof(buf) - 8), PAL_OK);
		assert_int_equal(crypto_sha384_final(&ctx, ours), PAL_OK);
		crypto_sha512_stats(&b);
		assert_memory_equal(ours, ref, 48);
		if (use && have) {
			assert_int_equal(b.insn_calls - a.insn_calls, 3);
			assert_int_equal(b.insn_blocks - a.insn_blocks, 21);
			assert_int_equal(b.c_blocks, a.c_blocks);
		} else {
			assert_int_equal(b.c_blocks - a.c_blocks, 21);
			assert_int_equal(b.insn_calls, a.insn_calls);
		}
	}
	crypto_sha512_accel_set(prev);
	assert_int_equal(crypto_sha512_accel_active(), prev);
}

/* The self-test leaves the block-function setting as it found it. */
static void test_selftest_restores_block_function(void **state)
{
	bool have = crypto_sha512_accel_set(true);
	(void)state;

	assert_int_equal(crypto_selftest(NULL), 0);
	assert_int_equal(crypto_sha512_accel_active(), have);
	crypto_sha512_accel_set(false);
	assert_int_equal(crypto_selftest(NULL), 0);
	assert_false(crypto_sha512_accel_active());
	crypto_sha512_accel_set(true);
}

static void test_sha384_rejects_bad_arguments(void **state)
{
	struct crypto_sha384_ctx ctx;
	uint8_t d[48];
	(void)state;

	assert_int_equal(crypto_sha384(NULL, 1, d), PAL_E_INVALID);
	assert_int_equal(crypto_sha384("x", 1, NULL), PAL_E_INVALID);
	assert_int_equal(crypto_sha384(NULL, 0, d), PAL_OK);
	assert_memory_equal(d, kat->sha384[1].digest, 48);
	assert_int_equal(crypto_sha384_init(NULL), PAL_E_INVALID);
	assert_int_equal(crypto_sha384_init(&ctx), PAL_OK);
	assert_int_equal(crypto_sha384_update(&ctx, NULL, 1), PAL_E_INVALID);
	assert_int_equal(crypto_sha384_update(&ctx, NULL, 0), PAL_OK);
	assert_int_equal(crypto_sha384_final(&ctx, NULL), PAL_E_INVALID);
	assert_int_equal(crypto_sha384_final(&ctx, d), PAL_OK);
}

/* ---- HKDF-SHA384 ---- */

static void test_hkdf_matches_openssl(void **state)
{
	static uint8_t ours[CRYPTO_HKDF_SHA384_MAX_OUT], ref[CRYPTO_HKDF_SHA384_MAX_OUT];
	uint8_t salt[200], ikm[300], info[1024];
	(void)state;

	seed(0x4bdf);
	for (int i = 0; i < 200; i++) {
		size_t salt_len = below(sizeof(salt) + 1), ikm_len = 1 + below(sizeof(ikm));
		size_t info_len = below(sizeof(info) + 1);
		size_t out_len = i % 10 ? 1 + below(300) : 1 + below(sizeof(ours));

		if (i == 1)
			out_len = sizeof(ours);	/* the RFC 5869 limit, 255 blocks */
		fill(salt, salt_len);
		fill(ikm, ikm_len);
		fill(info, info_len);
		assert_int_equal(crypto_hkdf_sha384(salt_len ? salt : NULL, salt_len, ikm, ikm_len,
						    info_len ? info : NULL, info_len, ours, out_len),
				 PAL_OK);
		ossl_hkdf(salt, salt_len, ikm, ikm_len, info, info_len, ref, out_len);
		assert_memory_equal(ours, ref, out_len);
	}
}

static void test_hkdf_edges(void **state)
{
	uint8_t zeros[48] = { 0 }, a[64], b[64], ikm[32];
	static uint8_t big[CRYPTO_HKDF_SHA384_MAX_OUT + 1];
	(void)state;

	seed(0xed6e);
	fill(ikm, sizeof(ikm));
	/* No salt is the same as 48 zero bytes (RFC 5869 2.2). */
	assert_int_equal(crypto_hkdf_sha384(NULL, 0, ikm, sizeof(ikm), NULL, 0, a, sizeof(a)), PAL_OK);
	assert_int_equal(crypto_hkdf_sha384(zeros, sizeof(zeros), ikm, sizeof(ikm), NULL, 0, b,
					    sizeof(b)), PAL_OK);
	assert_memory_equal(a, b, sizeof(a));
	/* A shorter output is a prefix of a longer one. */
	assert_int_equal(crypto_hkdf_sha384(NULL, 0, ikm, sizeof(ikm), NULL, 0, b, 20), PAL_OK);
	assert_memory_equal(a, b, 20);

	assert_int_equal(crypto_hkdf_sha384(NULL, 0, ikm, sizeof(ikm), NULL, 0, big, sizeof(big)),
			 PAL_E_INVALID);
	assert_int_equal(crypto_hkdf_sha384(NULL, 1, ikm, sizeof(ikm), NULL, 0, a, 16), PAL_E_INVALID);
	assert_int_equal(crypto_hkdf_sha384(NULL, 0, NULL, 1, NULL, 0, a, 16), PAL_E_INVALID);
	assert_int_equal(crypto_hkdf_sha384(NULL, 0, ikm, 1, NULL, 1, a, 16), PAL_E_INVALID);
	assert_int_equal(crypto_hkdf_sha384(NULL, 0, ikm, 1, NULL, 0, NULL, 16), PAL_E_INVALID);
	assert_int_equal(crypto_hkdf_sha384(NULL, 0, ikm, 1, NULL, 0, NULL, 0), PAL_OK);
}

/* ---- P-384 keys ---- */

static void test_key_from_secret_matches_openssl(void **state)
{
	uint8_t secret[100], priv[48], pub[97], rpriv[48], rpub[97];
	char label[40];
	(void)state;

	seed(0xd1ce);
	for (int i = 0; i < 40; i++) {
		size_t len = CRYPTO_P384_SECRET_MIN + below(sizeof(secret) - CRYPTO_P384_SECRET_MIN + 1);
		size_t label_len = 1 + below(sizeof(label) - 1);

		fill(secret, len);
		for (size_t j = 0; j < label_len; j++)
			label[j] = (char)('a' + below(26));
		label[label_len] = 0;
		assert_int_equal(crypto_p384_key_from_secret(secret, len, label, priv, pub), PAL_OK);
		ossl_key_from_secret(secret, len, label, rpriv, rpub);
		assert_memory_equal(priv, rpriv, 48);
		assert_memory_equal(pub, rpub, 97);
	}
}

static void test_key_from_secret_separates_labels(void **state)
{
	uint8_t secret[48], p1[48], q1[97], p2[48], q2[97];
	(void)state;

	seed(0x1abe1);
	fill(secret, sizeof(secret));
	assert_int_equal(crypto_p384_key_from_secret(secret, 48, "attestation", p1, q1), PAL_OK);
	assert_int_equal(crypto_p384_key_from_secret(secret, 48, "attestation", p2, q2), PAL_OK);
	assert_memory_equal(p1, p2, 48);
	assert_memory_equal(q1, q2, 97);
	assert_int_equal(crypto_p384_key_from_secret(secret, 48, "device", p2, q2), PAL_OK);
	assert_memory_not_equal(p1, p2, 48);
	assert_memory_not_equal(q1, q2, 97);
	secret[0] ^= 1;
	assert_int_equal(crypto_p384_key_from_secret(secret, 48, "attestation", p2, q2), PAL_OK);
	assert_memory_not_equal(p1, p2, 48);
}

static void test_key_from_secret_rejects_bad_arguments(void **state)
{
	uint8_t secret[48] = { 1 }, priv[48], pub[97];
	(void)state;

	assert_int_equal(crypto_p384_key_from_secret(secret, CRYPTO_P384_SECRET_MIN - 1, "l", priv,
						     pub), PAL_E_INVALID);
	assert_int_equal(crypto_p384_key_from_secret(NULL, 48, "l", priv, pub), PAL_E_INVALID);
	assert_int_equal(crypto_p384_key_from_secret(secret, 48, NULL, priv, pub), PAL_E_INVALID);
	assert_int_equal(crypto_p384_key_from_secret(secret, 48, "", priv, pub), PAL_E_INVALID);
	assert_int_equal(crypto_p384_key_from_secret(secret, 48, "l", NULL, pub), PAL_E_INVALID);
	assert_int_equal(crypto_p384_key_from_secret(secret, 48, "l", priv, NULL), PAL_E_INVALID);
}

/* ---- ECDSA ---- */

static void test_openssl_verifies_our_signatures(void **state)
{
	uint8_t priv[48], pub[97], digest[48], sig[96], again[96], n[48];
	(void)state;

	seed(0x5161);
	p384_order(n);
	for (int i = 0; i < 30; i++) {
		random_key(priv, pub);
		fill(digest, sizeof(digest));
		assert_int_equal(crypto_p384_sign(priv, digest, sig), PAL_OK);
		assert_true(ossl_verify(pub, digest, sig));
		/* Low s: 2s < n (palisade verify rejects the high form; the RFC 6979 known
		 * answer, whose s is high, shows the normalisation happens). */
		{
			BIGNUM *s = BN_bin2bn(sig + 48, 48, NULL), *bn = BN_bin2bn(n, 48, NULL);

			assert_int_equal(BN_lshift1(s, s), 1);
			assert_true(BN_cmp(s, bn) < 0);
			BN_free(s);
			BN_free(bn);
		}
		assert_int_equal(crypto_p384_verify(pub, digest, sig), PAL_OK);
		/* RFC 6979: same key and digest, same signature. */
		assert_int_equal(crypto_p384_sign(priv, digest, again), PAL_OK);
		assert_memory_equal(sig, again, 96);
		digest[below(48)] ^= (uint8_t)(1u << below(8));
		assert_false(ossl_verify(pub, digest, sig));
	}
}

static void test_we_verify_openssl_signatures(void **state)
{
	uint8_t priv[48], pub[97], digest[48], sig[96], bad[97], n[48];
	(void)state;

	seed(0x0551);
	p384_order(n);
	for (int i = 0; i < 30; i++) {
		random_key(priv, pub);
		fill(digest, sizeof(digest));
		ossl_sign(priv, pub, digest, sig);
		assert_int_equal(crypto_p384_verify(pub, digest, sig), PAL_OK);

		/* one flipped bit anywhere: signature, digest or key */
		memcpy(bad, sig, 96);
		bad[below(96)] ^= (uint8_t)(1u << below(8));
		assert_int_not_equal(crypto_p384_verify(pub, digest, bad), PAL_OK);
		memcpy(bad, digest, 48);
		bad[below(48)] ^= (uint8_t)(1u << below(8));
		assert_int_not_equal(crypto_p384_verify(pub, bad, sig), PAL_OK);
		memcpy(bad, pub, 97);
		bad[1 + below(96)] ^= (uint8_t)(1u << below(8));
		assert_int_not_equal(crypto_p384_verify(bad, digest, sig), PAL_OK);

		/* (r, n - s) is the other valid-looking form; it must verify too */
		{
			BIGNUM *s = BN_bin2bn(sig + 48, 48, NULL), *bn = BN_bin2bn(n, 48, NULL);

			assert_int_equal(BN_sub(s, bn, s), 1);
			memcpy(bad, sig, 48);
			assert_int_equal(BN_bn2binpad(s, bad + 48, 48), 48);
			assert_int_equal(crypto_p384_verify(pub, digest, bad), PAL_OK);
			BN_free(s);
			BN_free(bn);
		}
	}
}

static void test_verify_rejects_out_of_range(void **state)
{
	uint8_t priv[48], pub[97], digest[48], sig[96], bad[97], n[48];
	(void)state;

	seed(0x0a0b);
	p384_order(n);
	random_key(priv, pub);
	fill(digest, sizeof(digest));
	assert_int_equal(crypto_p384_sign(priv, digest, sig), PAL_OK);

	memcpy(bad, sig, 96);
	memset(bad, 0, 48);			/* r = 0 */
	assert_int_equal(crypto_p384_verify(pub, digest, bad), PAL_E_CRYPTO);
	memcpy(bad, sig, 96);
	memset(bad + 48, 0, 48);		/* s = 0 */
	assert_int_equal(crypto_p384_verify(pub, digest, bad), PAL_E_CRYPTO);
	memcpy(bad, sig, 96);
	memcpy(bad, n, 48);			/* r = n */
	assert_int_equal(crypto_p384_verify(pub, digest, bad), PAL_E_CRYPTO);
	memcpy(bad, sig, 96);
	memcpy(bad + 48, n, 48);		/* s = n */
	assert_int_equal(crypto_p384_verify(pub, digest, bad), PAL_E_CRYPTO);
	memset(bad, 0xff, 96);
	assert_int_equal(crypto_p384_verify(pub, digest, bad), PAL_E_CRYPTO);

	memcpy(bad, pub, 97);
	bad[0] = 0x02;				/* compressed form: not accepted */
	assert_int_not_equal(crypto_p384_verify(bad, digest, sig), PAL_OK);
	memset(bad, 0, 97);			/* point at infinity / garbage */
	assert_int_not_equal(crypto_p384_verify(bad, digest, sig), PAL_OK);
	bad[0] = 0x04;
	assert_int_not_equal(crypto_p384_verify(bad, digest, sig), PAL_OK);
	memcpy(bad, pub, 97);
	bad[96] ^= 1;				/* off the curve */
	assert_int_not_equal(crypto_p384_verify(bad, digest, sig), PAL_OK);

	assert_int_equal(crypto_p384_verify(NULL, digest, sig), PAL_E_INVALID);
	assert_int_equal(crypto_p384_verify(pub, NULL, sig), PAL_E_INVALID);
	assert_int_equal(crypto_p384_verify(pub, digest, NULL), PAL_E_INVALID);
}

static void test_sign_rejects_invalid_private_keys(void **state)
{
	uint8_t priv[48], digest[48] = { 7 }, sig[96], n[48];
	(void)state;

	p384_order(n);
	memset(priv, 0, 48);
	memset(sig, 0xaa, sizeof(sig));
	assert_int_equal(crypto_p384_sign(priv, digest, sig), PAL_E_INVALID);	/* d = 0 */
	for (size_t i = 0; i < sizeof(sig); i++)
		assert_int_equal(sig[i], 0);	/* no partial output */
	assert_int_equal(crypto_p384_sign(n, digest, sig), PAL_E_INVALID);	/* d = n */
	memset(priv, 0xff, 48);
	assert_int_equal(crypto_p384_sign(priv, digest, sig), PAL_E_INVALID);	/* d > n */
	memcpy(priv, n, 48);
	priv[47] -= 1;							/* d = n - 1 is fine */
	assert_int_equal(crypto_p384_sign(priv, digest, sig), PAL_OK);
	assert_int_equal(crypto_p384_sign(NULL, digest, sig), PAL_E_INVALID);
	assert_int_equal(crypto_p384_sign(priv, NULL, sig), PAL_E_INVALID);
	assert_int_equal(crypto_p384_sign(priv, digest, NULL), PAL_E_INVALID);
}

static unsigned rng_calls;

static int counting_rng(uint8_t *buf, size_t len)
{
	rng_calls++;
	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)next_u64();
	return 0;
}

static int failing_rng(uint8_t *buf, size_t len)
{
	(void)buf;
	(void)len;
	return -1;
}

static void test_blinding_rng_changes_no_result(void **state)
{
	uint8_t secret[48], priv[48], pub[97], priv2[48], pub2[97];
	uint8_t digest[48], sig[96], sig2[96];
	(void)state;

	seed(0xb11d);
	fill(secret, sizeof(secret));
	fill(digest, sizeof(digest));
	assert_int_equal(crypto_p384_key_from_secret(secret, 48, "rng", priv, pub), PAL_OK);
	assert_int_equal(crypto_p384_sign(priv, digest, sig), PAL_OK);

	crypto_set_rng(counting_rng);
	rng_calls = 0;
	assert_int_equal(crypto_p384_key_from_secret(secret, 48, "rng", priv2, pub2), PAL_OK);
	assert_int_equal(crypto_p384_sign(priv, digest, sig2), PAL_OK);
	assert_true(rng_calls > 0);
	assert_memory_equal(priv, priv2, 48);
	assert_memory_equal(pub, pub2, 97);
	assert_memory_equal(sig, sig2, 96);
	assert_int_equal(crypto_selftest(NULL), 0);

	crypto_set_rng(failing_rng);
	assert_int_equal(crypto_p384_sign(priv, digest, sig2), PAL_E_CRYPTO);
	assert_int_equal(crypto_p384_key_from_secret(secret, 48, "rng", priv2, pub2), PAL_E_CRYPTO);
	crypto_set_rng(NULL);
	assert_int_equal(crypto_p384_sign(priv, digest, sig2), PAL_OK);
	assert_memory_equal(sig, sig2, 96);
}

/* ---- misc ---- */

static void test_wipe_and_init(void **state)
{
	uint8_t buf[37];
	(void)state;

	memset(buf, 0x5c, sizeof(buf));
	crypto_wipe(buf + 1, 35);
	assert_int_equal(buf[0], 0x5c);
	for (size_t i = 1; i < 36; i++)
		assert_int_equal(buf[i], 0);
	assert_int_equal(buf[36], 0x5c);
	crypto_wipe(NULL, 10);
	crypto_wipe(buf, 0);
	assert_int_equal(crypto_init(), PAL_OK);
	assert_int_equal(crypto_init(), PAL_OK);
	assert_int_equal(crypto_selftest(NULL), 0);
}

/* The arena allocator is shared: calls from several threads must serialize on the lock. */
#define THREADS 4
#define ROUNDS 6

struct worker {
	pthread_t thread;
	uint8_t priv[48], pub[97], digest[ROUNDS][48], sig[ROUNDS][96];
	int errors;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	uint8_t sig[96], okm[80];

	for (int r = 0; r < ROUNDS; r++) {
		if (crypto_p384_sign(w->priv, w->digest[r], sig) || memcmp(sig, w->sig[r], 96) ||
		    crypto_p384_verify(w->pub, w->digest[r], sig) ||
		    crypto_hkdf_sha384(NULL, 0, w->digest[r], 48, NULL, 0, okm, sizeof(okm)))
			w->errors++;
	}
	return NULL;
}

static void test_concurrent_callers(void **state)
{
	static struct worker w[THREADS];
	(void)state;

	seed(0x7777);
	for (int t = 0; t < THREADS; t++) {
		random_key(w[t].priv, w[t].pub);
		for (int r = 0; r < ROUNDS; r++) {
			fill(w[t].digest[r], 48);
			assert_int_equal(crypto_p384_sign(w[t].priv, w[t].digest[r], w[t].sig[r]),
					 PAL_OK);
		}
	}
	for (int t = 0; t < THREADS; t++)
		assert_int_equal(pthread_create(&w[t].thread, NULL, worker_main, &w[t]), 0);
	for (int t = 0; t < THREADS; t++) {
		assert_int_equal(pthread_join(w[t].thread, NULL), 0);
		assert_int_equal(w[t].errors, 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_selftest_passes),
		cmocka_unit_test(test_kat_sha384_abc),
		cmocka_unit_test(test_kat_sha384_empty),
		cmocka_unit_test(test_kat_sha384_two_block),
		cmocka_unit_test(test_kat_sha384_incremental),
		cmocka_unit_test(test_kat_sha384_long),
		cmocka_unit_test(test_kat_hkdf_sha384),
		cmocka_unit_test(test_kat_p384_key_from_secret),
		cmocka_unit_test(test_kat_ecdsa_sign),
		cmocka_unit_test(test_kat_ecdsa_verify),
		cmocka_unit_test(test_kat_ecdsa_reject),
		cmocka_unit_test(test_selftest_fails_on_corrupted_vector),
		cmocka_unit_test(test_sha384_matches_openssl),
		cmocka_unit_test(test_sha384_incremental_matches_one_shot),
		cmocka_unit_test(test_sha384_update_keeps_mbedtls_context),
		cmocka_unit_test(test_sha512_block_function_dispatch),
		cmocka_unit_test(test_selftest_restores_block_function),
		cmocka_unit_test(test_sha384_rejects_bad_arguments),
		cmocka_unit_test(test_hkdf_matches_openssl),
		cmocka_unit_test(test_hkdf_edges),
		cmocka_unit_test(test_key_from_secret_matches_openssl),
		cmocka_unit_test(test_key_from_secret_separates_labels),
		cmocka_unit_test(test_key_from_secret_rejects_bad_arguments),
		cmocka_unit_test(test_openssl_verifies_our_signatures),
		cmocka_unit_test(test_we_verify_openssl_signatures),
		cmocka_unit_test(test_verify_rejects_out_of_range),
		cmocka_unit_test(test_sign_rejects_invalid_private_keys),
		cmocka_unit_test(test_blinding_rng_changes_no_result),
		cmocka_unit_test(test_wipe_and_init),
		cmocka_unit_test(test_concurrent_callers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
