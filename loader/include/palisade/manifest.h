/*
 * The boot manifest: a device tree (compatible "palisade,manifest-v1") that names the
 * VMs the hypervisor starts at boot. docs/manifest.md is the specification; this parser
 * is its reference. Portable (EL2 and host unit tests), no allocation, no recursion.
 *
 * The parser validates every byte it uses and fails closed: an unknown node or property,
 * a malformed value, an overlap or an image outside RAM rejects the whole manifest with
 * a one-line message naming the node and property ("vm@2: memory: ...").
 */
#ifndef PALISADE_MANIFEST_H
#define PALISADE_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "palisade/addr.h"
#include "palisade/pa_range.h"
#include "palisade/vmid.h"

#define MANIFEST_COMPATIBLE     "palisade,manifest-v1"
#define MANIFEST_MAX_SIZE       (64u * 1024)        /* larger blobs are rejected */
#define MANIFEST_MAX_VMS        8
#define MANIFEST_MAX_VCPUS      8
#define MANIFEST_BOOTARGS_MAX   512                 /* bytes, including the NUL */
#define MANIFEST_MEM_ALIGN      ((uint64_t)2 << 20) /* guest memory base and size */
#define MANIFEST_IMAGE_ALIGN    PAGE_SIZE           /* kernel and initrd load addresses */
#define MANIFEST_FDT_WINDOW     ((uint64_t)2 << 20) /* a VM's device tree: top 2 MiB */
/* A guest's IPA space: devices below 1 GiB (as on QEMU virt), memory from 1 GiB to 1 TiB. */
#define MANIFEST_GUEST_IPA_MIN  ((uint64_t)1 << 30)
#define MANIFEST_GUEST_IPA_LIMIT ((uint64_t)1 << 40)
#define MANIFEST_MAX_LIMIT_RANGES 8                 /* per list in struct manifest_limits */
#define MANIFEST_MAX_HIDDEN     (2 * MANIFEST_MAX_LIMIT_RANGES)
#define MANIFEST_MAX_HOST_RANGES (MANIFEST_MAX_LIMIT_RANGES + MANIFEST_MAX_HIDDEN)

enum manifest_role {
	MANIFEST_ROLE_HOST = 1,
	MANIFEST_ROLE_GUEST = 2,
};

enum manifest_console {
	MANIFEST_CONSOLE_UART = 1,     /* the physical PL011 (host only) */
	MANIFEST_CONSOLE_VIRTUAL = 2,  /* the hypervisor's multiplexed console (guests) */
};

struct manifest_vm {
	char node[16];                 /* "vm@2": the name messages use */
	vm_id_t id;                    /* VM_ID_HOST, or VM_ID_FIRST_GUEST .. VM_ID_LIMIT-1 */
	enum manifest_role role;
	bool is_protected;             /* guests only: memory never reachable by the host */
	bool debug;                    /* guests only: policy bit, reported in attestation */
	unsigned vcpus;                /* 1 .. MANIFEST_MAX_VCPUS */

	/* Guests: IPA range and the RAM backing it (placed by the parser, contiguous,
	 * 2 MiB aligned). The host: all zero; its memory is manifest.host_mem, IPA == PA. */
	ipaddr_t mem_ipa;
	uint64_t mem_size;
	paddr_t mem_pa;

	/* Where QEMU's -device loader put the images (sizes as given: file sizes). */
	struct pa_range kernel;
	bool has_initrd;
	struct pa_range initrd;

	enum manifest_console console;
	char bootargs[MANIFEST_BOOTARGS_MAX];   /* "" when absent */
};

struct manifest {
	struct manifest_vm vms[MANIFEST_MAX_VMS];
	unsigned count;
	unsigned host;                 /* index of the host VM in vms[] */

	/* RAM the host must not see: the reserved ranges, then each guest's backing. */
	struct pa_range hidden[MANIFEST_MAX_HIDDEN];
	unsigned hidden_count;
	/* The host's memory: RAM minus hidden, ascending, IPA == PA. */
	struct pa_range host_mem[MANIFEST_MAX_HOST_RANGES];
	unsigned host_mem_count;
	/* Where the hypervisor writes the host's device tree: the highest 2 MiB-aligned
	 * 2 MiB of host memory that holds no image and no boot input. */
	paddr_t host_fdt;
};

/* What the parser checks the manifest against. Each list holds at most
 * MANIFEST_MAX_LIMIT_RANGES page-aligned ranges. */
struct manifest_limits {
	const struct pa_range *ram;        /* the machine's RAM (boot DT memory nodes) */
	unsigned ram_count;
	const struct pa_range *reserved;   /* the hypervisor's: image, page pool */
	unsigned reserved_count;
	/* Boot inputs still needed while VMs are set up (the boot DTB, the manifest): images,
	 * guest memory and device-tree windows must avoid them; they stay host memory. */
	const struct pa_range *inputs;
	unsigned inputs_count;
	unsigned cpu_count;                /* physical CPUs; the host's vcpus may not exceed it */
};

/*
 * Parses and validates the manifest blob at 'blob' (at most 'size' bytes may be read;
 * the blob must be 8-byte aligned) against 'lim', then places each guest's memory in
 * RAM. Returns 0, or a negative pal_status_t with a one-line reason in err:
 *   PAL_E_INVALID   malformed blob, unknown or malformed node or property, bad limits
 *   PAL_E_RANGE     an address range out of bounds, misaligned or overlapping
 *   PAL_E_NO_MEMORY no room in RAM for a guest's memory
 * On failure *out is zeroed.
 */
int manifest_parse(const void *blob, size_t size, const struct manifest_limits *lim,
		   struct manifest *out, char *err, size_t err_size);

/* The host VM's entry. */
static inline const struct manifest_vm *manifest_host(const struct manifest *m)
{
	return &m->vms[m->host];
}

#endif /* PALISADE_MANIFEST_H */
