/* Key derivation and P-384 primitives with OpenSSL 3: see keys.h. */
#include <string.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/kdf.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>
#include "keys.h"

int sha384(const void *data, size_t len, uint8_t out[SHA384_LEN])
{
	unsigned int n = 0;

	if (!EVP_Digest(data, len, out, &n, EVP_sha384(), NULL) || n != SHA384_LEN)
		return -1;
	return 0;
}

int hkdf_sha384(const uint8_t *salt, size_t salt_len, const uint8_t *ikm, size_t ikm_len,
		const uint8_t *info, size_t info_len, uint8_t *out, size_t out_len)
{
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	EVP_KDF_CTX *ctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
	OSSL_PARAM params[5], *p = params;
	int rc = -1;

	if (!ctx)
		goto out;
	*p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA384", 0);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)ikm, ikm_len);
	if (info_len)
		*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)info,
							 info_len);
	/* No salt: RFC 5869's default (HashLen zero bytes); OpenSSL's HMAC with an empty
	 * key is the same. */
	if (salt)
		*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt,
							 salt_len);
	*p = OSSL_PARAM_construct_end();
	if (EVP_KDF_derive(ctx, out, out_len, params) == 1)
		rc = 0;
out:
	if (rc)
		OPENSSL_cleanse(out, out_len);
	EVP_KDF_CTX_free(ctx);
	EVP_KDF_free(kdf);
	return rc;
}

int p384_key_from_secret(const uint8_t *secret, size_t secret_len, const char *label,
			 uint8_t priv[P384_PRIV_LEN], uint8_t pub[P384_PUB_LEN])
{
	uint8_t c[64];
	EC_GROUP *group = EC_GROUP_new_by_curve_name(NID_secp384r1);
	BN_CTX *bn = BN_CTX_secure_new();
	BIGNUM *cb = BN_secure_new(), *d = BN_secure_new(), *n1 = NULL;
	EC_POINT *q = group ? EC_POINT_new(group) : NULL;
	int rc = -1;

	if (!secret || secret_len < SECRET_MIN_LEN || !label || !*label || !group || !bn ||
	    !cb || !d || !q)
		goto out;
	if (hkdf_sha384(NULL, 0, secret, secret_len, (const uint8_t *)label, strlen(label), c,
			sizeof(c)))
		goto out;
	/* d = (c mod (n - 1)) + 1, c read as a 512-bit big-endian integer. */
	BN_set_flags(d, BN_FLG_CONSTTIME);
	if (!BN_bin2bn(c, sizeof(c), cb) || !(n1 = BN_dup(EC_GROUP_get0_order(group))) ||
	    !BN_sub_word(n1, 1) || !BN_mod(d, cb, n1, bn) || !BN_add_word(d, 1))
		goto out;
	if (!EC_POINT_mul(group, q, d, NULL, NULL, bn) ||
	    EC_POINT_point2oct(group, q, POINT_CONVERSION_UNCOMPRESSED, pub, P384_PUB_LEN, bn) !=
	    P384_PUB_LEN)
		goto out;
	if (priv && BN_bn2binpad(d, priv, P384_PRIV_LEN) != P384_PRIV_LEN)
		goto out;
	rc = 0;
out:
	OPENSSL_cleanse(c, sizeof(c));
	if (rc) {
		if (priv)
			OPENSSL_cleanse(priv, P384_PRIV_LEN);
		if (pub)
			memset(pub, 0, P384_PUB_LEN);
	}
	BN_clear_free(cb);
	BN_clear_free(d);
	BN_free(n1);
	EC_POINT_free(q);
	EC_GROUP_free(group);
	BN_CTX_free(bn);
	return rc;
}

int dice_cdi(const uint8_t uds[UDS_LEN], const uint8_t hm[SHA384_LEN], uint8_t cdi[CDI_LEN])
{
	return hkdf_sha384(hm, SHA384_LEN, uds, UDS_LEN, (const uint8_t *)LABEL_CDI,
			   strlen(LABEL_CDI), cdi, CDI_LEN);
}

int p384_public_check(const uint8_t pub[P384_PUB_LEN])
{
	EC_GROUP *group = EC_GROUP_new_by_curve_name(NID_secp384r1);
	EC_POINT *q = group ? EC_POINT_new(group) : NULL;
	int rc = -1;

	/* Only the uncompressed form: 0x04 || X || Y, X and Y below p, on the curve. */
	if (q && pub[0] == 0x04 &&
	    EC_POINT_oct2point(group, q, pub, P384_PUB_LEN, NULL) == 1 &&
	    !EC_POINT_is_at_infinity(group, q) && EC_POINT_is_on_curve(group, q, NULL) == 1)
		rc = 0;
	EC_POINT_free(q);
	EC_GROUP_free(group);
	ERR_clear_error();
	return rc;
}

EVP_PKEY *p384_pkey_from_public(const uint8_t pub[P384_PUB_LEN])
{
	OSSL_PARAM_BLD *bld;
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *key = NULL;

	if (p384_public_check(pub))
		return NULL;
	bld = OSSL_PARAM_BLD_new();
	if (!bld ||
	    !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "secp384r1", 0) ||
	    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub, P384_PUB_LEN) ||
	    !(params = OSSL_PARAM_BLD_to_param(bld)) ||
	    !(ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL)) ||
	    EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) != 1)
		key = NULL;
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	ERR_clear_error();
	return key;
}

int p384_pkey_is_p384(const EVP_PKEY *key)
{
	char name[32];
	size_t len = 0;

	if (!key || !EVP_PKEY_is_a(key, "EC") ||
	    EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, name, sizeof(name),
					   &len) != 1)
		return 0;
	return !strcmp(name, "secp384r1");
}

int p384_pkey_public(const EVP_PKEY *key, uint8_t pub[P384_PUB_LEN])
{
	size_t len = 0;

	/* The encoded point in the format of the key (OpenSSL: uncompressed by default). */
	if (!p384_pkey_is_p384(key) ||
	    EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY, pub, P384_PUB_LEN,
					    &len) != 1 || len != P384_PUB_LEN || pub[0] != 0x04) {
		ERR_clear_error();
		return -1;
	}
	return 0;
}

int p384_verify_digest(EVP_PKEY *key, const uint8_t digest[SHA384_LEN],
		       const uint8_t sig[P384_SIG_LEN])
{
	ECDSA_SIG *s = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(sig, 48, NULL), *ss = BN_bin2bn(sig + 48, 48, NULL);
	unsigned char *der = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	int len, ok = 0;

	if (!s || !r || !ss || !ECDSA_SIG_set0(s, r, ss)) {
		BN_free(r);
		BN_free(ss);
		goto out;
	}
	len = i2d_ECDSA_SIG(s, &der);
	if (len <= 0)
		goto out;
	ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
	if (!ctx || EVP_PKEY_verify_init(ctx) != 1 ||
	    EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha384()) != 1)
		goto out;
	ok = EVP_PKEY_verify(ctx, der, (size_t)len, digest, SHA384_LEN) == 1;
out:
	EVP_PKEY_CTX_free(ctx);
	OPENSSL_free(der);
	ECDSA_SIG_free(s);
	ERR_clear_error();
	return ok;
}

int p384_sig_is_low_s(const uint8_t sig[P384_SIG_LEN])
{
	EC_GROUP *group = EC_GROUP_new_by_curve_name(NID_secp384r1);
	BIGNUM *s = BN_bin2bn(sig + 48, 48, NULL);
	int low = 0;

	/* 2s < n, i.e. s <= (n - 1) / 2 (n is odd). */
	if (group && s && !BN_is_zero(s) && BN_lshift1(s, s))
		low = BN_cmp(s, EC_GROUP_get0_order(group)) < 0;
	BN_free(s);
	EC_GROUP_free(group);
	ERR_clear_error();
	return low;
}
