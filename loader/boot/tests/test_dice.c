/*
 * Unit tests for loader/boot/src/dice.c, the boot stage's portable core: the handoff
 * block and the endorsement it writes, byte for byte against docs/attestation.md
 * sections 2, 3 and 6, with every derived value recomputed by OpenSSL 3 (EVP, BIGNUM,
 * EC_POINT: no code shared with Mbed TLS); and every malformed image refused.
 */
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
#include <palisade/dice.h>

/* ---- deterministic test data ---- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t next_u64(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void fill(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)next_u64();
}

static void put_le64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* A hypervisor image of 'size' bytes: a valid header, then random bytes. */
static uint8_t *make_image(size_t size, uint32_t svn)
{
	uint8_t *img = malloc(size < HYP_HDR_SIZE ? HYP_HDR_SIZE : size);

	assert_non_null(img);
	fill(img, size < HYP_HDR_SIZE ? HYP_HDR_SIZE : size);
	memcpy(img, "\x10\x00\x00\x14", 4);	/* b .+64 */
	memset(img + 4, 0, 4);
	memcpy(img + HYP_HDR_OFF_MAGIC, "PALHYP01", 8);
	put_le64(img + HYP_HDR_OFF_IMAGE_SIZE, size);
	dice_put_le32(img + HYP_HDR_OFF_SVN, svn);
	memset(img + 28, 0, 36);
	return img;
}

/* ---- OpenSSL reference implementations ---- */

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void ossl_sha384(const uint8_t *p, size_t n, uint8_t out[48])
{
	unsigned int len = 0;

	assert_int_equal(EVP_Digest(p, n, out, &len, EVP_sha384(), NULL), 1);
	assert_int_equal(len, 48);
}

static void ossl_hkdf(const uint8_t *salt, size_t salt_len, const uint8_t *ikm, size_t ikm_len,
		      const char *info, uint8_t *out, size_t out_len)
{
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	EVP_KDF_CTX *ctx;
	OSSL_PARAM params[5], *p = params;

	assert_non_null(kdf);
	ctx = EVP_KDF_CTX_new(kdf);
	assert_non_null(ctx);
	*p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, "SHA384", 0);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)ikm, ikm_len);
	if (salt_len)
		*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, salt_len);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)info, strlen(info));
	*p = OSSL_PARAM_construct_end();
	assert_int_equal(EVP_KDF_derive(ctx, out, out_len, params), 1);
	EVP_KDF_CTX_free(ctx);
	EVP_KDF_free(kdf);
}

/* docs/crypto.md's key derivation, with BIGNUM and EC_POINT: only the public key. */
static void ossl_pub_from_secret(const uint8_t *secret, size_t len, const char *label,
				 uint8_t pub[97])
{
	uint8_t c[64];
	EC_GROUP *g = EC_GROUP_new_by_curve_name(NID_secp384r1);
	BN_CTX *bctx = BN_CTX_new();
	BIGNUM *cv, *n1, *d = BN_new();
	EC_POINT *q;

	assert_non_null(g);
	ossl_hkdf(NULL, 0, secret, len, label, c, sizeof(c));
	cv = BN_bin2bn(c, sizeof(c), NULL);
	n1 = BN_dup(EC_GROUP_get0_order(g));
	assert_int_equal(BN_sub_word(n1, 1), 1);
	assert_int_equal(BN_mod(d, cv, n1, bctx), 1);
	assert_int_equal(BN_add_word(d, 1), 1);
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

/* ECDSA P-384 verification of a raw r || s signature over a SHA-384 digest. */
static int ossl_verify(const uint8_t pub[97], const uint8_t digest[48], const uint8_t sig[96])
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	EVP_PKEY_CTX *kctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	EVP_PKEY *pkey = NULL;
	EVP_PKEY_CTX *ctx;
	OSSL_PARAM *params;
	ECDSA_SIG *es = ECDSA_SIG_new();
	unsigned char *der = NULL;
	int der_len, ok;

	assert_int_equal(OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
							 "secp384r1", 0), 1);
	assert_int_equal(OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub, 97), 1);
	params = OSSL_PARAM_BLD_to_param(bld);
	assert_int_equal(EVP_PKEY_fromdata_init(kctx), 1);
	assert_int_equal(EVP_PKEY_fromdata(kctx, &pkey, EVP_PKEY_PUBLIC_KEY, params), 1);
	ctx = EVP_PKEY_CTX_new(pkey, NULL);
	assert_int_equal(ECDSA_SIG_set0(es, BN_bin2bn(sig, 48, NULL), BN_bin2bn(sig + 48, 48, NULL)), 1);
	der_len = i2d_ECDSA_SIG(es, &der);
	assert_true(der_len > 0);
	assert_int_equal(EVP_PKEY_verify_init(ctx), 1);
	assert_int_equal(EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha384()), 1);
	ok = EVP_PKEY_verify(ctx, der, (size_t)der_len, digest, 48);
	OPENSSL_free(der);
	ECDSA_SIG_free(es);
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(pkey);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	EVP_PKEY_CTX_free(kctx);
	return ok == 1;
}

static int all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

/*
 * Checks one handoff block against an independent OpenSSL computation of everything in
 * it; returns the device public key through dev_pub (for cross-image checks).
 */
static void check_handoff(const uint8_t *uds, const uint8_t *img, size_t size, uint32_t svn,
			  const uint8_t *h, uint8_t dev_pub[97], uint8_t att_pub[97])
{
	uint8_t hm[48], cdi[48], digest[48], dpub[97], apub[97];
	const uint8_t *e = h + HANDOFF_OFF_ENDORSEMENT;

	ossl_sha384(img, size, hm);
	/* Handoff header (section 6). */
	assert_memory_equal(h + HANDOFF_OFF_MAGIC, "PALHOFF1", 8);
	assert_int_equal(le32(h + HANDOFF_OFF_VERSION), 1);
	assert_int_equal(le32(h + HANDOFF_OFF_SIZE), 384);
	assert_int_equal(le32(h + HANDOFF_OFF_SVN), svn);
	assert_memory_equal(h + HANDOFF_OFF_HM, hm, 48);
	if (!uds) {
		assert_int_equal(le32(h + HANDOFF_OFF_FLAGS), 0);
		assert_true(all_zero(h + HANDOFF_OFF_CDI, 48));
		assert_true(all_zero(e, ENDORSEMENT_SIZE));
		return;
	}
	assert_int_equal(le32(h + HANDOFF_OFF_FLAGS), HANDOFF_FLAG_IDENTITY);
	/* CDI = HKDF-SHA384(salt = HM, IKM = UDS, info = "Palisade CDI v1", L = 48). */
	ossl_hkdf(hm, 48, uds, 64, "Palisade CDI v1", cdi, 48);
	assert_memory_equal(h + HANDOFF_OFF_CDI, cdi, 48);
	/* Keys (section 2, steps 3 and 4). */
	ossl_pub_from_secret(uds, 64, "Palisade device identity v1", dpub);
	ossl_pub_from_secret(cdi, 48, "Palisade attestation v1", apub);
	/* Endorsement (section 3). */
	assert_int_equal(le32(e + 0), 1);
	assert_int_equal(le32(e + 4), 264);
	assert_int_equal(le32(e + 8), svn);
	assert_true(all_zero(e + 12, 4));
	assert_memory_equal(e + 16, hm, 48);
	assert_memory_equal(e + 64, apub, 97);
	assert_true(all_zero(e + 161, 7));
	ossl_sha384(e, 168, digest);
	assert_true(ossl_verify(dpub, digest, e + 168));
	/* ... and by no other key: not the attestation key. */
	assert_false(ossl_verify(apub, digest, e + 168));
	if (dev_pub)
		memcpy(dev_pub, dpub, 97);
	if (att_pub)
		memcpy(att_pub, apub, 97);
}

/* ---- tests ---- */

static void test_measure_matches_openssl(void **state)
{
	(void)state;
	uint8_t uds[64], h[HANDOFF_SIZE];
	static const size_t sizes[] = { 64, 65, 4096, 155704, 1u << 20 };

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		uint32_t svn = (uint32_t)(i * 7 + 1);
		uint8_t *img = make_image(sizes[i], svn);

		fill(uds, sizeof(uds));
		assert_int_equal(dice_measure(uds, img, sizes[i], h), DICE_OK);
		check_handoff(uds, img, sizes[i], svn, h, NULL, NULL);
		free(img);
	}
}

/* Bytes after image_size are not measured; bytes before it all are. */
static void test_measure_covers_exactly_image_size(void **state)
{
	(void)state;
	uint8_t uds[64], a[HANDOFF_SIZE], b[HANDOFF_SIZE];
	uint8_t *img = make_image(8192, 3);

	fill(uds, sizeof(uds));
	assert_int_equal(dice_measure(uds, img, 8192, a), DICE_OK);
	/* More memory available after the image (as at EL2) changes nothing. */
	uint8_t *big = calloc(1, 16384);
	memcpy(big, img, 8192);
	fill(big + 8192, 8192);
	assert_int_equal(dice_measure(uds, big, 16384, b), DICE_OK);
	assert_memory_equal(a, b, HANDOFF_SIZE);
	/* The last byte of the image counts. */
	big[8191] ^= 1;
	assert_int_equal(dice_measure(uds, big, 16384, b), DICE_OK);
	assert_memory_not_equal(a + HANDOFF_OFF_HM, b + HANDOFF_OFF_HM, 48);
	free(big);
	free(img);
}

/* One changed byte: new HM, CDI and attestation key; same device key signs. */
static void test_changed_image_changes_identity(void **state)
{
	(void)state;
	uint8_t uds[64], a[HANDOFF_SIZE], b[HANDOFF_SIZE];
	uint8_t dev_a[97], dev_b[97], att_a[97], att_b[97];
	uint8_t *img = make_image(20000, 1);

	fill(uds, sizeof(uds));
	assert_int_equal(dice_measure(uds, img, 20000, a), DICE_OK);
	check_handoff(uds, img, 20000, 1, a, dev_a, att_a);
	img[40] ^= 0x80;	/* a reserved header byte: measured like any other */
	assert_int_equal(dice_measure(uds, img, 20000, b), DICE_OK);
	check_handoff(uds, img, 20000, 1, b, dev_b, att_b);
	assert_memory_not_equal(a + HANDOFF_OFF_HM, b + HANDOFF_OFF_HM, 48);
	assert_memory_not_equal(a + HANDOFF_OFF_CDI, b + HANDOFF_OFF_CDI, 48);
	assert_memory_not_equal(att_a, att_b, 97);
	assert_memory_equal(dev_a, dev_b, 97);
	free(img);
}

/* A different UDS: a different device key and CDI for the same image. */
static void test_uds_changes_keys(void **state)
{
	(void)state;
	uint8_t u1[64], u2[64], a[HANDOFF_SIZE], b[HANDOFF_SIZE], dev_a[97], dev_b[97];
	uint8_t *img = make_image(4096, 9);

	fill(u1, sizeof(u1));
	memcpy(u2, u1, sizeof(u2));
	u2[63] ^= 1;
	assert_int_equal(dice_measure(u1, img, 4096, a), DICE_OK);
	assert_int_equal(dice_measure(u2, img, 4096, b), DICE_OK);
	check_handoff(u1, img, 4096, 9, a, dev_a, NULL);
	check_handoff(u2, img, 4096, 9, b, dev_b, NULL);
	assert_memory_equal(a + HANDOFF_OFF_HM, b + HANDOFF_OFF_HM, 48);
	assert_memory_not_equal(a + HANDOFF_OFF_CDI, b + HANDOFF_OFF_CDI, 48);
	assert_memory_not_equal(dev_a, dev_b, 97);
	free(img);
}

static void test_deterministic(void **state)
{
	(void)state;
	uint8_t uds[64], a[HANDOFF_SIZE], b[HANDOFF_SIZE];
	uint8_t *img = make_image(5000, 0xffffffffu);

	fill(uds, sizeof(uds));
	assert_int_equal(dice_measure(uds, img, 5000, a), DICE_OK);
	assert_int_equal(dice_measure(uds, img, 5000, b), DICE_OK);
	assert_memory_equal(a, b, HANDOFF_SIZE);
	check_handoff(uds, img, 5000, 0xffffffffu, a, NULL, NULL);
	free(img);
}

static void test_no_uds(void **state)
{
	(void)state;
	uint8_t h[HANDOFF_SIZE];
	uint8_t *img = make_image(3000, 2);

	memset(h, 0xaa, sizeof(h));
	assert_int_equal(dice_measure(NULL, img, 3000, h), DICE_OK);
	check_handoff(NULL, img, 3000, 2, h, NULL, NULL);
	assert_true(all_zero(h + HANDOFF_SIZE - 8, 8));
	free(img);
}

static void test_uds_present(void **state)
{
	(void)state;
	uint8_t uds[64] = { 0 };

	assert_false(dice_uds_present(uds));
	for (unsigned i = 0; i < 64; i += 21) {
		uds[i] = 0x01;
		assert_true(dice_uds_present(uds));
		uds[i] = 0;
	}
	uds[63] = 0x80;
	assert_true(dice_uds_present(uds));
}

static void test_largest_image_accepted(void **state)
{
	(void)state;
	uint8_t h[HANDOFF_SIZE];
	uint8_t *img = make_image(HYP_IMAGE_MAX, 5);

	assert_int_equal(dice_measure(NULL, img, HYP_IMAGE_MAX, h), DICE_OK);
	check_handoff(NULL, img, HYP_IMAGE_MAX, 5, h, NULL, NULL);
	free(img);
}

/* Every refusal leaves an all-zero handoff and names its reason. */
static void expect_refused(const uint8_t *img, size_t avail, int want)
{
	uint8_t uds[64], h[HANDOFF_SIZE];
	uint32_t size = 0x1234, svn = 0x5678;

	fill(uds, sizeof(uds));
	memset(h, 0xaa, sizeof(h));
	assert_int_equal(dice_measure(uds, img, avail, h), want);
	assert_true(all_zero(h, sizeof(h)));
	memset(h, 0xaa, sizeof(h));
	assert_int_equal(dice_measure(NULL, img, avail, h), want);
	assert_true(all_zero(h, sizeof(h)));
	assert_int_equal(dice_header_check(img, avail, &size, &svn), want);
	assert_int_equal(size, 0x1234);
	assert_int_equal(svn, 0x5678);
	assert_string_not_equal(dice_strerror(want), "unknown error");
}

static void test_bad_magic(void **state)
{
	(void)state;
	uint8_t *img = make_image(4096, 1);

	for (unsigned i = 0; i < 8; i++) {
		img[HYP_HDR_OFF_MAGIC + i] ^= 0x20;	/* "pALHYP01", ... */
		expect_refused(img, 4096, DICE_E_MAGIC);
		img[HYP_HDR_OFF_MAGIC + i] ^= 0x20;
	}
	memcpy(img + HYP_HDR_OFF_MAGIC, "PALHYP02", 8);
	expect_refused(img, 4096, DICE_E_MAGIC);
	memset(img, 0, 4096);			/* nothing loaded there */
	expect_refused(img, 4096, DICE_E_MAGIC);
	free(img);
}

static void test_size_out_of_bounds(void **state)
{
	(void)state;
	uint8_t *img = make_image(4096, 1);

	put_le64(img + HYP_HDR_OFF_IMAGE_SIZE, 0);
	expect_refused(img, 4096, DICE_E_SIZE_SMALL);
	put_le64(img + HYP_HDR_OFF_IMAGE_SIZE, 63);
	expect_refused(img, 4096, DICE_E_SIZE_SMALL);
	put_le64(img + HYP_HDR_OFF_IMAGE_SIZE, HYP_IMAGE_MAX + 1ull);
	expect_refused(img, 4096, DICE_E_SIZE_LARGE);
	put_le64(img + HYP_HDR_OFF_IMAGE_SIZE, 7u << 20);
	expect_refused(img, 4096, DICE_E_SIZE_LARGE);
	/* A 64-bit size whose low 32 bits look fine must not pass. */
	put_le64(img + HYP_HDR_OFF_IMAGE_SIZE, (1ull << 32) | 4096);
	expect_refused(img, 4096, DICE_E_SIZE_LARGE);
	put_le64(img + HYP_HDR_OFF_IMAGE_SIZE, UINT64_MAX);
	expect_refused(img, 4096, DICE_E_SIZE_LARGE);
	free(img);
}

static void test_truncated(void **state)
{
	(void)state;
	uint8_t *img = make_image(4096, 1);

	expect_refused(img, 4095, DICE_E_TRUNCATED);
	expect_refused(img, 64, DICE_E_TRUNCATED);
	expect_refused(img, 63, DICE_E_SHORT);
	expect_refused(img, 0, DICE_E_SHORT);
	free(img);
}

static void test_null_arguments(void **state)
{
	(void)state;
	uint8_t uds[64] = { 1 }, h[HANDOFF_SIZE];
	uint32_t size, svn;
	uint8_t *img = make_image(4096, 1);

	assert_int_equal(dice_measure(uds, NULL, 4096, h), DICE_E_ARGS);
	assert_true(all_zero(h, sizeof(h)));
	assert_int_equal(dice_measure(uds, img, 4096, NULL), DICE_E_ARGS);
	assert_int_equal(dice_header_check(NULL, 4096, &size, &svn), DICE_E_ARGS);
	assert_int_equal(dice_header_check(img, 4096, NULL, &svn), DICE_E_ARGS);
	assert_int_equal(dice_header_check(img, 4096, &size, NULL), DICE_E_ARGS);
	assert_int_equal(dice_header_check(img, 4096, &size, &svn), DICE_OK);
	assert_int_equal(size, 4096);
	assert_int_equal(svn, 1);
	assert_string_equal(dice_strerror(12345), "unknown error");
	free(img);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_measure_matches_openssl),
		cmocka_unit_test(test_measure_covers_exactly_image_size),
		cmocka_unit_test(test_changed_image_changes_identity),
		cmocka_unit_test(test_uds_changes_keys),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_no_uds),
		cmocka_unit_test(test_uds_present),
		cmocka_unit_test(test_largest_image_accepted),
		cmocka_unit_test(test_bad_magic),
		cmocka_unit_test(test_size_out_of_bounds),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_null_arguments),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
