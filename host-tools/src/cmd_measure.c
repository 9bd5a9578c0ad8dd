/*
 * palisade measure: the expected hypervisor measurement and launch measurement of a VM,
 * computed offline from the same files, and the reference-values file verify reads.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "fileio.h"
#include "hex.h"
#include "hypimage.h"
#include "json.h"
#include "vmimage.h"

#define HYP_READ_MAX (64u << 20)

static const char help[] =
"usage: palisade measure --hyp palisade-hyp.bin\n"
"           [--kernel Image [--initrd FILE] [--cmdline STR] | --elf FILE | --raw FILE@ADDR]\n"
"           [--with-dtb] [--mem SIZE] [--mem-base ADDR] [--vcpus N] [--debug]\n"
"           [--out reference.json] [--dtb-out FILE] [--records FILE] [--json]\n"
"\n"
"Computes, with OpenSSL and independently of the hypervisor, what a Palisade device will\n"
"report (docs/attestation.md):\n"
"  hyp_measurement     SHA-384 of the hypervisor image, after checking its header\n"
"  launch_measurement  of a protected VM built from the given image, memory and vCPUs,\n"
"                      loaded in the canonical order: image pages, initrd, device tree,\n"
"                      BOOT, SEAL\n"
"Placement and the device tree are the launcher's (the portable loader library).\n"
"\n"
"options:\n"
"  --hyp FILE          the hypervisor's flat image (header \"PALHYP01\")\n"
"  --kernel FILE       a Linux arm64 Image: placed at mem-base + text_offset, with a\n"
"                      generated device tree in the top 2 MiB of memory\n"
"  --initrd FILE       Linux: an initramfs, placed just below the device-tree window\n"
"  --cmdline STR       the kernel command line (/chosen/bootargs), at most 511 bytes\n"
"  --elf FILE          an ELF64 AArch64 executable: PT_LOAD segments at p_paddr\n"
"  --raw FILE@ADDR     a raw binary loaded (and entered) at ADDR\n"
"  --with-dtb          ELF and raw: load the generated device tree too (x0 = its address)\n"
"  --mem SIZE          VM memory, a multiple of 2 MiB (default 256M; K, M, G suffixes)\n"
"  --mem-base ADDR     VM memory base IPA, 2 MiB aligned, >= 1 GiB (default 0x80000000)\n"
"  --vcpus N           1..8 (default 1)\n"
"  --debug             the VM's policy allows debug (policy bit 0)\n"
"  --out FILE          write reference values (JSON, section 7) for 'palisade verify'\n"
"  --dtb-out FILE      write the generated device tree\n"
"  --records FILE      write every measurement record, one per line (hex), for comparing\n"
"                      with the hypervisor's log\n"
"  --json              print the result as JSON (the reference object)\n"
"\n"
"Exit status: 0 done, 2 usage error or unreadable or invalid input.\n";

static void blob_json(struct json_writer *w, const char *key, const char *file,
		      const struct vm_blob *b)
{
	jw_key(w, key);
	jw_object(w);
	if (file) {
		jw_key(w, "file");
		jw_string(w, file);
	}
	jw_key(w, "ipa");
	jw_hex64(w, b->ipa);
	jw_key(w, "size");
	jw_uint(w, b->size);
	jw_key(w, "sha384");
	jw_hex(w, b->sha384, SHA384_LEN);
	jw_object_end(w);
}

static void write_reference(FILE *f, const char *hyp_path, const struct hyp_image *hyp,
			    const struct vm_config *vc, const struct vm_measurement *vm)
{
	struct json_writer w;

	jw_init(&w, f);
	jw_object(&w);
	jw_key(&w, "version");
	jw_uint(&w, 1);
	jw_key(&w, "hyp_measurements");
	jw_array(&w);
	jw_hex(&w, hyp->measurement, SHA384_LEN);
	jw_array_end(&w);
	jw_key(&w, "launch_measurements");
	jw_array(&w);
	if (vm)
		jw_hex(&w, vm->value, SHA384_LEN);
	jw_array_end(&w);
	jw_key(&w, "inputs");
	jw_object(&w);
	jw_key(&w, "tool");
	jw_string(&w, "palisade measure " PALISADE_VERSION_STRING);
	jw_key(&w, "hypervisor");
	jw_object(&w);
	jw_key(&w, "file");
	jw_string(&w, hyp_path);
	jw_key(&w, "image_size");
	jw_uint(&w, hyp->image_size);
	jw_key(&w, "svn");
	jw_uint(&w, hyp->svn);
	jw_object_end(&w);
	if (vm) {
		jw_key(&w, "vm");
		jw_object(&w);
		jw_key(&w, "format");
		jw_string(&w, vm_format_name(vc->format));
		jw_key(&w, "mem_base");
		jw_hex64(&w, vc->mem_base);
		jw_key(&w, "mem_size");
		jw_hex64(&w, vc->mem_size);
		jw_key(&w, "vcpus");
		jw_uint(&w, vc->vcpus);
		jw_key(&w, "debug");
		jw_bool(&w, vc->debug);
		jw_key(&w, "policy");
		jw_uint(&w, vm->policy);
		blob_json(&w, vc->format == VM_FORMAT_LINUX ? "kernel" : "image", vc->image,
			  &vm->image);
		if (vm->initrd.present)
			blob_json(&w, "initrd", vc->initrd, &vm->initrd);
		if (vc->cmdline) {
			jw_key(&w, "cmdline");
			jw_string(&w, vc->cmdline);
		}
		if (vm->dtb.present)
			blob_json(&w, "dtb", NULL, &vm->dtb);
		jw_key(&w, "entry");
		jw_hex64(&w, vm->entry);
		jw_key(&w, "x0");
		jw_hex64(&w, vm->x0);
		jw_key(&w, "pages");
		jw_uint(&w, vm->pages);
		jw_key(&w, "records");
		jw_uint(&w, vm->records);
		jw_object_end(&w);
	}
	jw_object_end(&w);
	jw_object_end(&w);
	jw_finish(&w);
}

static void print_text(const char *hyp_path, const struct hyp_image *hyp,
		       const struct vm_config *vc, const struct vm_measurement *vm)
{
	char hex[2 * SHA384_LEN + 1];

	hex_encode(hyp->measurement, SHA384_LEN, hex);
	printf("hypervisor  %s: %llu bytes, svn %u\n", hyp_path,
	       (unsigned long long)hyp->image_size, hyp->svn);
	printf("  hyp_measurement     %s\n", hex);
	if (!vm)
		return;
	printf("vm          %s, %llu MiB at 0x%llx, %u vCPU%s, debug %s\n",
	       vm_format_name(vc->format), (unsigned long long)(vc->mem_size >> 20),
	       (unsigned long long)vc->mem_base, vc->vcpus, vc->vcpus > 1 ? "s" : "",
	       vc->debug ? "allowed" : "off");
	printf("  %-8s 0x%-12llx %10llu bytes  %s\n", vc->format == VM_FORMAT_LINUX ? "kernel" :
	       "image", (unsigned long long)vm->image.ipa, (unsigned long long)vm->image.size,
	       vc->image);
	if (vm->initrd.present)
		printf("  %-8s 0x%-12llx %10llu bytes  %s\n", "initrd",
		       (unsigned long long)vm->initrd.ipa, (unsigned long long)vm->initrd.size,
		       vc->initrd);
	if (vm->dtb.present)
		printf("  %-8s 0x%-12llx %10llu bytes  (generated)\n", "dtb",
		       (unsigned long long)vm->dtb.ipa, (unsigned long long)vm->dtb.size);
	printf("  entry 0x%llx, x0 0x%llx; %llu pages, %llu records\n",
	       (unsigned long long)vm->entry, (unsigned long long)vm->x0,
	       (unsigned long long)vm->pages, (unsigned long long)vm->records);
	hex_encode(vm->value, SHA384_LEN, hex);
	printf("  launch_measurement  %s\n", hex);
}

int cmd_measure(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "hyp", required_argument, NULL, 'H' },
		{ "kernel", required_argument, NULL, 'k' },
		{ "initrd", required_argument, NULL, 'i' },
		{ "cmdline", required_argument, NULL, 'c' },
		{ "elf", required_argument, NULL, 'e' },
		{ "raw", required_argument, NULL, 'r' },
		{ "with-dtb", no_argument, NULL, 'w' },
		{ "mem", required_argument, NULL, 'm' },
		{ "mem-base", required_argument, NULL, 'b' },
		{ "vcpus", required_argument, NULL, 'v' },
		{ "debug", no_argument, NULL, 'd' },
		{ "out", required_argument, NULL, 'o' },
		{ "dtb-out", required_argument, NULL, 'D' },
		{ "records", required_argument, NULL, 'R' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct command *cmd = command_find("measure");
	struct vm_config vc = { .mem_base = 0x80000000ull, .mem_size = 256ull << 20, .vcpus = 1 };
	const char *hyp_path = NULL, *out_path = NULL, *records_path = NULL;
	unsigned images = 0;
	bool json = false;
	uint8_t *hyp_file = NULL;
	size_t hyp_len = 0;
	struct hyp_image hyp;
	struct vm_measurement vm;
	char err[512], *raw_spec = NULL;
	int c, status = EXIT_USAGE;
	uint64_t v;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'H': hyp_path = optarg; break;
		case 'k': vc.format = VM_FORMAT_LINUX; vc.image = optarg; images++; break;
		case 'e': vc.format = VM_FORMAT_ELF; vc.image = optarg; images++; break;
		case 'r': vc.format = VM_FORMAT_RAW; raw_spec = optarg; images++; break;
		case 'i': vc.initrd = optarg; break;
		case 'c': vc.cmdline = optarg; break;
		case 'w': vc.with_dtb = true; break;
		case 'd': vc.debug = true; break;
		case 'o': out_path = optarg; break;
		case 'D': vc.dtb_out = optarg; break;
		case 'R': records_path = optarg; break;
		case 'j': json = true; break;
		case 'm':
			if (parse_u64(optarg, true, &vc.mem_size))
				return usage_error(cmd, "--mem '%s': not a size", optarg);
			break;
		case 'b':
			if (parse_u64(optarg, true, &vc.mem_base))
				return usage_error(cmd, "--mem-base '%s': not an address", optarg);
			break;
		case 'v':
			if (parse_u64(optarg, false, &v) || v < 1 || v > VM_VCPUS_MAX)
				return usage_error(cmd, "--vcpus '%s': must be 1..%u", optarg,
						   VM_VCPUS_MAX);
			vc.vcpus = (unsigned)v;
			break;
		case 'h':
			fputs(help, stdout);
			return EXIT_OK;
		default:
			return usage_error(cmd, "unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	if (optind != argc)
		return usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	if (!hyp_path)
		return usage_error(cmd, "--hyp is required");
	if (images > 1)
		return usage_error(cmd, "give one VM image: --kernel, --elf or --raw");
	if (vc.initrd && vc.format != VM_FORMAT_LINUX)
		return usage_error(cmd, "--initrd goes with --kernel");
	if (vc.with_dtb && (vc.format == VM_FORMAT_LINUX || !images))
		return usage_error(cmd, "--with-dtb goes with --elf or --raw (a Linux VM always "
				   "gets a device tree)");
	if (vc.cmdline && vc.format != VM_FORMAT_LINUX && !vc.with_dtb)
		return usage_error(cmd, "--cmdline needs a device tree: --kernel, or --with-dtb");
	if (!images && (out_path || vc.dtb_out || records_path))
		return usage_error(cmd, "--out, --dtb-out and --records need a VM image (--kernel, "
				   "--elf or --raw): reference values hold a launch measurement");
	if (vc.dtb_out && vc.format != VM_FORMAT_LINUX && !vc.with_dtb)
		return usage_error(cmd, "--dtb-out: this VM gets no device tree (add --with-dtb)");
	if (raw_spec) {
		char *at = strrchr(raw_spec, '@');

		if (!at || at == raw_spec || parse_u64(at + 1, false, &vc.raw_addr))
			return usage_error(cmd, "--raw '%s': expected FILE@ADDR", raw_spec);
		*at = '\0';
		vc.image = raw_spec;
	}

	if (file_read(hyp_path, HYP_READ_MAX, &hyp_file, &hyp_len, err, sizeof(err))) {
		status = fail_with(EXIT_USAGE, "measure: %s", err);
		goto out;
	}
	if (hyp_image_measure(hyp_file, hyp_len, &hyp, err, sizeof(err))) {
		status = fail_with(EXIT_USAGE, "measure: %s: %s", hyp_path, err);
		goto out;
	}
	if (images) {
		FILE *trace = NULL;

		if (records_path && !(trace = fopen(records_path, "w"))) {
			snprintf(err, sizeof(err), "%s: cannot create", records_path);
			status = fail_with(EXIT_USAGE, "measure: %s", err);
			goto out;
		}
		vc.trace = trace;
		c = vm_measure(&vc, &vm, err, sizeof(err));
		if (trace && fclose(trace) && !c) {
			snprintf(err, sizeof(err), "%s: write failed", records_path);
			c = -1;
		}
		if (c) {
			status = fail_with(EXIT_USAGE, "measure: %s", err);
			goto out;
		}
	}
	if (out_path) {
		char *buf = NULL;
		size_t len = 0;
		FILE *mem = open_memstream(&buf, &len);

		if (!mem) {
			status = fail_with(EXIT_USAGE, "measure: out of memory");
			goto out;
		}
		write_reference(mem, hyp_path, &hyp, &vc, &vm);
		fclose(mem);
		c = file_write_replace(out_path, buf, len, err, sizeof(err));
		free(buf);
		if (c) {
			status = fail_with(EXIT_USAGE, "measure: %s", err);
			goto out;
		}
	}
	if (json) {
		write_reference(stdout, hyp_path, &hyp, &vc, images ? &vm : NULL);
	} else {
		print_text(hyp_path, &hyp, &vc, images ? &vm : NULL);
		if (out_path)
			printf("reference values written to %s\n", out_path);
	}
	status = EXIT_OK;
out:
	file_free(hyp_file);
	return status;
}
