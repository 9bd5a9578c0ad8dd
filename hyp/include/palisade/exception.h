/* The register frame the EL2 vectors save (layout fixed by arch/aarch64/vectors.S). */
#ifndef PALISADE_EXCEPTION_H
#define PALISADE_EXCEPTION_H

#include <stdint.h>

struct exception_frame {
	uint64_t x[31];
	uint64_t sp;
	uint64_t elr;
	uint64_t spsr;
	uint64_t esr;
	uint64_t far;
};

void exception_entry(uint64_t kind, struct exception_frame *frame);

#endif
