/*
 * What fuzz-host and pvm-fuzz agree on: the pVM's memory layout, how the host loads it,
 * and the small device the host emulates for it through MMIO exits of VCPU_RUN.
 */
#ifndef FUZZ_PROTO_H
#define FUZZ_PROTO_H

#define PVM_BASE        0x80000000ull
#define PVM_SIZE        0x200000ull          /* 2 MiB; the image stays below PRIV_IPA */
#define PRIV_IPA        0x80100000ull        /* private pages: a pattern, never given away */
#define PRIV_PAGES      16u
#define ZONE_IPA        0x80110000ull        /* fuzzed pages: ZONE_PER_VCPU per vCPU */
#define ZONE_PER_VCPU   16u
#define ZONE_PAGES      (2u * ZONE_PER_VCPU)
/* Zone page k is lent by the host (VM_LOAD lend flag) when k is even, donated when odd. */
#define ZONE_LENT(k)    (((k) & 1u) == 0)

#define DEV_IPA         0x0a000000ull
#define DEV_SEED        (DEV_IPA + 0x000)    /* read: this pVM's seed */
#define DEV_STEPS       (DEV_IPA + 0x008)    /* read: steps per vCPU */
#define DEV_DRAINED     (DEV_IPA + 0x010)    /* read: 1 if the hypervisor's page pool is
					      * drained (qemu.fuzz.hypercalls_pool_drained) */
#define DEV_PROGRESS    (DEV_IPA + 0x100)    /* write: steps done (an exit now and then) */
#define DEV_FAIL        (DEV_IPA + 0x108)    /* write: a check failed: code << 32 | step */
#define DEV_FAIL_ARG    (DEV_IPA + 0x110)    /* write: a detail of the failure (before it) */
#define DEV_DONE        (DEV_IPA + 0x118)    /* write: this vCPU finished its steps */
#define DEV_NOMEM       (DEV_IPA + 0x120)    /* write: a call got PAL_E_NO_MEMORY: op */

/* Failure codes the pVM reports. */
enum pvm_fail {
	PF_PRIVATE_CHANGED = 1,  /* a private page's pattern changed */
	PF_PRIVATE_FAULT = 2,    /* a private page could not be read */
	PF_UNEXPECTED_RC = 3,    /* a call on its own pages returned another status than its model */
	PF_UNDEFINED_RC = 4,     /* a status outside PAL_OK..PAL_E_CRYPTO */
	PF_OWN_PAGE_FAULT = 5,   /* a zone page it has could not be read */
	PF_GONE_PAGE_READ = 6,   /* a zone page it gave away could still be read */
	PF_ZONE_CHANGED = 7,     /* a zone page it has changed under it */
};

#endif
