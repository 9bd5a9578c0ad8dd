/*
 * Status codes shared by every Palisade interface. Hypercalls return them in x0 as
 * negative numbers (SMCCC convention: 0 is success). The names and numbers are part of
 * the ABI (docs/hypercalls.md is generated from hyp/abi/hypercalls.toml, which lists them).
 */
#ifndef PALISADE_ERROR_H
#define PALISADE_ERROR_H

typedef enum {
	PAL_OK = 0,
	PAL_E_NOT_SUPPORTED = -1,  /* SMCCC NOT_SUPPORTED: unknown call */
	PAL_E_INVALID = -2,        /* malformed argument (alignment, range, flags) */
	PAL_E_DENIED = -3,         /* caller may not do this */
	PAL_E_NO_MEMORY = -4,      /* out of hypervisor or donated memory */
	PAL_E_BUSY = -5,           /* object in use */
	PAL_E_STATE = -6,          /* object in the wrong state for this call */
	PAL_E_NOT_FOUND = -7,      /* no such object */
	PAL_E_RANGE = -8,          /* address or size outside what the caller may name */
	PAL_E_CRYPTO = -9,         /* a cryptographic operation failed */
} pal_status_t;

const char *pal_status_name(int status);

#endif
