/* Helpers shared by the loader tests (host only). */
#ifndef LOADER_TEST_SUPPORT_H
#define LOADER_TEST_SUPPORT_H

#include <stddef.h>
#include <stdint.h>

#include "palisade/manifest.h"

#define SZ_1M (1ull << 20)
#define SZ_2M (2ull << 20)

/* QEMU virt -m 2G as the hypervisor sees it: RAM, its 8 MiB at 0x40200000, the boot DTB
 * at the start of RAM and the manifest at 0x40100000. */
#define T_RAM_BASE   0x40000000ull
#define T_RAM_SIZE   0x80000000ull
#define T_HYP_BASE   0x40200000ull
#define T_HYP_SIZE   (8 * SZ_1M)
#define T_DTB_BASE   0x40000000ull
#define T_DTB_SIZE   SZ_1M
#define T_MF_BASE    0x40100000ull
#define T_MF_SIZE    0x10000ull

/* Limits for -m 2G with 4 CPUs; the arrays live in support.c. */
struct manifest_limits t_limits_2g(void);

/* Reads a whole file into a fresh 8-byte aligned buffer (free with free()). */
void *t_load_file(const char *path, size_t *size);
/* A .dtb from the build's dtb directory, by stem ("example", "qemu-smp4-2G"). */
void *t_load_dtb(const char *stem, size_t *size);
/* Compiles dts source with dtc; returns a blob (free with free()) or NULL with the
 * compiler's complaint on stderr. */
void *t_compile_dts(const char *source, size_t *size);

/* Copies a blob into a fresh 8-byte aligned buffer of 'size' bytes. */
void *t_dup(const void *blob, size_t len, size_t size);

/* Deterministic PRNG (xorshift64*) for fuzzing with a fixed seed. */
uint64_t t_rand(uint64_t *state);

/* A minimal arm64 Image header: text_offset, image_size, flags. */
void t_image_header(uint8_t hdr[64], uint64_t text_offset, uint64_t image_size,
		    uint64_t flags);

#endif
