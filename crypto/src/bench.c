/*
 * SHA-384 speed at EL2, built only with -DPALISADE_CRYPTO_BENCH=ON (never in the shipped
 * image). crypto_selftest() calls it at boot, before the other CPUs start, and it logs
 * one line per measurement. Under QEMU with -icount shift=0 one virtual nanosecond is
 * one instruction; the counter runs at 62.5 MHz, so instructions = ticks * 16.
 * docs/crypto.md gives the command and the figures.
 */
#include <palisade/crypto.h>
#include <palisade/log.h>

#include "crypto_internal.h"

#define TOTAL (4u << 20)

static uint64_t buf[(64u << 10) / 8];

static uint64_t ticks(void)
{
	uint64_t v;

	__asm__ __volatile__("isb\n\tmrs %0, cntpct_el0" : "=r"(v) : : "memory");
	return v;
}

static void report(const char *what, const char *path, size_t chunk, uint64_t t)
{
	uint64_t insns = t * 16, x100 = insns * 100 / TOTAL;

	log_printf("crypto-bench: sha384 %s %s chunk=%zu bytes=%u ticks=%llu instructions=%llu "
		   "per_byte=%llu.%02llu\n", what, path, chunk, TOTAL, (unsigned long long)t,
		   (unsigned long long)insns, (unsigned long long)(x100 / 100),
		   (unsigned long long)(x100 % 100));
}

static void run(const char *path)
{
	static const size_t chunks[] = { 64u << 10, 4096 };
	struct crypto_sha384_ctx ctx;
	uint8_t digest[CRYPTO_SHA384_LEN];
	uint64_t t;

	for (size_t c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++) {
		t = ticks();
		crypto_sha384_init(&ctx);
		for (size_t off = 0; off < TOTAL; off += chunks[c])
			crypto_sha384_update(&ctx, buf, chunks[c]);
		crypto_sha384_final(&ctx, digest);
		report("update", path, chunks[c], ticks() - t);
	}
}

void crypto_bench(void)
{
	bool prev = crypto_sha512_accel_active();
	uint64_t t = ticks();

	crypto_selftest_vectors(&crypto_kat_builtin, NULL);
	t = ticks() - t;
	log_printf("crypto-bench: crypto_selftest ticks=%llu instructions=%llu\n",
		   (unsigned long long)t, (unsigned long long)(t * 16));
	crypto_kat_pattern(1, 0, buf, sizeof(buf) / 8);
	if (crypto_sha512_accel_set(true))
		run("insns");
	crypto_sha512_accel_set(false);
	run("c");
	crypto_sha512_accel_set(prev);
}
