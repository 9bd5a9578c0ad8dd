/*
 * Opaque address types.
 *
 * A physical address (paddr_t) and a guest physical address (ipaddr_t, an IPA) are
 * different things that happen to be 64-bit numbers. Wrapping each in its own struct
 * makes mixing them a compile error; conversion is always explicit and visible.
 * Portable: used at EL2 and in host unit tests.
 */
#ifndef PALISADE_ADDR_H
#define PALISADE_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PAGE_SHIFT 12
#define PAGE_SIZE ((uint64_t)1 << PAGE_SHIFT)
#define PAGE_MASK (PAGE_SIZE - 1)

typedef struct { uint64_t pa; } paddr_t;   /* host physical address */
typedef struct { uint64_t ipa; } ipaddr_t; /* guest (intermediate) physical address */

static inline paddr_t pa_init(uint64_t v) { return (paddr_t){ v }; }
static inline uint64_t pa_addr(paddr_t a) { return a.pa; }
static inline paddr_t pa_add(paddr_t a, uint64_t n) { return (paddr_t){ a.pa + n }; }
static inline bool pa_eq(paddr_t a, paddr_t b) { return a.pa == b.pa; }
static inline bool pa_page_aligned(paddr_t a) { return (a.pa & PAGE_MASK) == 0; }

static inline ipaddr_t ipa_init(uint64_t v) { return (ipaddr_t){ v }; }
static inline uint64_t ipa_addr(ipaddr_t a) { return a.ipa; }
static inline ipaddr_t ipa_add(ipaddr_t a, uint64_t n) { return (ipaddr_t){ a.ipa + n }; }
static inline bool ipa_eq(ipaddr_t a, ipaddr_t b) { return a.ipa == b.ipa; }
static inline bool ipa_page_aligned(ipaddr_t a) { return (a.ipa & PAGE_MASK) == 0; }

/* The host VM is mapped IPA == PA; these make that identity explicit where it is used. */
static inline ipaddr_t ipa_from_pa_identity(paddr_t a) { return (ipaddr_t){ a.pa }; }
static inline paddr_t pa_from_ipa_identity(ipaddr_t a) { return (paddr_t){ a.ipa }; }

/* Overflow-checked range end: false when base + size wraps around. */
static inline bool range_end(uint64_t base, uint64_t size, uint64_t *end)
{
	return !__builtin_add_overflow(base, size, end);
}

#endif /* PALISADE_ADDR_H */
