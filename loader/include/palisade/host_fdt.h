/*
 * The host VM's device tree: QEMU's boot device tree, rewritten (libfdt read-write API)
 * so that the host sees its own memory only, the devices passed through to it, PSCI
 * through the hypervisor, its vCPUs and its boot payloads. docs/manifest.md ("What the
 * host sees") gives each change and why. Portable; writes only into the caller's buffer.
 */
#ifndef PALISADE_HOST_FDT_H
#define PALISADE_HOST_FDT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "palisade/linux_image.h"
#include "palisade/manifest.h"
#include "palisade/pa_range.h"

#define HOST_FDT_MAX_REMOVE      MANIFEST_MAX_HIDDEN
#define HOST_FDT_MAX_MEM_RANGES  32   /* reg entries of one memory node, after splitting */
#define HOST_FDT_BOOTARGS_MAX    2048 /* Linux arm64 COMMAND_LINE_SIZE */
#define HOST_FDT_STDOUT_MAX      128

struct host_fdt_config {
	const struct pa_range *remove;  /* RAM the host must not see */
	unsigned remove_count;          /* at most HOST_FDT_MAX_REMOVE */
	unsigned vcpus;                 /* keep the first N cpu nodes (1..8) */
	const char *bootargs;           /* NULL or "": no bootargs (the boot ones are dropped) */
	bool has_initrd;
	paddr_t initrd_start;
	paddr_t initrd_end;             /* exclusive */
};

/* Fills cfg from a parsed manifest: hides manifest.hidden, the host's vCPUs, bootargs
 * and initrd (in place: IPA == PA). */
void host_fdt_config_init(struct host_fdt_config *cfg, const struct manifest *m);

/*
 * Rewrites the boot device tree 'in' (at most in_size bytes read) into 'out' (out_size
 * bytes; 8-byte aligned; must not overlap 'in'), packs it and checks it with
 * fdt_check_full. Returns 0, or a negative pal_status_t with a reason in err:
 *   PAL_E_INVALID   malformed input tree or configuration
 *   PAL_E_RANGE     more vcpus than cpu nodes, or no host memory left
 *   PAL_E_NO_MEMORY the output buffer is too small
 */
int host_fdt_build(const void *in, size_t in_size, const struct host_fdt_config *cfg,
		   void *out, size_t out_size, char *err, size_t err_size);

#endif /* PALISADE_HOST_FDT_H */
