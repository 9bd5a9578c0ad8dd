/*
 * Arena sizing: runs every heap-using operation on the memory-debug build (same code,
 * Mbed TLS's allocator statistics and heap verification on) and checks that each one
 * fits the real CRYPTO_ARENA_SIZE with margin and gives back everything it took.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <palisade/crypto.h>

#include "crypto_internal.h"

/* Fragmentation and input-dependent limb counts must fit in what is left. */
#define MARGIN_PCT 10

static size_t worst_peak;
static const char *worst_name;

static uint64_t rng_state = 0x5eed0a11ca7e0001ULL;

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

/* Records the operation's peak and checks it freed every block. */
static void account(const char *name)
{
	size_t peak, cur, blocks;

	crypto_arena_stats(&peak, &cur, &blocks);
	assert_int_equal(cur, 0);
	assert_int_equal(blocks, 0);
	if (peak > worst_peak) {
		worst_peak = peak;
		worst_name = name;
	}
	crypto_arena_stats_reset();
}

static void test_every_operation_fits(void **state)
{
	uint8_t secret[64], priv[48], pub[97], digest[48], sig[96], okm[512];
	(void)state;

	assert_int_equal(crypto_init(), PAL_OK);
	crypto_arena_stats_reset();

	for (int i = 0; i < 40; i++) {
		size_t len = CRYPTO_P384_SECRET_MIN + next_u64() % 33;

		fill(secret, len);
		assert_int_equal(crypto_p384_key_from_secret(secret, len, "arena", priv, pub), PAL_OK);
		account("key_from_secret");

		fill(digest, sizeof(digest));
		assert_int_equal(crypto_p384_sign(priv, digest, sig), PAL_OK);
		account("sign");

		assert_int_equal(crypto_p384_verify(pub, digest, sig), PAL_OK);
		account("verify");

		sig[next_u64() % sizeof(sig)] ^= 1;
		assert_int_not_equal(crypto_p384_verify(pub, digest, sig), PAL_OK);
		account("verify-reject");

		assert_int_equal(crypto_hkdf_sha384(secret, len, digest, 48, NULL, 0, okm,
						    1 + next_u64() % sizeof(okm)), PAL_OK);
		account("hkdf");
	}

	const char *failed = NULL;
	assert_int_equal(crypto_selftest(&failed), 0);
	account("selftest");

	printf("arena: %zu bytes; worst peak %zu bytes (%s)\n", crypto_arena_size(),
	       worst_peak, worst_name);
	assert_true(worst_peak * 100 <= crypto_arena_size() * (100 - MARGIN_PCT));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_operation_fits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
