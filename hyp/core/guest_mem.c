/*
 * Guest memory accessor (guest_mem.h). EL2 maps all RAM at VA == PA, so once the
 * ownership module holds the page the copy is a memcpy.
 */
#include <string.h>
#include "palisade/error.h"
#include "palisade/guest_mem.h"
#include "palisade/vm.h"

struct copy {
	uint64_t offset;   /* within the page */
	void *buf;
	size_t len;
	bool write;
};

static void do_copy(void *arg, paddr_t page)
{
	struct copy *c = arg;
	uint8_t *p = (uint8_t *)(uintptr_t)(pa_addr(page) + c->offset);

	if (c->write)
		memcpy(p, c->buf, c->len);
	else
		memcpy(c->buf, p, c->len);
}

/* The PA the VM sees at ipa now; the ownership module re-checks it under its lock. */
static int ipa_to_pa(struct vm *vm, uint64_t ipa, paddr_t *pa)
{
	if (vm->is_host) {
		*pa = pa_init(ipa);   /* identity */
		return PAL_OK;
	}
	return vm_translate(vm, ipa_init(ipa), pa, NULL) == PAL_OK ? PAL_OK : PAL_E_RANGE;
}

/* need: the caller's (MEM_ACCESS_PRIVATE or 0); how: MEM_ACCESS_READ or WRITE. */
static int checked_access(struct vm *vm, uint64_t ipa, unsigned need, unsigned how,
		  void (*fn)(void *arg, paddr_t page), void *arg)
{
	paddr_t pa;
	int rc;

	if (!vm || (need & ~MEM_ACCESS_PRIVATE))
		return PAL_E_INVALID;
	rc = ipa_to_pa(vm, ipa, &pa);
	if (rc)
		return rc;
	return mem_access(vm->id, pa, ipa_init(ipa), need | how, fn, arg);
}

int guest_page_access(struct vm *vm, uint64_t ipa, unsigned need,
		      void (*fn)(void *arg, paddr_t page), void *arg)
{
	return checked_access(vm, ipa, need, MEM_ACCESS_READ, fn, arg);
}

static int copy(struct vm *vm, uint64_t ipa, void *buf, size_t len, unsigned need, bool write)
{
	struct copy c = { ipa & PAGE_MASK, buf, len, write };

	if (!buf || len == 0 || (ipa & PAGE_MASK) + len > PAGE_SIZE)
		return PAL_E_INVALID;
	return checked_access(vm, ipa, need, write ? MEM_ACCESS_WRITE : MEM_ACCESS_READ, do_copy, &c);
}

bool guest_buffer_shape_ok(uint64_t ipa, uint64_t len)
{
	return !(ipa & 7) && (ipa & PAGE_MASK) + len <= PAGE_SIZE;
}

int guest_read(struct vm *vm, uint64_t ipa, void *dst, size_t len, unsigned need)
{
	return copy(vm, ipa, dst, len, need, false);
}

int guest_write(struct vm *vm, uint64_t ipa, const void *src, size_t len, unsigned need)
{
	return copy(vm, ipa, (void *)(uintptr_t)src, len, need, true);
}
