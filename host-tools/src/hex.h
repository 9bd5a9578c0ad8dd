/* Lower-case hex, as every Palisade file and log writes it (docs/attestation.md). */
#ifndef PALISADE_HEX_H
#define PALISADE_HEX_H

#include <stddef.h>
#include <stdint.h>

/* Writes 2 * n hex digits and a NUL to out. */
void hex_encode(const uint8_t *in, size_t n, char *out);

/*
 * Decodes a string of hex digit pairs (either case, no separators, no 0x) into out,
 * which holds 'max' bytes. Returns the number of bytes, or -1 for an odd length, a
 * non-hex character, or more than 'max' bytes.
 */
long hex_decode(const char *s, uint8_t *out, size_t max);

#endif
