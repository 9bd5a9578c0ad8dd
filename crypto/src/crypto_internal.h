/*
 * Internal to crypto/: the self-test's vector table (so host tests can show that each
 * known-answer test fails on a corrupted vector) and arena statistics for the
 * memory-debug host build. Not part of the interface hyp/ uses.
 */
#ifndef PALISADE_CRYPTO_INTERNAL_H
#define PALISADE_CRYPTO_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

struct crypto_kat_sha384 {
	const char *name;
	int id;			/* enum crypto_kat_id */
	const uint8_t *msg;
	size_t len;
	const uint8_t *digest;	/* 48 bytes */
};

struct crypto_kat_vectors {
	struct crypto_kat_sha384 sha384[3];	/* abc, empty, two-block */
	struct crypto_kat_sha384 sha384_incremental;	/* hashed in uneven pieces */
	struct {
		const uint8_t *ikm, *salt, *info, *okm;
		size_t ikm_len, salt_len, info_len, okm_len;
	} hkdf;
	struct {
		const uint8_t *secret;
		size_t secret_len;
		const char *label;
		const uint8_t *priv;	/* 48 bytes */
		const uint8_t *pub;	/* 97 bytes */
	} keygen;
	struct {
		const uint8_t *priv;	/* 48 bytes */
		const uint8_t *pub;	/* 97 bytes */
		const char *msg;	/* signed message */
		const uint8_t *sig;	/* 96 bytes: r || s */
		const char *changed_msg;	/* must not verify */
	} ecdsa;
};

extern const struct crypto_kat_vectors crypto_kat_builtin;

/* crypto_selftest() over an arbitrary table. */
int crypto_selftest_vectors(const struct crypto_kat_vectors *v, const char **failed_name);

#ifdef PALISADE_CRYPTO_MEMORY_DEBUG
void crypto_arena_stats(size_t *peak, size_t *cur_bytes, size_t *cur_blocks);
void crypto_arena_stats_reset(void);
size_t crypto_arena_size(void);
#endif

#endif
