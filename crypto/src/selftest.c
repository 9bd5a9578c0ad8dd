/*
 * Known-answer tests run at boot (and by the host unit tests) before any key is used.
 * Every vector's origin is given next to it and in docs/crypto.md.
 */
#include <palisade/crypto.h>
#include <palisade/spinlock.h>

#include <string.h>

#include "crypto_internal.h"

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
	       "crypto_kat_pattern() writes the long KAT's little-endian words natively");

/* ---- SHA-384: the FIPS 180-2 / NIST CSRC example messages ---- */
static const char msg_two_block[] =
	"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
	"hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";	/* 896 bits */

static const uint8_t sha384_abc[48] = {
	0xcb, 0x00, 0x75, 0x3f, 0x45, 0xa3, 0x5e, 0x8b, 0xb5, 0xa0, 0x3d, 0x69,
	0x9a, 0xc6, 0x50, 0x07, 0x27, 0x2c, 0x32, 0xab, 0x0e, 0xde, 0xd1, 0x63,
	0x1a, 0x8b, 0x60, 0x5a, 0x43, 0xff, 0x5b, 0xed, 0x80, 0x86, 0x07, 0x2b,
	0xa1, 0xe7, 0xcc, 0x23, 0x58, 0xba, 0xec, 0xa1, 0x34, 0xc8, 0x25, 0xa7,
};

static const uint8_t sha384_empty[48] = {
	0x38, 0xb0, 0x60, 0xa7, 0x51, 0xac, 0x96, 0x38, 0x4c, 0xd9, 0x32, 0x7e,
	0xb1, 0xb1, 0xe3, 0x6a, 0x21, 0xfd, 0xb7, 0x11, 0x14, 0xbe, 0x07, 0x43,
	0x4c, 0x0c, 0xc7, 0xbf, 0x63, 0xf6, 0xe1, 0xda, 0x27, 0x4e, 0xde, 0xbf,
	0xe7, 0x6f, 0x65, 0xfb, 0xd5, 0x1a, 0xd2, 0xf1, 0x48, 0x98, 0xb9, 0x5b,
};

static const uint8_t sha384_two_block[48] = {
	0x09, 0x33, 0x0c, 0x33, 0xf7, 0x11, 0x47, 0xe8, 0x3d, 0x19, 0x2f, 0xc7,
	0x82, 0xcd, 0x1b, 0x47, 0x53, 0x11, 0x1b, 0x17, 0x3b, 0x3b, 0x05, 0xd2,
	0x2f, 0xa0, 0x80, 0x86, 0xe3, 0xb0, 0xf7, 0x12, 0xfc, 0xc7, 0xc7, 0x1a,
	0x55, 0x7e, 0x2d, 0xb9, 0x66, 0xc3, 0xe9, 0xfa, 0x91, 0x74, 0x60, 0x39,
};

/*
 * ---- SHA-384 of a long message: 1 MiB of crypto_kat_pattern() with the seed below
 * ("PALISADE"), so the SHA-512 instructions compress runs of many blocks per call.
 * Expected digest made with OpenSSL (the unit test recomputes it with EVP_Digest):
 *   python3 -c "import sys; G=0x9e3779b97f4a7c15; s=0x50414c4953414445;
 *     sys.stdout.buffer.write(b''.join(((s+k)*G % 2**64).to_bytes(8, 'little')
 *     for k in range(2**17)))" | openssl dgst -sha384
 */
#define LONG_SEED 0x50414c4953414445ull
#define LONG_LEN (1u << 20)

static const uint8_t sha384_long[48] = {
	0xd6, 0x44, 0x1c, 0x1c, 0xeb, 0x38, 0x79, 0xb0, 0xb4, 0xd3, 0x24, 0x5b,
	0x83, 0x71, 0xef, 0xd5, 0xc0, 0x5e, 0x78, 0x14, 0x89, 0x1b, 0x0a, 0xbb,
	0xf3, 0x2f, 0x90, 0x11, 0xda, 0xa7, 0x97, 0xe2, 0xd6, 0xd7, 0xeb, 0xef,
	0xf9, 0x22, 0x88, 0x6a, 0xac, 0xe6, 0xf9, 0x75, 0x17, 0x59, 0x05, 0x45,
};

/*
 * ---- HKDF-SHA384: RFC 5869 test case 1's inputs, with SHA-384 and L = 64 (two
 * expand blocks). Expected output made with OpenSSL 3.0 at development time:
 *   openssl kdf -keylen 64 -kdfopt digest:SHA384 \
 *     -kdfopt hexkey:0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b \
 *     -kdfopt hexsalt:000102030405060708090a0b0c \
 *     -kdfopt hexinfo:f0f1f2f3f4f5f6f7f8f9 HKDF
 */
static const uint8_t hkdf_ikm[22] = {
	0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b,
	0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b,
};

static const uint8_t hkdf_salt[13] = {
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b,
	0x0c,
};

static const uint8_t hkdf_info[10] = {
	0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9,
};

static const uint8_t hkdf_okm[64] = {
	0x9b, 0x50, 0x97, 0xa8, 0x60, 0x38, 0xb8, 0x05, 0x30, 0x90, 0x76, 0xa4,
	0x4b, 0x3a, 0x9f, 0x38, 0x06, 0x3e, 0x25, 0xb5, 0x16, 0xdc, 0xbf, 0x36,
	0x9f, 0x39, 0x4c, 0xfa, 0xb4, 0x36, 0x85, 0xf7, 0x48, 0xb6, 0x45, 0x77,
	0x63, 0xe4, 0xf0, 0x20, 0x4f, 0xc5, 0xd9, 0x5d, 0x1d, 0xa3, 0xe6, 0x25,
	0x87, 0xb2, 0x2e, 0xb8, 0x94, 0x3d, 0x0f, 0xab, 0x6b, 0xb6, 0x31, 0xa2,
	0xfe, 0x9d, 0xf1, 0xa6,
};

/*
 * ---- crypto_p384_key_from_secret(key_secret, "palisade selftest key"). Expected
 * values computed independently at development time by crypto/tests/tools/
 * p384_key_kat.py (HKDF by the openssl CLI, d = (c mod (n-1)) + 1 and d*G in Python
 * integers), with the public key checked again by `openssl ec -text`.
 */
static const uint8_t key_secret[48] = {
	0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x4b,
	0x4c, 0x4d, 0x4e, 0x4f, 0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57,
	0x58, 0x59, 0x5a, 0x5b, 0x5c, 0x5d, 0x5e, 0x5f, 0x60, 0x61, 0x62, 0x63,
	0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f,
};

static const uint8_t key_priv[48] = {
	0xb2, 0xd7, 0x99, 0x33, 0x4d, 0x2b, 0x66, 0xc0, 0x16, 0x1b, 0xee, 0x10,
	0xb2, 0xbc, 0xd3, 0x96, 0x5d, 0xee, 0xd6, 0x33, 0xdc, 0x04, 0x7a, 0xba,
	0x76, 0xdc, 0x25, 0x3e, 0x92, 0x55, 0x02, 0x05, 0xa1, 0x34, 0x48, 0x7c,
	0xf4, 0xa1, 0x7d, 0x31, 0xe0, 0xca, 0x9d, 0x49, 0x98, 0x81, 0x2f, 0xf0,
};

static const uint8_t key_pub[97] = {
	0x04, 0xaf, 0x8a, 0x80, 0x1f, 0x79, 0xe9, 0x4e, 0xe0, 0x2b, 0x1c, 0x54,
	0x85, 0x99, 0x7b, 0x12, 0xa4, 0x81, 0x93, 0x9b, 0xcb, 0x32, 0x2f, 0x3f,
	0x9b, 0x68, 0x66, 0xd5, 0x7d, 0x8d, 0x1c, 0x28, 0x8f, 0xb7, 0xfe, 0x46,
	0xec, 0xa7, 0xbb, 0xf1, 0xb2, 0x40, 0x65, 0xc1, 0x6f, 0x72, 0x71, 0xd8,
	0x79, 0x35, 0xf9, 0x6c, 0x9c, 0x68, 0xb9, 0x7e, 0x13, 0x23, 0xd6, 0x3d,
	0x90, 0x6d, 0x4e, 0xb0, 0x27, 0x5d, 0x7b, 0xe2, 0xf0, 0xc1, 0xb7, 0x25,
	0xe5, 0x0e, 0x8d, 0x6b, 0x52, 0xf6, 0xab, 0x3a, 0xb5, 0x02, 0x48, 0xbe,
	0xef, 0x95, 0x20, 0xa5, 0xba, 0x2b, 0xa9, 0xc8, 0x47, 0xa3, 0xfa, 0x03,
	0x06,
};

/*
 * ---- ECDSA P-384 with SHA-384, RFC 6979 appendix A.2.6, message "sample". The key and
 * (r, s) are as in Mbed TLS 2.28.3 and 3.6.6 tests/suites/test_suite_ecdsa.data ("ECDSA
 * deterministic test vector rfc 6979 p384 sha384" [#1] in 3.6); the public key U is the RFC's, and
 * was checked with `openssl ec -text` from the private key. crypto_p384_sign gives the
 * low-s form (docs/crypto.md), so the expected s is n - s of the RFC's; r is the RFC's.
 */
static const uint8_t rfc6979_priv[48] = {
	0x6b, 0x9d, 0x3d, 0xad, 0x2e, 0x1b, 0x8c, 0x1c, 0x05, 0xb1, 0x98, 0x75,
	0xb6, 0x65, 0x9f, 0x4d, 0xe2, 0x3c, 0x3b, 0x66, 0x7b, 0xf2, 0x97, 0xba,
	0x9a, 0xa4, 0x77, 0x40, 0x78, 0x71, 0x37, 0xd8, 0x96, 0xd5, 0x72, 0x4e,
	0x4c, 0x70, 0xa8, 0x25, 0xf8, 0x72, 0xc9, 0xea, 0x60, 0xd2, 0xed, 0xf5,
};

static const uint8_t rfc6979_pub[97] = {
	0x04, 0xec, 0x3a, 0x4e, 0x41, 0x5b, 0x4e, 0x19, 0xa4, 0x56, 0x86, 0x18,
	0x02, 0x9f, 0x42, 0x7f, 0xa5, 0xda, 0x9a, 0x8b, 0xc4, 0xae, 0x92, 0xe0,
	0x2e, 0x06, 0xaa, 0xe5, 0x28, 0x6b, 0x30, 0x0c, 0x64, 0xde, 0xf8, 0xf0,
	0xea, 0x90, 0x55, 0x86, 0x60, 0x64, 0xa2, 0x54, 0x51, 0x54, 0x80, 0xbc,
	0x13, 0x80, 0x15, 0xd9, 0xb7, 0x2d, 0x7d, 0x57, 0x24, 0x4e, 0xa8, 0xef,
	0x9a, 0xc0, 0xc6, 0x21, 0x89, 0x67, 0x08, 0xa5, 0x93, 0x67, 0xf9, 0xdf,
	0xb9, 0xf5, 0x4c, 0xa8, 0x4b, 0x3f, 0x1c, 0x9d, 0xb1, 0x28, 0x8b, 0x23,
	0x1c, 0x3a, 0xe0, 0xd4, 0xfe, 0x73, 0x44, 0xfd, 0x25, 0x33, 0x26, 0x47,
	0x20,
};

static const uint8_t rfc6979_sig[96] = {
	0x94, 0xed, 0xbb, 0x92, 0xa5, 0xec, 0xb8, 0xaa, 0xd4, 0x73, 0x6e, 0x56,
	0xc6, 0x91, 0x91, 0x6b, 0x3f, 0x88, 0x14, 0x06, 0x66, 0xce, 0x9f, 0xa7,
	0x3d, 0x64, 0xc4, 0xea, 0x95, 0xad, 0x13, 0x3c, 0x81, 0xa6, 0x48, 0x15,
	0x2e, 0x44, 0xac, 0xf9, 0x6e, 0x36, 0xdd, 0x1e, 0x80, 0xfa, 0xbe, 0x46,
	/* n - s of the RFC's s = 99ef4aeb...38628ac8, which is above n/2 */
	0x66, 0x10, 0xb5, 0x14, 0xea, 0x0e, 0x87, 0x31, 0x5e, 0x01, 0xbf, 0x24,
	0xd9, 0xfc, 0xec, 0x70, 0xec, 0xf1, 0x8b, 0xf5, 0xe6, 0x9d, 0xba, 0xd9,
	0xa7, 0x27, 0xea, 0x30, 0x23, 0x93, 0x84, 0x8f, 0xb4, 0xf0, 0x4c, 0x6c,
	0xd0, 0x42, 0x3f, 0xdc, 0x71, 0x69, 0x52, 0x50, 0x94, 0x62, 0x9e, 0xab,
};

const struct crypto_kat_vectors crypto_kat_builtin = {
	.sha384 = {
		{ "sha384-abc", CRYPTO_KAT_SHA384_ABC, (const uint8_t *)"abc", 3, sha384_abc },
		{ "sha384-empty", CRYPTO_KAT_SHA384_EMPTY, (const uint8_t *)"", 0, sha384_empty },
		{ "sha384-two-block", CRYPTO_KAT_SHA384_TWO_BLOCK,
		  (const uint8_t *)msg_two_block, sizeof(msg_two_block) - 1, sha384_two_block },
	},
	.sha384_incremental = { "sha384-incremental", CRYPTO_KAT_SHA384_INCREMENTAL,
		(const uint8_t *)msg_two_block, sizeof(msg_two_block) - 1, sha384_two_block },
	.sha384_long = { "sha384-long", CRYPTO_KAT_SHA384_LONG, LONG_SEED, LONG_LEN,
		sha384_long },
	.hkdf = {
		.ikm = hkdf_ikm, .ikm_len = sizeof(hkdf_ikm),
		.salt = hkdf_salt, .salt_len = sizeof(hkdf_salt),
		.info = hkdf_info, .info_len = sizeof(hkdf_info),
		.okm = hkdf_okm, .okm_len = sizeof(hkdf_okm),
	},
	.keygen = {
		.secret = key_secret, .secret_len = sizeof(key_secret),
		.label = "palisade selftest key",
		.priv = key_priv, .pub = key_pub,
	},
	.ecdsa = {
		.priv = rfc6979_priv, .pub = rfc6979_pub,
		.msg = "sample", .sig = rfc6979_sig,
		.changed_msg = "samplE",
	},
};

/* Chunk sizes for the incremental test: uneven pieces exercise partial-block buffering. */
static const size_t chunks[] = { 1, 3, 17, 64, 0 };

/*
 * Pieces of the long message: odd sizes, so runs of whole blocks start and end inside
 * the buffered block and the block function reads unaligned data; none is larger
 * than the window it is generated in.
 */
static const size_t long_chunks[] = { 1, 127, 4096, 129, 3000, 128, 7, 2047 };

/* Serialises self-tests: they switch the block function and share the buffers below. */
static spinlock_t selftest_lock = SPINLOCK_INIT;
static uint64_t long_window[4096 / 8 + 1];

void crypto_kat_pattern(uint64_t seed, uint64_t first_word, uint64_t *out, size_t nwords)
{
	for (size_t i = 0; i < nwords; i++)
		out[i] = (seed + first_word + i) * 0x9e3779b97f4a7c15ull;
}

static int fail(int id, const char *name, const char **failed_name)
{
	if (failed_name)
		*failed_name = name;
	return id;
}

/* The long message, generated piece by piece and hashed incrementally. */
static int sha384_long_kat(const struct crypto_kat_sha384_long *t, uint8_t digest[48])
{
	struct crypto_sha384_ctx ctx;
	size_t i, off, n;
	int ret = crypto_sha384_init(&ctx);

	for (i = 0, off = 0; !ret && off < t->len; i++, off += n) {
		n = long_chunks[i % (sizeof(long_chunks) / sizeof(long_chunks[0]))];
		if (n > t->len - off)
			n = t->len - off;
		crypto_kat_pattern(t->seed, off / 8, long_window, (off % 8 + n + 7) / 8);
		ret = crypto_sha384_update(&ctx, (const uint8_t *)long_window + off % 8, n);
	}
	if (!ret)
		ret = crypto_sha384_final(&ctx, digest);
	crypto_wipe(&ctx, sizeof(ctx));
	return ret;
}

/* The SHA-384 known answers, with whichever block function is selected. */
static int sha384_kats(const struct crypto_kat_vectors *v, bool long_kat,
		       const char **failed_name)
{
	struct crypto_sha384_ctx ctx;
	uint8_t digest[CRYPTO_SHA384_LEN];
	const struct crypto_kat_sha384 *t;
	size_t i, off, n;
	int ret = 0;

	for (i = 0; i < 3; i++) {
		t = &v->sha384[i];
		if (crypto_sha384(t->msg, t->len, digest) ||
		    memcmp(digest, t->digest, sizeof(digest))) {
			ret = fail(t->id, t->name, failed_name);
			goto out;
		}
	}

	/* A message fed in pieces (chunk 0 = the rest). */
	t = &v->sha384_incremental;
	crypto_sha384_init(&ctx);
	for (i = 0, off = 0; off < t->len; i++) {
		n = chunks[i % (sizeof(chunks) / sizeof(chunks[0]))];
		if (!n || n > t->len - off)
			n = t->len - off;
		if (crypto_sha384_update(&ctx, t->msg + off, n))
			break;
		off += n;
	}
	if (off != t->len || crypto_sha384_final(&ctx, digest) ||
	    memcmp(digest, t->digest, sizeof(digest))) {
		ret = fail(t->id, t->name, failed_name);
		goto out;
	}

	if (long_kat && (sha384_long_kat(&v->sha384_long, digest) ||
			 memcmp(digest, v->sha384_long.digest, sizeof(digest))))
		ret = fail(v->sha384_long.id, v->sha384_long.name, failed_name);
out:
	crypto_wipe(&ctx, sizeof(ctx));
	crypto_wipe(digest, sizeof(digest));
	return ret;
}

#if defined(__aarch64__)
#ifdef PALISADE_EL2
#define CPTR_FPEN (3ull << 20)	/* CPTR_EL2.FPEN, VHE layout; 0 = EL2 FP/SIMD traps */

static uint64_t cptr_read(void)
{
	uint64_t v;

	__asm__ __volatile__("mrs %0, cptr_el2" : "=r"(v));
	return v;
}

static void cptr_write(uint64_t v)
{
	__asm__ __volatile__("msr cptr_el2, %0\n\tisb" : : "r"(v) : "memory");
}
#endif

static struct crypto_fp_regs fp_pattern, fp_saved, fp_seen;

static void make_fp_pattern(struct crypto_fp_regs *r)
{
	for (unsigned i = 0; i < 32; i++)
		for (unsigned j = 0; j < 16; j++)
			r->v[i][j] = (uint8_t)((0x3c + 16 * i + j) ^ (i >= 16 ? 0xff : 0));
	r->fpsr = 0x0800009f;	/* QC and every cumulative exception flag */
	r->fpcr = 0x03c00000;	/* AHP, DN, FZ, round towards zero */
}

/*
 * The SHA-384 KATs through the SHA-512 instructions, with a pattern in V0-V31, FPSR and
 * FPCR standing for a guest's live registers and, at EL2, FP/SIMD trapped as when the
 * loaded vCPU does not own the registers. Afterwards the registers must hold the
 * pattern bit for bit, CPTR_EL2 its value, and the instructions must have been used.
 * Only the xchg helper touches the registers here; this C is general-registers-only.
 */
static int sha384_kats_insns(const struct crypto_kat_vectors *v, const char **failed_name)
{
	struct crypto_sha512_stats before, after;
	bool ok;
	int ret;
#ifdef PALISADE_EL2
	uint64_t cptr = cptr_read(), cptr_after;
#endif

	make_fp_pattern(&fp_pattern);
	palisade_sha512_armv8_fp_xchg(&fp_pattern, &fp_saved);	/* the caller's registers */
	palisade_sha512_armv8_fp_xchg(&fp_pattern, &fp_seen);	/* the pattern as held */
	crypto_sha512_stats(&before);
#ifdef PALISADE_EL2
	cptr_write(cptr & ~CPTR_FPEN);
#endif
	ret = sha384_kats(v, true, failed_name);
#ifdef PALISADE_EL2
	cptr_after = cptr_read();
	cptr_write(cptr);
#endif
	crypto_sha512_stats(&after);
	palisade_sha512_armv8_fp_xchg(&fp_saved, &fp_pattern);	/* back; what the KATs left */

	ok = !memcmp(&fp_pattern, &fp_seen, sizeof(fp_seen)) &&
	     after.insn_blocks > before.insn_blocks;
	make_fp_pattern(&fp_saved);	/* also overwrites the caller's registers' copy */
	ok = ok && !memcmp(fp_saved.v, fp_seen.v, sizeof(fp_seen.v));
#ifdef PALISADE_EL2
	ok = ok && cptr_after == (cptr & ~CPTR_FPEN);
#endif
	if (!ret && !ok)
		ret = fail(CRYPTO_KAT_SHA512_FP_STATE, "sha512-fp-state", failed_name);
	return ret;
}
#endif

static int selftest_scope(const struct crypto_kat_vectors *v, bool with_verify,
			  const char **failed_name)
{
	uint8_t digest[CRYPTO_SHA384_LEN];
	uint8_t okm[64];
	uint8_t priv[CRYPTO_P384_PRIV_LEN], pub[CRYPTO_P384_PUB_LEN];
	uint8_t sig[CRYPTO_P384_SIG_LEN];
	bool prev, insns = false;
	int ret = 0;

	if (failed_name)
		*failed_name = NULL;
	crypto_init();

	/*
	 * SHA-384 with the SHA-512 instructions if the CPU has them, then with portable C.
	 * The long message only on the block function SHA-384 uses: through the C one it
	 * costs 30 million instructions (30 ms of QEMU virtual time) on every boot.
	 */
	spin_lock(&selftest_lock);
	prev = crypto_sha512_accel_active();
#if defined(__aarch64__)
	insns = crypto_sha512_accel_set(true);
	if (insns)
		ret = sha384_kats_insns(v, failed_name);
#endif
	crypto_sha512_accel_set(false);
	if (!ret)
		ret = sha384_kats(v, !insns, failed_name);
	crypto_sha512_accel_set(prev);
	spin_unlock(&selftest_lock);
	if (ret)
		goto out;

	if (v->hkdf.okm_len > sizeof(okm) ||
	    crypto_hkdf_sha384(v->hkdf.salt, v->hkdf.salt_len, v->hkdf.ikm, v->hkdf.ikm_len,
			       v->hkdf.info, v->hkdf.info_len, okm, v->hkdf.okm_len) ||
	    memcmp(okm, v->hkdf.okm, v->hkdf.okm_len)) {
		ret = fail(CRYPTO_KAT_HKDF_SHA384, "hkdf-sha384", failed_name);
		goto out;
	}

	if (crypto_p384_key_from_secret(v->keygen.secret, v->keygen.secret_len,
					v->keygen.label, priv, pub) ||
	    memcmp(priv, v->keygen.priv, sizeof(priv)) ||
	    memcmp(pub, v->keygen.pub, sizeof(pub))) {
		ret = fail(CRYPTO_KAT_P384_KEY_FROM_SECRET, "p384-key-from-secret", failed_name);
		goto out;
	}

	if (crypto_sha384(v->ecdsa.msg, strlen(v->ecdsa.msg), digest) ||
	    crypto_p384_sign(v->ecdsa.priv, digest, sig) ||
	    memcmp(sig, v->ecdsa.sig, sizeof(sig))) {
		ret = fail(CRYPTO_KAT_ECDSA_P384_SIGN, "ecdsa-p384-sign", failed_name);
		goto out;
	}

	if (!with_verify)
		goto out;
	/* Verify the expected signature, not ours: verification is tested on its own. */
	if (crypto_p384_verify(v->ecdsa.pub, digest, v->ecdsa.sig)) {
		ret = fail(CRYPTO_KAT_ECDSA_P384_VERIFY, "ecdsa-p384-verify", failed_name);
		goto out;
	}

	if (crypto_sha384(v->ecdsa.changed_msg, strlen(v->ecdsa.changed_msg), digest) ||
	    crypto_p384_verify(v->ecdsa.pub, digest, v->ecdsa.sig) == PAL_OK) {
		ret = fail(CRYPTO_KAT_ECDSA_P384_REJECT, "ecdsa-p384-reject", failed_name);
		goto out;
	}

out:
	/* Test keys are public, but the wiping path is the one real keys take. */
	crypto_wipe(priv, sizeof(priv));
	crypto_wipe(okm, sizeof(okm));
	crypto_wipe(sig, sizeof(sig));
	crypto_wipe(digest, sizeof(digest));
	return ret;
}

int crypto_selftest_vectors(const struct crypto_kat_vectors *v, const char **failed_name)
{
	return selftest_scope(v, true, failed_name);
}

int crypto_selftest_power_on(const char **failed_name)
{
	return selftest_scope(&crypto_kat_builtin, false, failed_name);
}

int crypto_selftest(const char **failed_name)
{
	int ret = crypto_selftest_vectors(&crypto_kat_builtin, failed_name);
#ifdef PALISADE_CRYPTO_BENCH
	static bool benched;

	if (!ret && !benched) {
		benched = true;
		crypto_bench();
	}
#endif
	return ret;
}
