/*
 * Palisade glue over Mbed TLS: heap arena, lock, HKDF, P-384 keys and ECDSA.
 *
 * Mbed TLS's heap is a static arena handled by its buffer allocator, which is not
 * thread-safe: every call that may allocate holds crypto_lock. Each call loads the
 * curve, computes and frees everything before it returns, so the arena is empty
 * between calls and its size only has to cover the largest single operation.
 */
#include <palisade/crypto.h>
#include <palisade/spinlock.h>

#include <stdbool.h>
#include <string.h>

#include "mbedtls/ecdsa.h"
#include "mbedtls/ecp.h"
#include "mbedtls/hkdf.h"
#include "mbedtls/hmac_drbg.h"
#include "mbedtls/md.h"
#include "mbedtls/memory_buffer_alloc.h"

#include "crypto_internal.h"

#ifdef PALISADE_EL2
#include <palisade/log.h>
/* Weak: the boot stage (loader/boot) links these objects without the hypervisor's log. */
extern __typeof__(log_printf) log_printf __attribute__((weak));
#endif

/*
 * With Mbed TLS 3.6 the largest operation needs at most 9,440 bytes, counting the
 * allocator's 64-byte block headers (the self-test's verifications; any verify 9,120;
 * tests/test_crypto_arena.c measures it). 11 KiB keeps 16% headroom. docs/crypto.md
 * has more.
 */
#ifndef CRYPTO_ARENA_SIZE
#define CRYPTO_ARENA_SIZE 11264
#endif

static unsigned char arena[CRYPTO_ARENA_SIZE] __attribute__((aligned(16)));
static bool arena_ready;
static spinlock_t crypto_lock = SPINLOCK_INIT;
static crypto_rng_fn rng_fill;

/* Error returned to Mbed TLS when the platform RNG fails; mapped to PAL_E_CRYPTO. */
#define RNG_FAILED MBEDTLS_ERR_ECP_RANDOM_FAILED

void crypto_wipe(void *p, size_t n)
{
	if (!p || !n)
		return;
	memset(p, 0, n);
	/* The asm "reads" p and clobbers memory, so the stores above cannot be elided. */
	__asm__ __volatile__("" : : "r"(p) : "memory");
}

/* Mbed TLS's exit(): only the arena allocator calls it, on heap corruption. */
void crypto_mbedtls_exit(int status)
{
	(void)status;
	__builtin_trap();	/* BRK at EL2: the exception handler reports it */
}

static void lock(void)
{
	spin_lock(&crypto_lock);
	if (!arena_ready) {
		mbedtls_memory_buffer_alloc_init(arena, sizeof(arena));
		crypto_sha512_probe();
#ifdef PALISADE_CRYPTO_MEMORY_DEBUG
		mbedtls_memory_buffer_set_verify(MBEDTLS_MEMORY_VERIFY_ALWAYS);
#endif
		arena_ready = true;
	}
}

static void unlock(void)
{
	spin_unlock(&crypto_lock);
}

int crypto_init(void)
{
	static bool announced;
	bool announce;

	lock();
	announce = !announced;
	announced = true;
	unlock();
#ifdef PALISADE_EL2
	if (announce && log_printf)
		log_printf("crypto: SHA-512 instructions %s\n", crypto_sha512_accel_active() ?
			   "in use" : "not available: Mbed TLS portable C in use");
#else
	(void)announce;
#endif
	return PAL_OK;
}

void crypto_set_rng(crypto_rng_fn fill)
{
	lock();
	rng_fill = fill;
	unlock();
}

/* f_rng for Mbed TLS when rng_fill is set; read under the lock. */
static int blinding_rng(void *unused, unsigned char *buf, size_t len)
{
	(void)unused;
	return rng_fill(buf, len) == 0 ? 0 : RNG_FAILED;
}

static int map_err(int ret)
{
	switch (ret) {
	case 0:
		return PAL_OK;
	case MBEDTLS_ERR_MPI_ALLOC_FAILED:
	case MBEDTLS_ERR_ECP_ALLOC_FAILED:
	case MBEDTLS_ERR_MD_ALLOC_FAILED:
		return PAL_E_NO_MEMORY;
	default:
		return PAL_E_CRYPTO;
	}
}

static const mbedtls_md_info_t *sha384_info(void)
{
	return mbedtls_md_info_from_type(MBEDTLS_MD_SHA384);
}

typedef int (*rng_fn)(void *, unsigned char *, size_t);

/* Separates the blinding DRBG below from every other use of the same secret. */
static const char blinding_label[] = "Palisade ECP blinding";
#define BLINDING_SEED_MAX (2 * CRYPTO_P384_PRIV_LEN + sizeof(blinding_label) - 1)

/*
 * The RNG that blinds a scalar multiplication by a secret scalar (randomised projective
 * coordinates, and in signing the blinded inversion of k). Mbed TLS 3.x requires one:
 * mbedtls_ecp_mul() and the deterministic signer fail with a NULL f_rng, where 2.28 fell
 * back to an internal DRBG. So: the RNG hook when there is one; else an HMAC-DRBG
 * (SHA-384) seeded with the secret scalar, the public input (the digest when signing)
 * and a label, which is unpredictable to anyone without the key, as 2.28's fallback was.
 * Results never depend on the blinding values, only the intermediate representations.
 */
static int blinding_init(mbedtls_hmac_drbg_context *drbg, const uint8_t *secret,
			 const uint8_t *pub_input, size_t pub_len, rng_fn *f, void **p)
{
	uint8_t seed[BLINDING_SEED_MAX];
	size_t n = 0;
	int ret;

	if (rng_fill) {
		*f = blinding_rng;
		*p = NULL;
		return 0;
	}
	memcpy(seed, secret, CRYPTO_P384_PRIV_LEN);
	n += CRYPTO_P384_PRIV_LEN;
	if (pub_len) {
		memcpy(seed + n, pub_input, pub_len);
		n += pub_len;
	}
	memcpy(seed + n, blinding_label, sizeof(blinding_label) - 1);
	n += sizeof(blinding_label) - 1;
	ret = mbedtls_hmac_drbg_seed_buf(drbg, sha384_info(), seed, n);
	crypto_wipe(seed, sizeof(seed));
	*f = mbedtls_hmac_drbg_random;
	*p = drbg;
	return ret;
}

int crypto_hkdf_sha384(const uint8_t *salt, size_t salt_len,
		       const uint8_t *ikm, size_t ikm_len,
		       const uint8_t *info, size_t info_len,
		       uint8_t *out, size_t out_len)
{
	int ret;

	if ((!salt && salt_len) || (!ikm && ikm_len) || (!info && info_len) ||
	    (!out && out_len) || out_len > CRYPTO_HKDF_SHA384_MAX_OUT)
		return PAL_E_INVALID;
	if (!out_len)
		return PAL_OK;
	lock();
	ret = map_err(mbedtls_hkdf(sha384_info(), salt, salt_len, ikm, ikm_len,
				   info, info_len, out, out_len));
	unlock();
	if (ret)
		crypto_wipe(out, out_len);
	return ret;
}

int crypto_p384_key_from_secret(const uint8_t *secret, size_t secret_len, const char *label,
				uint8_t priv[CRYPTO_P384_PRIV_LEN],
				uint8_t pub[CRYPTO_P384_PUB_LEN])
{
	uint8_t c[64];		/* N + 64 bits or more, so d is close to uniform */
	mbedtls_ecp_group grp;
	mbedtls_ecp_point q;
	mbedtls_mpi cv, n1, d;
	mbedtls_hmac_drbg_context blind;
	rng_fn f_blind;
	void *p_blind;
	size_t olen = 0;
	int ret;

	if (!secret || secret_len < CRYPTO_P384_SECRET_MIN || !label || !label[0] ||
	    !priv || !pub)
		return PAL_E_INVALID;

	lock();
	mbedtls_ecp_group_init(&grp);
	mbedtls_ecp_point_init(&q);
	mbedtls_mpi_init(&cv);
	mbedtls_mpi_init(&n1);
	mbedtls_mpi_init(&d);
	mbedtls_hmac_drbg_init(&blind);

	ret = mbedtls_hkdf(sha384_info(), NULL, 0, secret, secret_len,
			   (const unsigned char *)label, strlen(label), c, sizeof(c));
	if (ret)
		goto out;
	/* d = (c mod (n - 1)) + 1, which lies in [1, n - 1]. */
	if ((ret = mbedtls_ecp_group_load(&grp, MBEDTLS_ECP_DP_SECP384R1)) ||
	    (ret = mbedtls_mpi_read_binary(&cv, c, sizeof(c))) ||
	    (ret = mbedtls_mpi_sub_int(&n1, &grp.N, 1)) ||
	    (ret = mbedtls_mpi_mod_mpi(&d, &cv, &n1)) ||
	    (ret = mbedtls_mpi_add_int(&d, &d, 1)) ||
	    (ret = mbedtls_mpi_write_binary(&d, priv, CRYPTO_P384_PRIV_LEN)) ||
	    (ret = blinding_init(&blind, priv, NULL, 0, &f_blind, &p_blind)) ||
	    (ret = mbedtls_ecp_mul(&grp, &q, &d, &grp.G, f_blind, p_blind)) ||
	    (ret = mbedtls_ecp_point_write_binary(&grp, &q, MBEDTLS_ECP_PF_UNCOMPRESSED,
						  &olen, pub, CRYPTO_P384_PUB_LEN)))
		goto out;
	if (olen != CRYPTO_P384_PUB_LEN)
		ret = MBEDTLS_ERR_ECP_BAD_INPUT_DATA;
out:
	/* mbedtls_*_free zeroize what they free. */
	mbedtls_hmac_drbg_free(&blind);
	mbedtls_mpi_free(&d);
	mbedtls_mpi_free(&n1);
	mbedtls_mpi_free(&cv);
	mbedtls_ecp_point_free(&q);
	mbedtls_ecp_group_free(&grp);
	unlock();
	crypto_wipe(c, sizeof(c));
	ret = map_err(ret);
	if (ret) {
		crypto_wipe(priv, CRYPTO_P384_PRIV_LEN);
		crypto_wipe(pub, CRYPTO_P384_PUB_LEN);
	}
	return ret;
}

int crypto_p384_sign(const uint8_t priv[CRYPTO_P384_PRIV_LEN],
		     const uint8_t digest[CRYPTO_SHA384_LEN],
		     uint8_t sig[CRYPTO_P384_SIG_LEN])
{
	mbedtls_ecp_group grp;
	mbedtls_mpi d, r, s, half;
	mbedtls_hmac_drbg_context blind;
	rng_fn f_blind;
	void *p_blind;
	bool bad_key = false;
	int ret;

	if (!priv || !digest || !sig)
		return PAL_E_INVALID;

	lock();
	mbedtls_ecp_group_init(&grp);
	mbedtls_mpi_init(&d);
	mbedtls_mpi_init(&r);
	mbedtls_mpi_init(&s);
	mbedtls_mpi_init(&half);
	mbedtls_hmac_drbg_init(&blind);

	if ((ret = mbedtls_ecp_group_load(&grp, MBEDTLS_ECP_DP_SECP384R1)) ||
	    (ret = mbedtls_mpi_read_binary(&d, priv, CRYPTO_P384_PRIV_LEN)))
		goto out;
	if (mbedtls_ecp_check_privkey(&grp, &d)) {
		bad_key = true;
		goto out;
	}
	/* RFC 6979 nonce with HMAC-SHA384; blinding as blinding_init() says. */
	if ((ret = blinding_init(&blind, priv, digest, CRYPTO_SHA384_LEN, &f_blind, &p_blind)) ||
	    (ret = mbedtls_ecdsa_sign_det_ext(&grp, &r, &s, &d, digest, CRYPTO_SHA384_LEN,
					      MBEDTLS_MD_SHA384, f_blind, p_blind)))
		goto out;
	/*
	 * Low-s form: s in [1, n/2]. (r, n - s) is the same signature's other valid form;
	 * verifiers (palisade verify) accept only the low one, so a signature has exactly
	 * one encoding. s is public: no constant-time concern.
	 */
	if ((ret = mbedtls_mpi_copy(&half, &grp.N)) || (ret = mbedtls_mpi_shift_r(&half, 1)))
		goto out;
	if (mbedtls_mpi_cmp_mpi(&s, &half) > 0 && (ret = mbedtls_mpi_sub_mpi(&s, &grp.N, &s)))
		goto out;
	if ((ret = mbedtls_mpi_write_binary(&r, sig, CRYPTO_P384_PRIV_LEN)) ||
	    (ret = mbedtls_mpi_write_binary(&s, sig + CRYPTO_P384_PRIV_LEN,
					    CRYPTO_P384_PRIV_LEN)))
		goto out;
out:
	mbedtls_hmac_drbg_free(&blind);
	mbedtls_mpi_free(&half);
	mbedtls_mpi_free(&s);
	mbedtls_mpi_free(&r);
	mbedtls_mpi_free(&d);
	mbedtls_ecp_group_free(&grp);
	unlock();
	ret = bad_key ? PAL_E_INVALID : map_err(ret);
	if (ret)
		crypto_wipe(sig, CRYPTO_P384_SIG_LEN);
	return ret;
}

int crypto_p384_verify(const uint8_t pub[CRYPTO_P384_PUB_LEN],
		       const uint8_t digest[CRYPTO_SHA384_LEN],
		       const uint8_t sig[CRYPTO_P384_SIG_LEN])
{
	mbedtls_ecp_group grp;
	mbedtls_ecp_point q;
	mbedtls_mpi r, s;
	int ret;

	if (!pub || !digest || !sig)
		return PAL_E_INVALID;
	/* Only the uncompressed form; this also rejects the 1-byte point at infinity. */
	if (pub[0] != 0x04)
		return PAL_E_CRYPTO;

	lock();
	mbedtls_ecp_group_init(&grp);
	mbedtls_ecp_point_init(&q);
	mbedtls_mpi_init(&r);
	mbedtls_mpi_init(&s);

	/* ecdsa_verify checks 1 <= r, s < n; check_pubkey that Q is on the curve. */
	if ((ret = mbedtls_ecp_group_load(&grp, MBEDTLS_ECP_DP_SECP384R1)) ||
	    (ret = mbedtls_ecp_point_read_binary(&grp, &q, pub, CRYPTO_P384_PUB_LEN)) ||
	    (ret = mbedtls_ecp_check_pubkey(&grp, &q)) ||
	    (ret = mbedtls_mpi_read_binary(&r, sig, CRYPTO_P384_PRIV_LEN)) ||
	    (ret = mbedtls_mpi_read_binary(&s, sig + CRYPTO_P384_PRIV_LEN,
					   CRYPTO_P384_PRIV_LEN)))
		goto out;
	ret = mbedtls_ecdsa_verify(&grp, digest, CRYPTO_SHA384_LEN, &q, &r, &s);
out:
	mbedtls_mpi_free(&s);
	mbedtls_mpi_free(&r);
	mbedtls_ecp_point_free(&q);
	mbedtls_ecp_group_free(&grp);
	unlock();
	return map_err(ret);
}

#ifdef PALISADE_CRYPTO_MEMORY_DEBUG
/* The allocator's block header: seven size_t/pointer fields and a magic (no backtrace). */
#define ARENA_HEADER_SIZE (8 * sizeof(size_t))

void crypto_arena_stats(size_t *peak, size_t *cur_bytes, size_t *cur_blocks)
{
	size_t max_used, max_headers;

	lock();
	mbedtls_memory_buffer_alloc_max_get(&max_used, &max_headers);
	mbedtls_memory_buffer_alloc_cur_get(cur_bytes, cur_blocks);
	unlock();
	/* Payload plus headers, each at its own maximum: an upper bound of the footprint. */
	*peak = max_used + max_headers * ARENA_HEADER_SIZE;
}

void crypto_arena_stats_reset(void)
{
	lock();
	mbedtls_memory_buffer_alloc_max_reset();
	unlock();
}

size_t crypto_arena_size(void)
{
	return sizeof(arena);
}
#endif
