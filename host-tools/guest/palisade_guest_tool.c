/*
 * palisade-guest: attestation from inside a Linux protected VM, through the guest
 * driver /dev/palisade-guest (host-tools/linux-guest). Static arm64 binary for the pVM's
 * initramfs; libc only (no OpenSSL: the pVM only asks, the verifier checks).
 *
 *   palisade-guest attest [--nonce HEX] [--out FILE]
 *       report_data = the nonce (1..64 bytes, zero-padded to 64); without --nonce, the
 *       palisade.nonce=HEX parameter of the kernel command line (/proc/cmdline). Prints
 *       the evidence framed on stdout (the pVM's console carries it to the host:
 *       `palisade run --attest NONCE --evidence-out FILE` collects it):
 *         PALISADE-EVIDENCE-BEGIN <bytes>
 *         <hex, 32 bytes a line>
 *         PALISADE-EVIDENCE-END
 *       and with --out also writes the raw evidence to FILE.
 *   palisade-guest extend --index N --digest HEX     (N 0..3, a 48-byte digest)
 *   palisade-guest read --index N                    (0..3 a register, 4 the launch
 *                                                     measurement; hex on stdout)
 * Exit status 0 done, 1 the driver or hypervisor refused, 2 usage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "palisade_guest_uapi.h"

static int usage(const char *msg)
{
	if (msg)
		fprintf(stderr, "palisade-guest: %s\n", msg);
	fprintf(stderr, "usage: palisade-guest attest [--nonce HEX] [--out FILE]\n"
		"       palisade-guest extend --index N --digest HEX\n"
		"       palisade-guest read --index N\n");
	return 2;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Returns the bytes decoded, -1 if not hex or longer than max. */
static int unhex(const char *s, unsigned char *out, size_t max)
{
	size_t n = strlen(s);

	if (n % 2 || n / 2 > max)
		return -1;
	for (size_t i = 0; i < n / 2; i++) {
		int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return (int)(n / 2);
}

static void print_hex(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		printf("%02x", p[i]);
	printf("\n");
}

/* palisade.nonce=HEX from the kernel command line, or NULL. */
static char *cmdline_nonce(void)
{
	static char buf[4096];
	FILE *f = fopen("/proc/cmdline", "r");
	char *p, *e;
	size_t n;

	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	for (p = buf; (p = strstr(p, "palisade.nonce=")); p++) {
		if (p != buf && p[-1] != ' ')
			continue;
		p += strlen("palisade.nonce=");
		for (e = p; *e && *e != ' ' && *e != '\n'; e++)
			;
		*e = 0;
		return p;
	}
	return NULL;
}

static int open_dev(void)
{
	int fd = open(PALISADE_GUEST_DEVICE, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		fprintf(stderr, "palisade-guest: %s: %s (is palisade-guest.ko loaded, and is "
			"this a Palisade protected VM?)\n", PALISADE_GUEST_DEVICE, strerror(errno));
	return fd;
}

static const char *opt(int argc, char **argv, const char *name)
{
	for (int i = 2; i + 1 < argc; i++)
		if (!strcmp(argv[i], name))
			return argv[i + 1];
	return NULL;
}

static int check_opts(int argc, char **argv, const char *const *known)
{
	for (int i = 2; i < argc; i += 2) {
		int ok = 0;

		for (const char *const *k = known; *k; k++)
			ok |= !strcmp(argv[i], *k);
		if (!ok || i + 1 >= argc)
			return -1;
	}
	return 0;
}

static int cmd_attest(int argc, char **argv)
{
	static const char *const known[] = { "--nonce", "--out", NULL };
	static struct palisade_guest_report_req req;
	const char *nonce = opt(argc, argv, "--nonce"), *out = opt(argc, argv, "--out");
	int fd, n;

	if (check_opts(argc, argv, known))
		return usage("attest: bad option");
	if (!nonce)
		nonce = cmdline_nonce();
	if (!nonce)
		return usage("attest: no --nonce and no palisade.nonce= on the kernel command line");
	n = unhex(nonce, req.report_data, sizeof(req.report_data));
	if (n < 1)
		return usage("attest: the nonce must be 1 to 64 bytes as hex digits");
	fd = open_dev();
	if (fd < 0)
		return 1;
	if (ioctl(fd, PALISADE_GUEST_GET_REPORT, &req)) {
		fprintf(stderr, "palisade-guest: GET_REPORT: %s\n", strerror(errno));
		close(fd);
		return 1;
	}
	close(fd);
	if (out) {
		FILE *f = fopen(out, "wb");

		if (!f || fwrite(req.evidence, 1, req.evidence_len, f) != req.evidence_len ||
		    fclose(f)) {
			fprintf(stderr, "palisade-guest: %s: %s\n", out, strerror(errno));
			return 1;
		}
	}
	printf("PALISADE-EVIDENCE-BEGIN %u\n", req.evidence_len);
	for (unsigned i = 0; i < req.evidence_len; i += 32)
		print_hex(req.evidence + i, req.evidence_len - i < 32 ? req.evidence_len - i : 32);
	printf("PALISADE-EVIDENCE-END\n");
	fflush(stdout);
	return 0;
}

static int parse_index(const char *s, unsigned max)
{
	char *e;
	unsigned long v;

	if (!s)
		return -1;
	v = strtoul(s, &e, 0);
	return (*s && !*e && v <= max) ? (int)v : -1;
}

static int cmd_extend(int argc, char **argv)
{
	static const char *const known[] = { "--index", "--digest", NULL };
	struct palisade_guest_extend_req req = { 0 };
	const char *digest = opt(argc, argv, "--digest");
	int idx = parse_index(opt(argc, argv, "--index"), PALISADE_GUEST_RMR_COUNT - 1), fd;

	if (check_opts(argc, argv, known))
		return usage("extend: bad option");
	if (idx < 0)
		return usage("extend: --index must be 0..3");
	if (!digest || unhex(digest, req.digest, sizeof(req.digest)) != (int)sizeof(req.digest))
		return usage("extend: --digest must be 48 bytes (96 hex digits)");
	req.index = (unsigned)idx;
	fd = open_dev();
	if (fd < 0)
		return 1;
	if (ioctl(fd, PALISADE_GUEST_EXTEND_RMR, &req)) {
		fprintf(stderr, "palisade-guest: EXTEND_RMR %d: %s\n", idx, strerror(errno));
		close(fd);
		return 1;
	}
	close(fd);
	return 0;
}

static int cmd_read(int argc, char **argv)
{
	static const char *const known[] = { "--index", NULL };
	struct palisade_guest_measurement_req req = { 0 };
	int idx = parse_index(opt(argc, argv, "--index"), PALISADE_GUEST_LAUNCH_INDEX), fd;

	if (check_opts(argc, argv, known))
		return usage("read: bad option");
	if (idx < 0)
		return usage("read: --index must be 0..4");
	req.index = (unsigned)idx;
	fd = open_dev();
	if (fd < 0)
		return 1;
	if (ioctl(fd, PALISADE_GUEST_READ_MEASUREMENT, &req)) {
		fprintf(stderr, "palisade-guest: READ_MEASUREMENT %d: %s\n", idx, strerror(errno));
		close(fd);
		return 1;
	}
	close(fd);
	print_hex(req.value, sizeof(req.value));
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage(NULL);
	if (!strcmp(argv[1], "attest"))
		return cmd_attest(argc, argv);
	if (!strcmp(argv[1], "extend"))
		return cmd_extend(argc, argv);
	if (!strcmp(argv[1], "read"))
		return cmd_read(argc, argv);
	return usage("unknown command");
}
