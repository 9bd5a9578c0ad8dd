/*
 * palisade run: launches a protected VM from the host VM's Linux through the host
 * driver (/dev/palisade, host-tools/linux) and runs it: loads the images in the
 * canonical order (docs/attestation.md section 1, the same as `palisade measure`),
 * builds the guest device tree with libfdt, starts the pVM, prints its launch
 * measurement, runs one thread per vCPU and connects the pVM's console (an emulated
 * PL011) to stdin/stdout. The pVM's power-off, or SIGINT/SIGTERM/SIGHUP, ends the run;
 * the VM is destroyed either way (and by the driver if this process dies).
 * docs/host-linux.md describes it.
 *
 * Attestation through the host (docs/host-linux.md, "Attestation from a Linux pVM"):
 * `--attest NONCE` appends "palisade.nonce=NONCE" to the kernel command line (so the
 * nonce is in the device tree, and in the launch measurement); `--evidence-out FILE`
 * watches the pVM's console for the framed record the guest tool palisade-guest prints
 * (PALISADE-EVIDENCE-BEGIN/END, run_vmm.h) and writes the evidence to FILE.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "palisade_uapi.h"
#include "run_image.h"
#include "run_vmm.h"

typedef unsigned long long ull;

static const char run_help[] =
"usage: palisade run (--kernel Image [--initrd FILE] | --elf FILE [--with-dtb])\n"
"                    [--cmdline STR] [--mem SIZE] [--mem-base ADDR] [--vcpus N] [--debug]\n"
"                    [--attest NONCE] [--evidence-out FILE] [--device PATH] [--verbose]\n"
"\n"
"Launches a protected VM through /dev/palisade (the Palisade host driver) and runs it,\n"
"its console on this terminal. Run it inside the host VM's Linux, as root.\n"
"\n"
"  --kernel Image      a Linux arm64 Image; with a device tree (and --initrd, --cmdline)\n"
"  --elf FILE          an ELF64 AArch64 executable (no device tree unless --with-dtb)\n"
"  --initrd FILE       initramfs for --kernel\n"
"  --cmdline STR       kernel command line (bootargs), at most 511 bytes\n"
"  --mem SIZE          VM memory, a 2 MiB multiple (default 256M; K, M, G suffixes)\n"
"  --mem-base ADDR     its guest physical base (default 0x80000000)\n"
"  --vcpus N           1..8 (default 1)\n"
"  --debug             policy: debug allowed (reported in attestation)\n"
"  --attest NONCE      hex, 1..64 bytes: appended to the kernel command line as\n"
"                      palisade.nonce=NONCE (measured: give `palisade measure` the\n"
"                      resulting --cmdline); the pVM's palisade-guest attest uses it\n"
"  --evidence-out FILE write the evidence the pVM prints on its console between\n"
"                      PALISADE-EVIDENCE-BEGIN and -END lines (fails if none came)\n"
"  --device PATH       the driver's device (default /dev/palisade)\n"
"  --verbose           more about the launch and the exits on stderr\n"
"\n"
"The same options given to `palisade measure` compute the same launch measurement,\n"
"which this command prints (\"palisade run: launch measurement <hex>\") before the pVM\n"
"runs. Ctrl-C stops the pVM. Exit status: 0 the pVM powered off, 1 a failure,\n"
"2 usage or malformed input, 128+N stopped by signal N.\n";

static double ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) * 1e3 + (double)(t.tv_nsec - t0->tv_nsec) / 1e6;
}

static int load(int vm, uint64_t ipa, uint64_t size, const void *data, uint32_t flags)
{
	struct palisade_load l = {
		.guest_addr = ipa, .size = size, .user_addr = (uint64_t)(uintptr_t)data,
		.flags = flags,
	};

	return ioctl(vm, PALISADE_VM_LOAD, &l);
}

/* Content in the plan's order (lent, measured), then every other page (donated,
 * zeroed by the hypervisor, not measured) in runs. */
static int load_plan(int vm, const struct run_plan *p, char *err, size_t err_size)
{
	uint64_t pages = p->mem_size / RUN_PAGE;
	uint8_t *given = calloc(pages, 1);

	if (!given) {
		snprintf(err, err_size, "out of memory");
		return -1;
	}
	for (unsigned i = 0; i < p->count; i++) {
		const struct run_blob *b = &p->blob[i];
		uint64_t first = (b->ipa - p->mem_base) / RUN_PAGE;
		uint64_t n = (b->size + RUN_PAGE - 1) / RUN_PAGE;

		if (load(vm, b->ipa, b->size, b->data, PALISADE_LOAD_MEASURE | PALISADE_LOAD_LEND)) {
			snprintf(err, err_size, "loading the %s at 0x%llx (%llu bytes): %s", b->what,
				 (ull)b->ipa, (ull)b->size, strerror(errno));
			free(given);
			return -1;
		}
		memset(given + first, 1, n);
	}
	for (uint64_t i = 0; i < pages;) {
		uint64_t n = 0;

		while (i + n < pages && !given[i + n])
			n++;
		if (n && load(vm, p->mem_base + i * RUN_PAGE, n * RUN_PAGE, NULL, 0)) {
			snprintf(err, err_size, "giving memory 0x%llx (%llu pages): %s",
				 (ull)(p->mem_base + i * RUN_PAGE), (ull)n, strerror(errno));
			free(given);
			return -1;
		}
		i += n ? n : 1;
	}
	free(given);
	return 0;
}

/* Writes the evidence the pVM printed (its last complete framed record). */
static int run_evidence_out(const char *path, const struct run_capture *c)
{
	FILE *f;

	if (!c->complete) {
		fprintf(stderr, "palisade run: no evidence record (PALISADE-EVIDENCE-BEGIN .. END) "
			"on the pVM's console: %s not written\n", path);
		return -1;
	}
	f = fopen(path, "wb");
	if (!f || fwrite(c->data, 1, c->len, f) != c->len || fclose(f)) {
		fprintf(stderr, "palisade run: %s: %s\n", path, strerror(errno));
		if (f)
			fclose(f);
		return -1;
	}
	fprintf(stderr, "palisade run: evidence (%zu bytes) written to %s\n", c->len, path);
	return 0;
}

static bool is_hex(const char *s)
{
	size_t n = strlen(s);

	if (n < 2 || n > 128 || n % 2)
		return false;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f') || (*s >= 'A' && *s <= 'F')))
			return false;
	return true;
}

int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "kernel", required_argument, NULL, 'k' },
		{ "elf", required_argument, NULL, 'e' },
		{ "initrd", required_argument, NULL, 'i' },
		{ "cmdline", required_argument, NULL, 'c' },
		{ "with-dtb", no_argument, NULL, 'w' },
		{ "mem", required_argument, NULL, 'm' },
		{ "mem-base", required_argument, NULL, 'b' },
		{ "vcpus", required_argument, NULL, 'n' },
		{ "debug", no_argument, NULL, 'd' },
		{ "device", required_argument, NULL, 'D' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "attest", required_argument, NULL, 'a' },
		{ "evidence-out", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct command *cmd = command_find("run");
	struct run_config cfg = { .mem_base = 0x80000000ull, .mem_size = 256ull << 20, .vcpus = 1 };
	const char *device = PALISADE_DEVICE;
	struct palisade_version ver;
	struct palisade_create_vm cr;
	struct palisade_boot boot;
	struct palisade_start st;
	struct run_stats stats;
	struct run_plan plan;
	struct timespec t0;
	enum run_end end;
	static struct run_capture capture;
	static char cmdline[RUN_CMDLINE_MAX + 64];
	const char *nonce = NULL, *evidence_out = NULL;
	bool verbose = false;
	char err[320];
	int c, dev, vm, status;
	uint64_t v;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'k': cfg.kernel = optarg; break;
		case 'e': cfg.elf = optarg; break;
		case 'i': cfg.initrd = optarg; break;
		case 'c': cfg.cmdline = optarg; break;
		case 'w': cfg.with_dtb = true; break;
		case 'd': cfg.debug = true; break;
		case 'D': device = optarg; break;
		case 'v': verbose = true; break;
		case 'a': nonce = optarg; break;
		case 'o': evidence_out = optarg; break;
		case 'm':
			if (parse_u64(optarg, true, &cfg.mem_size))
				return usage_error(cmd, "--mem '%s': not a size", optarg);
			break;
		case 'b':
			if (parse_u64(optarg, false, &cfg.mem_base))
				return usage_error(cmd, "--mem-base '%s': not an address", optarg);
			break;
		case 'n':
			if (parse_u64(optarg, false, &v) || v < 1 || v > RUN_VCPUS_MAX)
				return usage_error(cmd, "--vcpus '%s': must be 1..%u", optarg, RUN_VCPUS_MAX);
			cfg.vcpus = (unsigned)v;
			break;
		case 'h':
			fputs(run_help, stdout);
			return EXIT_OK;
		default:
			return usage_error(cmd, "bad option");
		}
	}
	if (optind != argc)
		return usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	if (!cfg.kernel == !cfg.elf)
		return usage_error(cmd, "give exactly one of --kernel and --elf");
	if (cfg.initrd && !cfg.kernel)
		return usage_error(cmd, "--initrd goes with --kernel");
	if (cfg.with_dtb && !cfg.elf)
		return usage_error(cmd, "--with-dtb goes with --elf (a Linux kernel always gets one)");
	if (cfg.cmdline && !cfg.kernel && !cfg.with_dtb)
		return usage_error(cmd, "--cmdline needs a device tree (--kernel, or --elf --with-dtb)");
	if (nonce) {
		if (!is_hex(nonce))
			return usage_error(cmd, "--attest '%.20s': 1 to 64 bytes as hex digits", nonce);
		if (!cfg.kernel)
			return usage_error(cmd, "--attest passes the nonce on the kernel command line: "
					   "it goes with --kernel");
		snprintf(cmdline, sizeof(cmdline), "%s%spalisade.nonce=%s", cfg.cmdline ? cfg.cmdline : "",
			 cfg.cmdline && *cfg.cmdline ? " " : "", nonce);
		cfg.cmdline = cmdline;
		fprintf(stderr, "palisade run: command line \"%s\"\n", cmdline);
	}
	if (run_plan_build(&cfg, &plan, err, sizeof(err)))
		return fail_with(EXIT_USAGE, "run: %s", err);

	dev = open(device, O_RDWR | O_CLOEXEC);
	if (dev < 0) {
		status = fail_with(EXIT_CHECK_FAILED, "run: %s: %s (is palisade.ko loaded, and are "
				   "you root in Palisade's host VM?)", device, strerror(errno));
		run_plan_free(&plan);
		return status;
	}
	if (ioctl(dev, PALISADE_GET_VERSION, &ver) || ver.uapi != PALISADE_UAPI_VERSION) {
		status = fail_with(EXIT_CHECK_FAILED, "run: %s: not a Palisade driver this tool "
				   "knows (uapi %u)", device, ioctl(dev, PALISADE_GET_VERSION, &ver) ? 0 : ver.uapi);
		goto out_dev;
	}

	clock_gettime(CLOCK_MONOTONIC, &t0);
	memset(&cr, 0, sizeof(cr));
	cr.vcpus = plan.vcpus;
	cr.flags = plan.debug ? PALISADE_VM_DEBUG : 0;
	cr.mem_base = plan.mem_base;
	cr.mem_size = plan.mem_size;
	vm = ioctl(dev, PALISADE_CREATE_VM, &cr);
	if (vm < 0) {
		status = fail_with(EXIT_CHECK_FAILED, "run: creating the VM (%u vCPU(s), %llu MiB at "
				   "0x%llx): %s", plan.vcpus, (ull)(plan.mem_size >> 20),
				   (ull)plan.mem_base, strerror(errno));
		goto out_dev;
	}
	if (load_plan(vm, &plan, err, sizeof(err))) {
		status = fail_with(EXIT_CHECK_FAILED, "run: VM %u: %s", cr.vm_id, err);
		goto out_vm;
	}
	boot.entry = plan.entry;
	boot.arg = plan.x0;
	if (ioctl(vm, PALISADE_VM_SET_BOOT, &boot)) {
		status = fail_with(EXIT_CHECK_FAILED, "run: VM %u: setting the entry 0x%llx: %s",
				   cr.vm_id, (ull)plan.entry, strerror(errno));
		goto out_vm;
	}
	if (ioctl(vm, PALISADE_VM_START, &st)) {
		status = fail_with(EXIT_CHECK_FAILED, "run: VM %u: start: %s", cr.vm_id, strerror(errno));
		goto out_vm;
	}
	fprintf(stderr, "palisade run: VM %u launched in %.0f ms: %u vCPU(s), %llu MiB at 0x%llx, "
		"%llu content pages, entry 0x%llx, x0 0x%llx\n", cr.vm_id, ms_since(&t0), plan.vcpus,
		(ull)(plan.mem_size >> 20), (ull)plan.mem_base, (ull)run_plan_content_pages(&plan),
		(ull)plan.entry, (ull)plan.x0);
	fprintf(stderr, "palisade run: launch measurement ");
	for (unsigned i = 0; i < sizeof(st.measurement); i++)
		fprintf(stderr, "%02x", st.measurement[i]);
	fprintf(stderr, "\n");
	fflush(stderr);
	run_plan_free(&plan);   /* the content is the VM's now: no need to keep a copy */

	memset(&capture, 0, sizeof(capture));
	end = run_vmm(vm, cr.vcpus, ver.caps, verbose, &stats, evidence_out ? &capture : NULL);
	switch (end) {
	case RUN_END_POWEROFF:
		status = EXIT_OK;
		fprintf(stderr, "palisade run: VM %u powered off\n", cr.vm_id);
		break;
	case RUN_END_RESET:
		status = EXIT_OK;
		fprintf(stderr, "palisade run: VM %u asked for a reset; not supported: stopped\n",
			cr.vm_id);
		break;
	case RUN_END_SIGNAL:
		status = 128 + stats.signal;
		fprintf(stderr, "palisade run: stopping VM %u (signal %d)\n", cr.vm_id, stats.signal);
		break;
	default:
		status = EXIT_CHECK_FAILED;
		fprintf(stderr, "palisade run: VM %u: %s\n", cr.vm_id, stats.error);
		break;
	}
	if (verbose)
		fprintf(stderr, "palisade run: exits: %llu MMIO (%llu console, %llu nothing), "
			"%llu CPU_ON, %llu CPU_OFF\n", (ull)stats.exits_mmio, (ull)stats.exits_uart,
			(ull)stats.exits_unknown_mmio, (ull)stats.cpu_on, (ull)stats.cpu_off);
	if (evidence_out && status == EXIT_OK && run_evidence_out(evidence_out, &capture))
		status = EXIT_CHECK_FAILED;
out_vm:
	if (ioctl(vm, PALISADE_VM_DESTROY, 0) && errno != ENODEV) {
		fprintf(stderr, "palisade run: destroying VM %u: %s\n", cr.vm_id, strerror(errno));
		status = EXIT_CHECK_FAILED;
	}
	close(vm);
out_dev:
	close(dev);
	run_plan_free(&plan);
	return status;
}
