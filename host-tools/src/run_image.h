/*
 * What `palisade run` loads into a protected VM, in the canonical load order of
 * docs/attestation.md section 1 (the order `palisade measure` and the hypervisor's boot
 * manifest path use, so all three agree on the launch measurement): a list of content
 * blobs (guest address, bytes; the last page of each zero-padded), the entry point and
 * x0. Placement comes from the portable loader library (loader_guest_layout,
 * guest_fdt_build, elf_image), exactly as in host-tools/src/vmimage.c. No OpenSSL.
 */
#ifndef PALISADE_RUN_IMAGE_H
#define PALISADE_RUN_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RUN_VCPUS_MAX    8
#define RUN_CMDLINE_MAX  511            /* MANIFEST_BOOTARGS_MAX - 1 */
#define RUN_PAGE         4096u

struct run_config {
	const char *kernel;             /* Linux arm64 Image, or NULL */
	const char *elf;                /* ELF64 AArch64 executable, or NULL */
	const char *initrd;             /* Linux only */
	const char *cmdline;            /* bootargs (Linux, or ELF with a device tree) */
	bool with_dtb;                  /* ELF: load a device tree too (Linux: always) */
	uint64_t mem_base, mem_size;
	unsigned vcpus;
	bool debug;                     /* policy: debug allowed */
};

struct run_blob {
	const char *what;               /* "kernel", "initrd", "device tree", "ELF" */
	uint64_t ipa;                   /* page aligned */
	uint64_t size;                  /* bytes of content (> 0) */
	uint8_t *data;                  /* owned by the plan */
};

struct run_plan {
	struct run_blob blob[24];       /* in load order */
	unsigned count;
	uint64_t entry, x0;
	uint64_t mem_base, mem_size;
	unsigned vcpus;
	bool debug;
};

/* Checks the configuration, reads the files, lays the VM out. Returns 0, or -1 with a
 * one-line reason in err. */
int run_plan_build(const struct run_config *cfg, struct run_plan *plan, char *err,
		   size_t err_size);
void run_plan_free(struct run_plan *plan);

/* Content pages of the plan (each blob's size rounded up to pages). */
uint64_t run_plan_content_pages(const struct run_plan *plan);

/* Reads a whole file (at most 'max' bytes) into a fresh buffer. Returns 0 or -1 with a
 * reason. */
int run_read_file(const char *path, size_t max, uint8_t **data, size_t *len, char *err,
		  size_t err_size);

#endif
