/*
 * Palisade's Mbed TLS 3.6 configuration (selected with MBEDTLS_CONFIG_FILE, which
 * replaces Mbed TLS's own include/mbedtls/mbedtls_config.h; build_info.h then adds
 * its derived options and includes check_config.h itself).
 *
 * Only what the hypervisor needs: SHA-384, HMAC/HKDF-SHA384, and deterministic
 * ECDSA over P-384. The same file configures the EL2 build and the host build
 * of the same sources, so both compute the same thing. docs/crypto.md explains
 * each choice.
 */
#ifndef PALISADE_MBEDTLS_CONFIG_H
#define PALISADE_MBEDTLS_CONFIG_H

/* ---- System support: freestanding, no libc beyond <string.h> ---- */
#define MBEDTLS_HAVE_ASM		/* bignum inner loops (aarch64 and x86-64 use only GPRs) */
#define MBEDTLS_NO_UDBL_DIVISION	/* no 128-bit division: EL2 has no __udivti3 */
#define MBEDTLS_DEPRECATED_REMOVED
/* No PSA: MBEDTLS_PSA_CRYPTO_C, MBEDTLS_USE_PSA_CRYPTO and the PSA driver options stay
 * undefined, so every module uses its legacy (built-in) implementation. */

/* ---- Platform: memory comes from a static arena, nothing else from the OS ---- */
#define MBEDTLS_PLATFORM_C
#define MBEDTLS_PLATFORM_MEMORY
#define MBEDTLS_PLATFORM_NO_STD_FUNCTIONS
#define MBEDTLS_NO_PLATFORM_ENTROPY
#define MBEDTLS_MEMORY_BUFFER_ALLOC_C
/* Limbs are 64-bit and EL2 runs with strict alignment: keep blocks 16-byte aligned. */
#define MBEDTLS_MEMORY_ALIGN_MULTIPLE	16
/* The arena allocator calls exit() on heap corruption; ours traps (crypto/src/crypto.c). */
#define MBEDTLS_PLATFORM_EXIT_MACRO	crypto_mbedtls_exit
void crypto_mbedtls_exit(int status) __attribute__((noreturn));

/* ---- Hashes and key derivation ---- */
#define MBEDTLS_SHA384_C		/* SHA-384 only: 3.x builds SHA-512 separately (MBEDTLS_SHA512_C) */
/* The block function is Palisade's (crypto/src/sha384.c): the Armv8.2 SHA-512
 * instructions when the CPU has them, else Mbed TLS's own C block function, which
 * crypto/src/sha512_c.c compiles a second time, without this option and renamed. */
#ifndef PALISADE_SHA512_PORTABLE
#define MBEDTLS_SHA512_PROCESS_ALT
#endif
#define MBEDTLS_MD_C
#define MBEDTLS_HKDF_C
#define MBEDTLS_HMAC_DRBG_C		/* RFC 6979 nonces; blinding without an RNG hook (crypto.c) */

/* ---- Elliptic curves: P-384 only ---- */
#define MBEDTLS_BIGNUM_C
#define MBEDTLS_ECP_C
#define MBEDTLS_ECP_DP_SECP384R1_ENABLED
#define MBEDTLS_ECP_NIST_OPTIM		/* fast P-384 reduction: ECDSA 5-7x faster */
#define MBEDTLS_ECDSA_C
#define MBEDTLS_ECDSA_DETERMINISTIC
/* ecdsa.c also holds the DER signature helpers; compiled, unused by Palisade. */
#define MBEDTLS_ASN1_PARSE_C
#define MBEDTLS_ASN1_WRITE_C

/* Comb window 4 (8 precomputed points): ~30% faster signing than window 2 for 3 KiB
 * more arena. No table cached in the group: each call loads and frees its own group,
 * so a cache would only raise the peak heap use. */
#define MBEDTLS_ECP_WINDOW_SIZE		4
#define MBEDTLS_ECP_FIXED_POINT_OPTIM	0

/* Host-only test build measuring the arena's high-water mark (tests/test_crypto_arena.c). */
#if defined(PALISADE_CRYPTO_MEMORY_DEBUG) && !defined(PALISADE_EL2)
#include <stdio.h>
#define MBEDTLS_MEMORY_DEBUG
#endif

#endif
