/*
 * Palisade crypto interface: buffers in, digests and signatures out.
 *
 * The only door to Mbed TLS. No Mbed TLS type appears here and no call keeps a
 * pointer to its arguments after it returns, so the implementation can later move
 * into a deprivileged EL0 service without changing callers. docs/crypto.md gives
 * the algorithms, the key derivation and the self-test vectors byte for byte.
 *
 * Functions return PAL_OK (0) or a negative pal_status_t: PAL_E_INVALID for bad
 * arguments, PAL_E_NO_MEMORY if the crypto arena ran out, PAL_E_CRYPTO when an
 * operation failed (a signature that does not verify, a key that is not valid).
 *
 * Every call that uses the Mbed TLS heap (HKDF, P-384, self-test) takes one global
 * spinlock; the SHA-384 calls work only on caller memory and take no lock, so a
 * long measurement on one CPU does not hold up signing on another.
 */
#ifndef PALISADE_CRYPTO_H
#define PALISADE_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <palisade/error.h>

#define CRYPTO_SHA384_LEN		48
#define CRYPTO_HKDF_SHA384_MAX_OUT	(255 * CRYPTO_SHA384_LEN)
#define CRYPTO_P384_PRIV_LEN		48	/* big-endian scalar */
#define CRYPTO_P384_PUB_LEN		97	/* SEC1 uncompressed: 0x04 || X || Y */
#define CRYPTO_P384_SIG_LEN		96	/* r || s, 48 bytes big-endian each */
#define CRYPTO_P384_SECRET_MIN		32	/* shortest secret a key may come from */

/* Opaque SHA-384 state, owned by the caller (crypto/src/sha384.c checks the size). */
struct crypto_sha384_ctx {
	uint64_t opaque[28];
};

/*
 * Sets up the static-arena heap and detects the Armv8.2 SHA-512 instructions
 * (ID_AA64ISAR0_EL1.SHA2 >= 2). Idempotent; every other call does it on demand, but
 * SHA-384 uses the instructions only once it has run. At EL2 its first call logs which
 * SHA-512 block function is in use.
 */
int crypto_init(void);

/*
 * SHA-512 block function for SHA-384 and HMAC/HKDF: true selects the SHA-512
 * instructions if the CPU has them (the default after crypto_init), false Mbed TLS's
 * portable C. Both give identical results; this exists for tests and measurements.
 * Returns the setting now in effect (false if the CPU lacks the instructions).
 */
bool crypto_sha512_accel_set(bool use);
bool crypto_sha512_accel_active(void);

/* SHA-384 (FIPS 180-4). data may be NULL only when len is 0. */
int crypto_sha384(const void *data, size_t len, uint8_t digest[CRYPTO_SHA384_LEN]);
int crypto_sha384_init(struct crypto_sha384_ctx *ctx);
int crypto_sha384_update(struct crypto_sha384_ctx *ctx, const void *data, size_t len);
/* Writes the digest and wipes ctx; init it again to reuse it. */
int crypto_sha384_final(struct crypto_sha384_ctx *ctx, uint8_t digest[CRYPTO_SHA384_LEN]);

/*
 * HKDF-SHA384 (RFC 5869) extract-then-expand. salt may be NULL (salt_len 0): RFC 5869
 * then uses 48 zero bytes. out_len is at most CRYPTO_HKDF_SHA384_MAX_OUT.
 */
int crypto_hkdf_sha384(const uint8_t *salt, size_t salt_len,
		       const uint8_t *ikm, size_t ikm_len,
		       const uint8_t *info, size_t info_len,
		       uint8_t *out, size_t out_len);

/*
 * Deterministic P-384 key pair from a secret (FIPS 186-4 B.4.1 style):
 *   c = HKDF-SHA384(salt = none, IKM = secret, info = label without its NUL, L = 64)
 *   d = (c mod (n - 1)) + 1, c read as a 512-bit big-endian integer
 *   priv = d (48 bytes big-endian), pub = 0x04 || X || Y of d*G.
 * secret_len >= CRYPTO_P384_SECRET_MIN; label is a non-empty C string that names the
 * key's purpose, so one secret gives independent keys for different labels.
 */
int crypto_p384_key_from_secret(const uint8_t *secret, size_t secret_len, const char *label,
				uint8_t priv[CRYPTO_P384_PRIV_LEN],
				uint8_t pub[CRYPTO_P384_PUB_LEN]);

/* ECDSA P-384 over a SHA-384 digest, nonce from RFC 6979 (same inputs, same signature),
 * s in low form (s <= n/2: RFC 6979's s, or n - s when that is above n/2). */
int crypto_p384_sign(const uint8_t priv[CRYPTO_P384_PRIV_LEN],
		     const uint8_t digest[CRYPTO_SHA384_LEN],
		     uint8_t sig[CRYPTO_P384_SIG_LEN]);

/* Returns PAL_OK only if sig is a valid signature of digest under pub. */
int crypto_p384_verify(const uint8_t pub[CRYPTO_P384_PUB_LEN],
		       const uint8_t digest[CRYPTO_SHA384_LEN],
		       const uint8_t sig[CRYPTO_P384_SIG_LEN]);

/*
 * Optional randomness for side-channel blinding inside scalar multiplication (e.g. from
 * RNDR). It never changes a result: signatures stay RFC 6979 deterministic. Without it,
 * Mbed TLS derives the blinding from the private key and the digest. fill returns 0 on
 * success; if it fails, the operation fails with PAL_E_CRYPTO. NULL removes it. It runs
 * with the crypto lock held, so it must not call back into this interface.
 */
typedef int (*crypto_rng_fn)(uint8_t *buf, size_t len);
void crypto_set_rng(crypto_rng_fn fill);

/* Zeroes n bytes at p; the compiler may not drop it as a dead store. */
void crypto_wipe(void *p, size_t n);

/*
 * Known-answer tests (docs/crypto.md lists the vectors). The SHA-384 ones run with
 * each SHA-512 block function the CPU has, the instructions with a check that FP/SIMD
 * registers and the EL2 FP trap setting come back unchanged. Returns 0, or the negative
 * crypto_kat_id of the first test that failed, with *failed_name (if failed_name is not
 * NULL) set to its name; PAL_E_* codes cannot occur here.
 */
enum crypto_kat_id {
	CRYPTO_KAT_SHA384_ABC = -101,
	CRYPTO_KAT_SHA384_EMPTY = -102,
	CRYPTO_KAT_SHA384_TWO_BLOCK = -103,
	CRYPTO_KAT_SHA384_INCREMENTAL = -104,
	CRYPTO_KAT_HKDF_SHA384 = -105,
	CRYPTO_KAT_P384_KEY_FROM_SECRET = -106,
	CRYPTO_KAT_ECDSA_P384_SIGN = -107,
	CRYPTO_KAT_ECDSA_P384_VERIFY = -108,
	CRYPTO_KAT_ECDSA_P384_REJECT = -109,
	CRYPTO_KAT_SHA384_LONG = -110,
	CRYPTO_KAT_SHA512_FP_STATE = -111,
};
int crypto_selftest(const char **failed_name);

/*
 * The power-on subset the hypervisor runs at every boot: everything above except the
 * two ECDSA verification tests. EL2 signs but never verifies a signature at run time
 * (relying parties verify, with OpenSSL), and the verifications are two thirds of the
 * self-test's cost; crypto_selftest() (host tests, palisade.selftest=1) still runs them.
 */
int crypto_selftest_power_on(const char **failed_name);

#endif
