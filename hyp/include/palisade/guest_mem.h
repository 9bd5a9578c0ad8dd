/*
 * The one way EL2 reads or writes a VM's memory on its behalf (docs/memory.md, "Guest
 * memory touched by EL2"). The copy runs under the ownership lock after checking, at
 * that instant, that the VM has the access asked for at that IPA, so the page cannot
 * change owner, be unmapped or be zeroed half-way; a check made earlier is never
 * relied on. Hypercalls build outputs in EL2-private buffers and copy them out last.
 */
#ifndef PALISADE_GUEST_MEM_H
#define PALISADE_GUEST_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "palisade/mem_own.h"

struct vm;

/* need: MEM_ACCESS_PRIVATE (owned or borrowed exclusively) or 0 (any page the VM may
 * read, resp. write, through its stage-2). [ipa, ipa + len) must lie in one page.
 * PAL_E_INVALID for a bad shape, PAL_E_RANGE when the VM lacks the access. */
int guest_read(struct vm *vm, uint64_t ipa, void *dst, size_t len, unsigned need);
int guest_write(struct vm *vm, uint64_t ipa, const void *src, size_t len, unsigned need);

/* A hypercall buffer of len bytes at ipa: 8-byte aligned and inside one page. Whether
 * the caller may use it is checked at each access above, never before. */
bool guest_buffer_shape_ok(uint64_t ipa, uint64_t len);

/* fn(arg, page) on the whole page at ipa under the same guarantee (e.g. hashing it). */
int guest_page_access(struct vm *vm, uint64_t ipa, unsigned need,
		      void (*fn)(void *arg, paddr_t page), void *arg);

#endif
