/*
 * SHA-384 over caller memory, and the SHA-512 block function Mbed TLS calls. No heap and
 * no shared state beyond two flags and statistics, so no lock: measuring a large image on
 * one CPU must not stall signing on another.
 *
 * Mbed TLS 3.6 is built with MBEDTLS_SHA512_PROCESS_ALT: its sha512.c calls
 * mbedtls_internal_sha512_process() below for every block, one block per call. That
 * hook dispatches to the Armv8.2 SHA-512 instructions (sha512_armv8.S) when the CPU has
 * them, else to Mbed TLS's own C (sha512_c.c). Each call of the instruction version
 * saves and restores the FP/SIMD registers it uses, so crypto_sha384_update() hands
 * every run of whole blocks to it in one call instead of one call per block.
 */
#include <palisade/crypto.h>

#include <string.h>

/* The context's fields (total, state) are private in 3.x; this file works on them. */
#define MBEDTLS_ALLOW_PRIVATE_ACCESS
#include "mbedtls/sha512.h"

#include "crypto_internal.h"

#if defined(__aarch64__) && !defined(PALISADE_EL2) && defined(__linux__)
#include <sys/auxv.h>
#ifndef HWCAP_SHA512
#define HWCAP_SHA512 (1ul << 21)
#endif
#endif

#define BLOCK 128

/* The caller-visible context must hold Mbed TLS's one, with at least its alignment. */
_Static_assert(sizeof(struct crypto_sha384_ctx) >= sizeof(mbedtls_sha512_context),
	       "struct crypto_sha384_ctx too small for mbedtls_sha512_context");
_Static_assert(_Alignof(struct crypto_sha384_ctx) >= _Alignof(mbedtls_sha512_context),
	       "struct crypto_sha384_ctx under-aligned for mbedtls_sha512_context");

/*
 * Written by crypto_sha512_probe() and crypto_sha512_accel_set(), read on every block
 * without a lock (relaxed atomics): both block functions compute the same thing, so a
 * reader that sees the old setting still hashes correctly.
 */
static bool have_insns, use_insns;
static struct crypto_sha512_stats stats;

/* Exact on one CPU; concurrent updates may lose counts. No read-modify-write atomics:
 * the boot stage runs this with the MMU off, where memory is Device memory. */
static void count(uint64_t *counter, uint64_t n)
{
	__atomic_store_n(counter, __atomic_load_n(counter, __ATOMIC_RELAXED) + n,
			 __ATOMIC_RELAXED);
}

void crypto_sha512_probe(void)
{
	bool have = false;

#if defined(PALISADE_EL2)
	uint64_t isar0;

	/* ID_AA64ISAR0_EL1.SHA2 [15:12]: 1 = SHA-256, 2 = SHA-256 and SHA-512 (FEAT_SHA512). */
	__asm__ __volatile__("mrs %0, id_aa64isar0_el1" : "=r"(isar0));
	have = ((isar0 >> 12) & 0xf) >= 2;
#elif defined(__aarch64__) && defined(__linux__)
	have = (getauxval(AT_HWCAP) & HWCAP_SHA512) != 0;
#endif
	__atomic_store_n(&have_insns, have, __ATOMIC_RELAXED);
	__atomic_store_n(&use_insns, have, __ATOMIC_RELAXED);
}

bool crypto_sha512_accel_set(bool use)
{
	crypto_init();
	use = use && __atomic_load_n(&have_insns, __ATOMIC_RELAXED);
	__atomic_store_n(&use_insns, use, __ATOMIC_RELAXED);
	return use;
}

bool crypto_sha512_accel_active(void)
{
	return __atomic_load_n(&use_insns, __ATOMIC_RELAXED);
}

void crypto_sha512_stats(struct crypto_sha512_stats *out)
{
	out->insn_calls = __atomic_load_n(&stats.insn_calls, __ATOMIC_RELAXED);
	out->insn_blocks = __atomic_load_n(&stats.insn_blocks, __ATOMIC_RELAXED);
	out->c_blocks = __atomic_load_n(&stats.c_blocks, __ATOMIC_RELAXED);
}

/* n consecutive blocks into c->state; nothing else in c changes. */
static void sha512_blocks(mbedtls_sha512_context *c, const unsigned char *p, size_t n)
{
	if (!n)
		return;
#if defined(__aarch64__)
	if (__atomic_load_n(&use_insns, __ATOMIC_RELAXED)) {
		palisade_sha512_armv8_blocks(c->state, p, n);
		count(&stats.insn_calls, 1);
		count(&stats.insn_blocks, n);
		return;
	}
#endif
	count(&stats.c_blocks, n);
	for (; n; n--, p += BLOCK)
		palisade_sha512_process_c(c, p);
}

/* MBEDTLS_SHA512_PROCESS_ALT: Mbed TLS's update, finish and HMAC call this per block. */
int mbedtls_internal_sha512_process(mbedtls_sha512_context *ctx, const unsigned char data[128])
{
	sha512_blocks(ctx, data, 1);
	return 0;
}

static mbedtls_sha512_context *sha_ctx(struct crypto_sha384_ctx *ctx)
{
	return (mbedtls_sha512_context *)(void *)ctx->opaque;
}

int crypto_sha384(const void *data, size_t len, uint8_t digest[CRYPTO_SHA384_LEN])
{
	struct crypto_sha384_ctx ctx;
	int ret;

	if (!digest || (!data && len))
		return PAL_E_INVALID;
	crypto_sha384_init(&ctx);
	ret = crypto_sha384_update(&ctx, data, len);
	if (ret == PAL_OK)
		ret = crypto_sha384_final(&ctx, digest);
	crypto_wipe(&ctx, sizeof(ctx));
	return ret;
}

int crypto_sha384_init(struct crypto_sha384_ctx *ctx)
{
	if (!ctx)
		return PAL_E_INVALID;
	crypto_wipe(ctx, sizeof(*ctx));
	mbedtls_sha512_init(sha_ctx(ctx));
	if (mbedtls_sha512_starts(sha_ctx(ctx), 1) != 0)
		return PAL_E_CRYPTO;
	return PAL_OK;
}

/*
 * Mbed TLS's update, with each run of whole blocks in one block-function call: Mbed TLS
 * completes a partly filled buffer first and keeps the tail, exactly as in one
 * mbedtls_sha512_update() call, and the context (byte count, state, buffer) ends
 * up byte for byte the same (the unit test compares them).
 */
int crypto_sha384_update(struct crypto_sha384_ctx *ctx, const void *data, size_t len)
{
	mbedtls_sha512_context *c;
	const unsigned char *p = data;
	size_t n, buffered;

	if (!ctx || (!data && len))
		return PAL_E_INVALID;
	if (!len)
		return PAL_OK;
	c = sha_ctx(ctx);
	buffered = (size_t)(c->total[0] % BLOCK);
	n = buffered ? BLOCK - buffered : 0;
	if (n > len)
		n = len;
	if (mbedtls_sha512_update(c, p, n) != 0)
		return PAL_E_CRYPTO;
	p += n;
	len -= n;

	n = len - len % BLOCK;
	sha512_blocks(c, p, n / BLOCK);
	c->total[0] += n;
	if (c->total[0] < n)
		c->total[1]++;

	if (mbedtls_sha512_update(c, p + n, len - n) != 0)
		return PAL_E_CRYPTO;
	return PAL_OK;
}

int crypto_sha384_final(struct crypto_sha384_ctx *ctx, uint8_t digest[CRYPTO_SHA384_LEN])
{
	uint8_t out[64];	/* Mbed TLS's finish takes a SHA-512-sized buffer */
	int ret = PAL_OK;

	if (!ctx || !digest)
		return PAL_E_INVALID;
	if (mbedtls_sha512_finish(sha_ctx(ctx), out) != 0)
		ret = PAL_E_CRYPTO;
	else
		memcpy(digest, out, CRYPTO_SHA384_LEN);
	/* The buffered tail of the message may be secret. */
	mbedtls_sha512_free(sha_ctx(ctx));
	crypto_wipe(ctx, sizeof(*ctx));
	crypto_wipe(out, sizeof(out));
	return ret;
}
