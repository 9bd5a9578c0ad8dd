/*
 * The DICE-style derivations and the P-384 primitives of docs/attestation.md section 2
 * and docs/crypto.md, with OpenSSL 3 (EVP, BIGNUM, EC_POINT): the host's own
 * implementation, independent of the EL2 code (Mbed TLS), that must agree with it bit
 * for bit. All functions return 0 on success and -1 on failure unless noted.
 */
#ifndef PALISADE_KEYS_H
#define PALISADE_KEYS_H

#include <stddef.h>
#include <stdint.h>
#include <openssl/evp.h>

#define SHA384_LEN      48
#define P384_PRIV_LEN   48
#define P384_PUB_LEN    97      /* SEC1 uncompressed: 0x04 || X || Y */
#define P384_SIG_LEN    96      /* r || s, 48 bytes big-endian each */
#define UDS_LEN         64
#define CDI_LEN         48
#define SECRET_MIN_LEN  32      /* CRYPTO_P384_SECRET_MIN */

#define LABEL_DEVICE_IDENTITY "Palisade device identity v1"
#define LABEL_ATTESTATION     "Palisade attestation v1"
#define LABEL_CDI             "Palisade CDI v1"

int sha384(const void *data, size_t len, uint8_t out[SHA384_LEN]);

/* RFC 5869 HKDF with SHA-384; salt NULL (and salt_len 0) means no salt. */
int hkdf_sha384(const uint8_t *salt, size_t salt_len, const uint8_t *ikm, size_t ikm_len,
		const uint8_t *info, size_t info_len, uint8_t *out, size_t out_len);

/*
 * crypto_p384_key_from_secret (docs/crypto.md): c = HKDF-SHA384(no salt, secret, label,
 * 64), d = (c mod (n - 1)) + 1, pub = d*G. 'priv' may be NULL when only the public key is
 * wanted; every intermediate is wiped. secret_len >= 32, label non-empty.
 */
int p384_key_from_secret(const uint8_t *secret, size_t secret_len, const char *label,
			 uint8_t priv[P384_PRIV_LEN], uint8_t pub[P384_PUB_LEN]);

/* CDI = HKDF-SHA384(salt = HM, IKM = UDS, info = "Palisade CDI v1", L = 48). */
int dice_cdi(const uint8_t uds[UDS_LEN], const uint8_t hm[SHA384_LEN], uint8_t cdi[CDI_LEN]);

/* 0 when pub is an uncompressed SEC1 encoding of a point on P-384 (not infinity). */
int p384_public_check(const uint8_t pub[P384_PUB_LEN]);

/* An EVP_PKEY for a checked public key; NULL if it is not a P-384 point. */
EVP_PKEY *p384_pkey_from_public(const uint8_t pub[P384_PUB_LEN]);

/* 1 when 'key' is an EC key on P-384. */
int p384_pkey_is_p384(const EVP_PKEY *key);

/* The SEC1 uncompressed public key of an EC P-384 EVP_PKEY. */
int p384_pkey_public(const EVP_PKEY *key, uint8_t pub[P384_PUB_LEN]);

/*
 * Verifies ECDSA P-384 over a SHA-384 digest with a raw r || s signature. Returns 1 for
 * a valid signature and 0 for anything else (including r or s out of range).
 */
int p384_verify_digest(EVP_PKEY *key, const uint8_t digest[SHA384_LEN],
		       const uint8_t sig[P384_SIG_LEN]);

/*
 * 1 when the s half of a raw r || s signature is in low form, 1 <= s <= (n - 1) / 2
 * (n the P-384 group order); 0 otherwise. (r, n - s) verifies whenever (r, s) does:
 * verifiers accept only the low form, so a signature has one encoding.
 */
int p384_sig_is_low_s(const uint8_t sig[P384_SIG_LEN]);

#endif
