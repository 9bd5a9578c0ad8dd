/* MMIO emulation: decoding the syndrome of a stage-2 data abort. Portable. */
#ifndef PALISADE_MMIO_H
#define PALISADE_MMIO_H

#include <stdbool.h>
#include <stdint.h>

/* Decoded data abort on an emulated device (ESR ISS with ISV set). */
struct mmio_access {
	uint64_t ipa;
	unsigned size;      /* bytes: 1, 2, 4, 8 */
	bool write;
	bool sign_extend;
	bool reg64;         /* destination is an X register */
	unsigned reg;       /* 0..30, 31 = XZR */
};

/* Portable: decodes ESR_EL2 + the faulting IPA. false if the syndrome is not usable. */
bool mmio_decode(uint64_t esr, uint64_t ipa, struct mmio_access *a);
/* Portable: the value a load of 'raw' leaves in the register. */
uint64_t mmio_load_value(const struct mmio_access *a, uint64_t raw);
/* Portable: what a store of register value 'reg' puts on the bus: the accessed bytes
 * only, zero-extended (nothing else of the register may leave the VM). */
uint64_t mmio_store_value(const struct mmio_access *a, uint64_t reg);

#endif
