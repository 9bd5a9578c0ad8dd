/* Decoding of stage-2 data aborts for MMIO emulation (portable). */
#include "palisade/mmio.h"

#define ISS_ISV   (1ull << 24)
#define ISS_SAS_SHIFT 22
#define ISS_SSE   (1ull << 21)
#define ISS_SRT_SHIFT 16
#define ISS_SF    (1ull << 15)
#define ISS_S1PTW (1ull << 7)
#define ISS_WNR   (1ull << 6)

bool mmio_decode(uint64_t esr, uint64_t ipa, struct mmio_access *a)
{
	/* Without ISV the instruction (e.g. a load pair, or with writeback) cannot be
	 * emulated from the syndrome; a fault on the guest's own page walk is not MMIO. */
	if (!(esr & ISS_ISV) || (esr & ISS_S1PTW))
		return false;
	a->ipa = ipa;
	a->size = 1u << ((esr >> ISS_SAS_SHIFT) & 3);
	a->write = (esr & ISS_WNR) != 0;
	a->sign_extend = (esr & ISS_SSE) != 0;
	a->reg64 = (esr & ISS_SF) != 0;
	a->reg = (esr >> ISS_SRT_SHIFT) & 0x1f;
	return true;
}

uint64_t mmio_load_value(const struct mmio_access *a, uint64_t raw)
{
	unsigned bits = a->size * 8;
	uint64_t v = bits == 64 ? raw : raw & ((1ull << bits) - 1);

	if (a->sign_extend && bits < 64 && (v >> (bits - 1)) & 1)
		v |= ~0ull << bits;
	if (!a->reg64)
		v &= 0xffffffffull;
	return v;
}

uint64_t mmio_store_value(const struct mmio_access *a, uint64_t reg)
{
	return a->size >= 8 ? reg : reg & ((1ull << (8 * a->size)) - 1);
}
