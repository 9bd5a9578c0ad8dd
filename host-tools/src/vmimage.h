/*
 * The expected launch measurement of a VM from its images and configuration, in the
 * canonical load order of docs/attestation.md section 1. Placement and the device tree
 * are the launcher's policy and come from the portable loader library (the same code the
 * hypervisor runs: loader_guest_layout, guest_fdt_build, elf_image); the records and the
 * hashing are this tool's own (launch.c, OpenSSL).
 */
#ifndef PALISADE_VMIMAGE_H
#define PALISADE_VMIMAGE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "keys.h"

enum vm_format { VM_FORMAT_LINUX = 1, VM_FORMAT_ELF, VM_FORMAT_RAW };

#define VM_VCPUS_MAX     8                      /* MANIFEST_MAX_VCPUS */
#define VM_MEM_ALIGN     ((uint64_t)2 << 20)
#define VM_IPA_MIN       ((uint64_t)1 << 30)
#define VM_IPA_LIMIT     ((uint64_t)1 << 40)
#define VM_CMDLINE_MAX   511                    /* MANIFEST_BOOTARGS_MAX - 1 */

struct vm_config {
	enum vm_format format;
	const char *image;          /* kernel Image, ELF or raw file */
	uint64_t raw_addr;          /* raw: load address (and entry) */
	const char *initrd;         /* Linux only; NULL for none */
	const char *cmdline;        /* bootargs; NULL for none */
	bool with_dtb;              /* ELF and raw: load a device tree too (Linux always) */
	uint64_t mem_base, mem_size;
	unsigned vcpus;
	bool debug;
	const char *dtb_out;        /* write the generated device tree here (may be NULL) */
	FILE *trace;                /* one line per record (may be NULL) */
};

struct vm_blob {
	bool present;
	uint64_t ipa;
	uint64_t size;              /* bytes of content (file size, DTB totalsize) */
	uint8_t sha384[SHA384_LEN]; /* of those bytes */
};

struct vm_measurement {
	uint8_t value[SHA384_LEN];
	uint64_t entry, x0, policy;
	uint64_t pages, records;
	struct vm_blob image, initrd, dtb;
};

/*
 * Checks the configuration (memory 2 MiB aligned inside [1 GiB, 1 TiB), 1..8 vCPUs,
 * command line length), reads the files and measures the VM.
 * Returns 0, or -1 with a one-line reason in err.
 */
int vm_measure(const struct vm_config *cfg, struct vm_measurement *out, char *err,
	       size_t err_size);

const char *vm_format_name(enum vm_format f);

#endif
