/*
 * The portable SHA-512 block function: Mbed TLS's own, used when the CPU lacks the
 * SHA-512 instructions (and when the self-test forces it).
 *
 * With MBEDTLS_SHA512_PROCESS_ALT (palisade_mbedtls_config.h) Mbed TLS's sha512.c leaves
 * its block function out and calls ours, crypto/src/sha384.c. This file compiles the
 * fetched sha512.c (never copied into the tree) a second time without that option and
 * with every external name renamed: its block function becomes palisade_sha512_process_c
 * and the renamed copies of the rest are unused (--gc-sections drops them from the
 * image). A function that a later Mbed TLS adds to sha512.c and is not renamed here
 * fails the link as a duplicate symbol instead of going unnoticed.
 */
#define PALISADE_SHA512_PORTABLE

#define mbedtls_internal_sha512_process	palisade_sha512_process_c
#define mbedtls_sha512_init		palisade_sha512_c_unused_init
#define mbedtls_sha512_free		palisade_sha512_c_unused_free
#define mbedtls_sha512_clone		palisade_sha512_c_unused_clone
#define mbedtls_sha512_starts		palisade_sha512_c_unused_starts
#define mbedtls_sha512_update		palisade_sha512_c_unused_update
#define mbedtls_sha512_finish		palisade_sha512_c_unused_finish
#define mbedtls_sha512			palisade_sha512_c_unused
#define mbedtls_sha512_self_test	palisade_sha512_c_unused_self_test

#include <library/sha512.c>
