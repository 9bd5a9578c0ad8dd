/*
 * palisade provision ca / provision device: the manufacturer's steps. The CA (its key
 * and certificate) lives in a directory of its own; each device gets a directory with its
 * unique device secret (UDS) and its device certificate, for the device identity key the
 * boot stage will derive from that UDS (docs/attestation.md section 2). The CA key is
 * never written next to a UDS: the UDS goes to the device, the CA key must not.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include "certs.h"
#include "cli.h"
#include "fileio.h"
#include "hex.h"
#include "json.h"
#include "keys.h"

static const char help_ca[] =
"usage: palisade provision ca --out DIR [--json]\n"
"\n"
"Makes the manufacturer CA in DIR (created if missing, mode 0700):\n"
"  ca.key      the CA's private key (EC P-384, PKCS#8 PEM, unencrypted), mode 0600\n"
"  ca.pem      the self-signed CA certificate (CA:TRUE, pathlen 0, keyCertSign, cRLSign,\n"
"              ecdsa-with-SHA384), mode 0644: the relying parties' trust anchor\n"
"DIR is the CA's alone: keep it offline. It is refused if it holds a device's files\n"
"(uds.bin, device.pem). Existing files are never overwritten; the key is never printed.\n"
"\n"
"options:\n"
"  --out DIR          the CA directory\n"
"  --json             print what was made as JSON\n"
"\n"
"Exit status: 0 done, 2 usage error, unwritable output, or a file that already exists.\n";

static const char help_device[] =
"usage: palisade provision device --ca DIR --out DIR [--uds FILE] [--json]\n"
"\n"
"Provisions one device with the CA made by 'palisade provision ca'. Writes into the\n"
"--out directory (created if missing, mode 0700; not the CA directory, and refused if\n"
"it holds a ca.key):\n"
"  uds.bin     a new random 64-byte unique device secret, mode 0600 (not with --uds)\n"
"  device.pem  the device certificate: the CA certifies the device identity public key\n"
"              derived from the UDS (HKDF-SHA384, \"Palisade device identity v1\"):\n"
"              CA:FALSE, keyUsage digitalSignature, extendedKeyUsage Palisade device\n"
"              attestation (" PALISADE_EKU_DEVICE_ATTESTATION ")\n"
"The relying party gets the CA's ca.pem and device.pem; uds.bin goes to the device only.\n"
"Give the device its UDS with QEMU: -device loader,file=DIR/uds.bin,addr=0x40100000,force-raw=on\n"
"A degenerate UDS is refused: all bytes zero (the boot stage's \"no UDS\" marker) or fewer\n"
"than 24 distinct byte values (a random one has about 56).\n"
"Existing files are never overwritten. Secrets are never printed.\n"
"\n"
"options:\n"
"  --ca DIR           the CA directory (ca.pem and ca.key)\n"
"  --out DIR          the device's output directory\n"
"  --uds FILE         reuse this 64-byte UDS instead of making one (e.g. to re-issue the\n"
"                     certificate)\n"
"  --json             print what was made as JSON\n"
"\n"
"Exit status: 0 done, 2 usage error, unreadable or unacceptable input (CA, UDS), or a\n"
"file that already exists.\n";

#define MAX_CREATED 2
#define UDS_MIN_DISTINCT 24

struct outputs {
	char path[MAX_CREATED][4096];
	unsigned count;
};

static int join(char *out, size_t size, const char *dir, const char *name)
{
	return snprintf(out, size, "%s/%s", dir, name) >= (int)size ? -1 : 0;
}

static int write_new(struct outputs *o, const char *dir, const char *name, const void *data,
		     size_t len, mode_t mode, char *err, size_t err_size)
{
	char *p = o->path[o->count];

	if (join(p, sizeof(o->path[0]), dir, name)) {
		snprintf(err, err_size, "%s: path too long", dir);
		return -1;
	}
	if (file_write_new(p, data, len, mode, err, err_size))
		return -1;
	o->count++;
	return 0;
}

/* Removes what this run created (on failure). */
static void undo(struct outputs *o)
{
	for (unsigned i = o->count; i-- > 0;)
		unlink(o->path[i]);
	o->count = 0;
}

static bool exists_in(const char *dir, const char *name)
{
	char p[4096];

	return !join(p, sizeof(p), dir, name) && access(p, F_OK) == 0;
}

/* Creates DIR (0700) if missing; fails with EXIT_USAGE if it is not a directory. */
static int make_dir(const char *what, const char *dir, struct stat *st)
{
	if (mkdir(dir, 0700) && errno != EEXIST)
		return fail_with(EXIT_USAGE, "%s: %s: %s", what, dir, strerror(errno));
	if (stat(dir, st) || !S_ISDIR(st->st_mode))
		return fail_with(EXIT_USAGE, "%s: %s is not a directory", what, dir);
	return 0;
}

/* The degenerate-UDS rule (docs/attestation.md section 2); NULL when the UDS is acceptable. */
static const char *uds_weakness(const uint8_t uds[UDS_LEN], char *buf, size_t size)
{
	bool seen[256] = { false };
	unsigned distinct = 0;
	uint8_t any = 0;

	for (unsigned i = 0; i < UDS_LEN; i++) {
		any |= uds[i];
		if (!seen[uds[i]]) {
			seen[uds[i]] = true;
			distinct++;
		}
	}
	if (!any)
		return "all 64 bytes are zero (the boot stage's \"no UDS\" marker)";
	if (distinct < UDS_MIN_DISTINCT) {
		snprintf(buf, size, "only %u distinct byte values (at least %u required; a random "
			 "UDS has about 56)", distinct, UDS_MIN_DISTINCT);
		return buf;
	}
	return NULL;
}

static int read_uds(const char *path, uint8_t uds[UDS_LEN], char *err, size_t err_size)
{
	uint8_t *data;
	size_t len;
	struct stat st;
	char why[128];
	const char *weak;

	if (file_read(path, UDS_LEN + 1, &data, &len, err, err_size))
		return -1;
	if (len != UDS_LEN) {
		snprintf(err, err_size, "%s: %zu bytes; a UDS is exactly %u bytes", path, len, UDS_LEN);
		file_free_secret(data, len);
		return -1;
	}
	memcpy(uds, data, UDS_LEN);
	file_free_secret(data, len);
	if ((weak = uds_weakness(uds, why, sizeof(why)))) {
		snprintf(err, err_size, "%s: refusing a degenerate UDS: %s", path, weak);
		OPENSSL_cleanse(uds, UDS_LEN);
		return -1;
	}
	if (!stat(path, &st) && (st.st_mode & 077))
		fprintf(stderr, "palisade: warning: %s is readable by group or others (mode %03o); "
			"a UDS is a secret\n", path, (unsigned)(st.st_mode & 0777));
	return 0;
}

static int parse_common(int argc, char **argv, const struct command *cmd, const char *help,
			const char **out, const char **ca, const char **uds, bool *json)
{
	static const struct option opts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "ca", required_argument, NULL, 'c' },
		{ "uds", required_argument, NULL, 'u' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'o': *out = optarg; break;
		case 'c':
			if (!ca)
				return usage_error(cmd, "unknown option '--ca'");
			*ca = optarg;
			break;
		case 'u':
			if (!uds)
				return usage_error(cmd, "unknown option '--uds'");
			*uds = optarg;
			break;
		case 'j': *json = true; break;
		case 'h':
			fputs(help, stdout);
			return -1;
		default:
			return usage_error(cmd, "unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	if (optind != argc)
		return usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	if (!*out)
		return usage_error(cmd, "--out DIR is required");
	if (ca && !*ca)
		return usage_error(cmd, "--ca DIR is required (the directory 'palisade provision "
				   "ca' made)");
	return EXIT_OK;
}

int cmd_provision_ca(int argc, char **argv)
{
	const struct command *cmd = command_find("provision ca");
	const char *dir = NULL;
	bool json = false;
	X509 *ca = NULL;
	EVP_PKEY *key = NULL;
	char *ca_pem = NULL, *key_pem_buf = NULL;
	size_t ca_pem_len = 0, key_pem_len = 0;
	struct outputs out = { .count = 0 };
	char err[512], subject[256], p1[4096], p2[4096];
	int status;
	struct stat st;

	status = parse_common(argc, argv, cmd, help_ca, &dir, NULL, NULL, &json);
	if (status)
		return status < 0 ? EXIT_OK : status;
	if (make_dir("provision ca", dir, &st))
		return EXIT_USAGE;
	if (exists_in(dir, "uds.bin") || exists_in(dir, "device.pem"))
		return fail_with(EXIT_USAGE, "provision ca: %s holds a device's files (uds.bin or "
				 "device.pem); the CA needs a directory of its own", dir);
	if (exists_in(dir, "ca.key") || exists_in(dir, "ca.pem"))
		return fail_with(EXIT_USAGE, "provision ca: %s already holds a CA (refusing to "
				 "overwrite)", dir);

	if (!(key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384"))) {
		snprintf(err, sizeof(err), "CA key generation failed");
		goto fail;
	}
	if (!(ca = cert_make_ca(key, err, sizeof(err))))
		goto fail;
	if (cert_pem(ca, &ca_pem, &ca_pem_len) || key_pem(key, &key_pem_buf, &key_pem_len)) {
		snprintf(err, sizeof(err), "PEM encoding failed");
		goto fail;
	}
	/* The secret first (0600), then the certificate. */
	if (write_new(&out, dir, "ca.key", key_pem_buf, key_pem_len, 0600, err, sizeof(err)) ||
	    write_new(&out, dir, "ca.pem", ca_pem, ca_pem_len, 0644, err, sizeof(err)))
		goto fail;

	cert_subject(ca, subject, sizeof(subject));
	join(p1, sizeof(p1), dir, "ca.pem");
	join(p2, sizeof(p2), dir, "ca.key");
	if (json) {
		struct json_writer w;

		jw_init(&w, stdout);
		jw_object(&w);
		jw_key(&w, "out");
		jw_string(&w, dir);
		jw_key(&w, "files");
		jw_object(&w);
		jw_key(&w, "ca_cert");
		jw_string(&w, p1);
		jw_key(&w, "ca_key");
		jw_string(&w, p2);
		jw_object_end(&w);
		jw_key(&w, "ca_subject");
		jw_string(&w, subject);
		jw_object_end(&w);
		jw_finish(&w);
	} else {
		printf("manufacturer CA %s\n", dir);
		printf("  CA          %s\n", subject);
		printf("  wrote       %s (private key: keep it offline, never with a device)\n", p2);
		printf("  wrote       %s (the relying parties' trust anchor)\n", p1);
	}
	status = EXIT_OK;
	goto done;
fail:
	undo(&out);
	status = fail_with(EXIT_USAGE, "provision ca: %s", err);
done:
	if (key_pem_buf)
		OPENSSL_secure_clear_free(key_pem_buf, key_pem_len);
	OPENSSL_free(ca_pem);
	X509_free(ca);
	EVP_PKEY_free(key);
	return status;
}

/* Loads DIR/ca.pem and DIR/ca.key and checks they are a usable Palisade CA. */
static int load_ca(const char *dir, X509 **ca, EVP_PKEY **key, char *err, size_t err_size)
{
	char cert_path[4096], key_path[4096], why[256];
	struct stat st;

	if (join(cert_path, sizeof(cert_path), dir, "ca.pem") ||
	    join(key_path, sizeof(key_path), dir, "ca.key")) {
		snprintf(err, err_size, "%s: path too long", dir);
		return -1;
	}
	if (!(*ca = cert_load(cert_path, err, err_size)) ||
	    !(*key = key_load(key_path, err, err_size)))
		return -1;
	if (cert_check_anchor(*ca, why, sizeof(why))) {
		snprintf(err, err_size, "%s: not a usable CA: %s", cert_path, why);
		return -1;
	}
	if (!p384_pkey_is_p384(*key)) {
		snprintf(err, err_size, "%s: the CA key must be EC P-384", key_path);
		return -1;
	}
	if (X509_check_private_key(*ca, *key) != 1) {
		ERR_clear_error();
		snprintf(err, err_size, "%s does not belong to %s", key_path, cert_path);
		return -1;
	}
	if (!stat(key_path, &st) && (st.st_mode & 077))
		fprintf(stderr, "palisade: warning: %s is readable by group or others (mode %03o); "
			"a CA key is a secret\n", key_path, (unsigned)(st.st_mode & 0777));
	return 0;
}

int cmd_provision_device(int argc, char **argv)
{
	const struct command *cmd = command_find("provision device");
	const char *dir = NULL, *ca_dir = NULL, *uds_path = NULL;
	bool json = false;
	uint8_t uds[UDS_LEN], pub[P384_PUB_LEN];
	X509 *ca = NULL, *dev = NULL;
	EVP_PKEY *ca_key = NULL, *dev_key = NULL;
	char *dev_pem = NULL;
	size_t dev_pem_len = 0;
	struct outputs out = { .count = 0 };
	char err[512], subject[256], ca_subject[256], why[128];
	int status;
	struct stat st, ca_st;

	status = parse_common(argc, argv, cmd, help_device, &dir, &ca_dir, &uds_path, &json);
	if (status)
		return status < 0 ? EXIT_OK : status;
	if (stat(ca_dir, &ca_st) || !S_ISDIR(ca_st.st_mode))
		return fail_with(EXIT_USAGE, "provision device: --ca %s is not a directory (the one "
				 "'palisade provision ca --out' made)", ca_dir);
	if (make_dir("provision device", dir, &st))
		return EXIT_USAGE;
	/* The device's directory never holds a CA key: its uds.bin goes to the device. */
	if (st.st_dev == ca_st.st_dev && st.st_ino == ca_st.st_ino)
		return fail_with(EXIT_USAGE, "provision device: --out %s is the CA directory; a "
				 "device's UDS must not be written next to the CA key", dir);
	if (exists_in(dir, "ca.key"))
		return fail_with(EXIT_USAGE, "provision device: %s holds a CA key (ca.key); a "
				 "device's UDS must not be written next to it", dir);
	if ((!uds_path && exists_in(dir, "uds.bin")) || exists_in(dir, "device.pem"))
		return fail_with(EXIT_USAGE, "provision device: %s/%s exists (refusing to "
				 "overwrite)", dir, exists_in(dir, "device.pem") ? "device.pem" :
				 "uds.bin");

	memset(uds, 0, sizeof(uds));
	if (load_ca(ca_dir, &ca, &ca_key, err, sizeof(err)))
		goto fail;
	/* The UDS and the device identity public key (the private key is wiped at once). */
	if (uds_path) {
		if (read_uds(uds_path, uds, err, sizeof(err)))
			goto fail;
	} else {
		/* A random UDS fails the rule with probability below 2^-116: draw again. */
		do {
			if (RAND_priv_bytes(uds, UDS_LEN) != 1) {
				snprintf(err, sizeof(err), "no randomness for the UDS");
				goto fail;
			}
		} while (uds_weakness(uds, why, sizeof(why)));
	}
	if (p384_key_from_secret(uds, UDS_LEN, LABEL_DEVICE_IDENTITY, NULL, pub) ||
	    !(dev_key = p384_pkey_from_public(pub))) {
		snprintf(err, sizeof(err), "device key derivation failed");
		goto fail;
	}
	if (!(dev = cert_make_device(ca, ca_key, dev_key, err, sizeof(err))))
		goto fail;
	if (cert_check_device(dev, err, sizeof(err)))
		goto fail;
	if (cert_pem(dev, &dev_pem, &dev_pem_len)) {
		snprintf(err, sizeof(err), "PEM encoding failed");
		goto fail;
	}
	/* The secret first (0600), then the certificate. */
	if ((!uds_path && write_new(&out, dir, "uds.bin", uds, UDS_LEN, 0600, err, sizeof(err))) ||
	    write_new(&out, dir, "device.pem", dev_pem, dev_pem_len, 0644, err, sizeof(err)))
		goto fail;

	cert_subject(dev, subject, sizeof(subject));
	cert_subject(ca, ca_subject, sizeof(ca_subject));
	if (json) {
		struct json_writer w;
		char p[4096];

		jw_init(&w, stdout);
		jw_object(&w);
		jw_key(&w, "out");
		jw_string(&w, dir);
		jw_key(&w, "ca");
		jw_string(&w, ca_dir);
		jw_key(&w, "uds_generated");
		jw_bool(&w, !uds_path);
		jw_key(&w, "files");
		jw_object(&w);
		jw_key(&w, "ca_cert");
		join(p, sizeof(p), ca_dir, "ca.pem");
		jw_string(&w, p);
		jw_key(&w, "uds");
		join(p, sizeof(p), dir, "uds.bin");
		jw_string(&w, uds_path ? uds_path : p);
		jw_key(&w, "device_cert");
		join(p, sizeof(p), dir, "device.pem");
		jw_string(&w, p);
		jw_object_end(&w);
		jw_key(&w, "ca_subject");
		jw_string(&w, ca_subject);
		jw_key(&w, "device_subject");
		jw_string(&w, subject);
		jw_key(&w, "device_public_key");
		jw_hex(&w, pub, P384_PUB_LEN);
		jw_object_end(&w);
		jw_finish(&w);
	} else {
		char hex[2 * P384_PUB_LEN + 1];

		hex_encode(pub, P384_PUB_LEN, hex);
		printf("provisioned %s\n", dir);
		printf("  CA          %s (%s)\n", ca_subject, ca_dir);
		printf("  device      %s\n", subject);
		printf("  device key  %s\n", hex);
		for (unsigned i = 0; i < out.count; i++)
			printf("  wrote       %s\n", out.path[i]);
		if (uds_path)
			printf("  UDS         %s (reused)\n", uds_path);
	}
	status = EXIT_OK;
	goto done;

fail:
	/* Leave nothing half made. */
	undo(&out);
	status = fail_with(EXIT_USAGE, "provision device: %s", err);
done:
	OPENSSL_cleanse(uds, sizeof(uds));
	OPENSSL_free(dev_pem);
	X509_free(dev);
	X509_free(ca);
	EVP_PKEY_free(dev_key);
	EVP_PKEY_free(ca_key);
	return status;
}
