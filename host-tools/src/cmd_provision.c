/*
 * palisade provision: the manufacturer's step. Makes (or reuses) the manufacturer CA,
 * a device's unique device secret (UDS), and the device certificate for the device
 * identity key the boot stage will derive from that UDS (docs/attestation.md section 2).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/crypto.h>
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

static const char help[] =
"usage: palisade provision --out DIR [--ca-cert CA.pem --ca-key CA.key] [--uds FILE]\n"
"                          [--json]\n"
"\n"
"Provisions one device. Writes into DIR (created if missing, mode 0700):\n"
"  ca.pem      the manufacturer CA certificate (self-signed, P-384, made here unless\n"
"              --ca-cert/--ca-key are given; then a copy of CA.pem)\n"
"  ca.key      the CA's private key, mode 0600 (only when the CA is made here)\n"
"  uds.bin     a new random 64-byte unique device secret, mode 0600 (not with --uds)\n"
"  device.pem  the device certificate: the CA certifies the device identity public key\n"
"              derived from the UDS (HKDF-SHA384, \"Palisade device identity v1\")\n"
"Existing files are never overwritten. Secrets are never printed.\n"
"Give the device its UDS with QEMU: -device loader,file=DIR/uds.bin,addr=0x40100000,force-raw=on\n"
"\n"
"options:\n"
"  --out DIR          output directory\n"
"  --ca-cert FILE     use this manufacturer CA certificate (PEM) ...\n"
"  --ca-key FILE      ... and its private key (PEM, EC P-384)\n"
"  --uds FILE         reuse this 64-byte UDS instead of making one\n"
"  --json             print what was made as JSON\n"
"\n"
"Exit status: 0 done, 2 usage error, unreadable input, or a file that already exists.\n";

#define MAX_CREATED 4

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

static int read_uds(const char *path, uint8_t uds[UDS_LEN], char *err, size_t err_size)
{
	uint8_t *data;
	size_t len;
	struct stat st;

	if (file_read(path, UDS_LEN + 1, &data, &len, err, err_size))
		return -1;
	if (len != UDS_LEN) {
		snprintf(err, err_size, "%s: %zu bytes; a UDS is exactly %u bytes", path, len, UDS_LEN);
		file_free_secret(data, len);
		return -1;
	}
	memcpy(uds, data, UDS_LEN);
	file_free_secret(data, len);
	if (!stat(path, &st) && (st.st_mode & 077))
		fprintf(stderr, "palisade: warning: %s is readable by group or others (mode %03o); "
			"a UDS is a secret\n", path, (unsigned)(st.st_mode & 0777));
	return 0;
}

/* Copies the given CA certificate into DIR/ca.pem unless an identical one is there. */
static int place_ca(struct outputs *o, const char *dir, const char *pem, size_t len, char *err,
		    size_t err_size)
{
	char path[4096];
	uint8_t *old;
	size_t old_len;

	if (join(path, sizeof(path), dir, "ca.pem")) {
		snprintf(err, err_size, "%s: path too long", dir);
		return -1;
	}
	if (access(path, F_OK) == 0) {
		if (file_read(path, 64 * 1024, &old, &old_len, err, err_size))
			return -1;
		bool same = old_len == len && !memcmp(old, pem, len);

		file_free(old);
		if (same)
			return 0;
		snprintf(err, err_size, "%s: exists and is not the given CA certificate "
			 "(refusing to overwrite)", path);
		return -1;
	}
	return write_new(o, dir, "ca.pem", pem, len, 0644, err, err_size);
}

int cmd_provision(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "ca-cert", required_argument, NULL, 'c' },
		{ "ca-key", required_argument, NULL, 'k' },
		{ "uds", required_argument, NULL, 'u' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct command *cmd = command_find("provision");
	const char *dir = NULL, *ca_cert_path = NULL, *ca_key_path = NULL, *uds_path = NULL;
	bool json = false;
	uint8_t uds[UDS_LEN], pub[P384_PUB_LEN];
	X509 *ca = NULL, *dev = NULL;
	EVP_PKEY *ca_key = NULL, *dev_key = NULL;
	char *ca_pem = NULL, *key_pem_buf = NULL, *dev_pem = NULL;
	size_t ca_pem_len = 0, key_pem_len = 0, dev_pem_len = 0;
	struct outputs out = { .count = 0 };
	char err[512], subject[256], ca_subject[256];
	int c, status = EXIT_USAGE;
	struct stat st;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'o': dir = optarg; break;
		case 'c': ca_cert_path = optarg; break;
		case 'k': ca_key_path = optarg; break;
		case 'u': uds_path = optarg; break;
		case 'j': json = true; break;
		case 'h':
			fputs(help, stdout);
			return EXIT_OK;
		default:
			return usage_error(cmd, "unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	if (optind != argc)
		return usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	if (!dir)
		return usage_error(cmd, "--out DIR is required");
	if (!ca_cert_path != !ca_key_path)
		return usage_error(cmd, "--ca-cert and --ca-key go together");

	if (mkdir(dir, 0700) && errno != EEXIST)
		return fail_with(EXIT_USAGE, "provision: %s: %s", dir, strerror(errno));
	if (stat(dir, &st) || !S_ISDIR(st.st_mode))
		return fail_with(EXIT_USAGE, "provision: %s is not a directory", dir);
	/* Refuse early if anything this run would create is already there. */
	{
		const char *names[] = { ca_cert_path ? NULL : "ca.pem", ca_key_path ? NULL : "ca.key",
					uds_path ? NULL : "uds.bin", "device.pem" };
		char p[4096];

		for (unsigned i = 0; i < 4; i++)
			if (names[i] && !join(p, sizeof(p), dir, names[i]) && access(p, F_OK) == 0)
				return fail_with(EXIT_USAGE, "provision: %s exists (refusing to "
						 "overwrite)", p);
	}

	/* The UDS and the device identity public key (the private key is wiped at once). */
	if (uds_path) {
		if (read_uds(uds_path, uds, err, sizeof(err)))
			goto fail;
	} else if (RAND_priv_bytes(uds, UDS_LEN) != 1) {
		snprintf(err, sizeof(err), "no randomness for the UDS");
		goto fail;
	}
	if (p384_key_from_secret(uds, UDS_LEN, LABEL_DEVICE_IDENTITY, NULL, pub) ||
	    !(dev_key = p384_pkey_from_public(pub))) {
		snprintf(err, sizeof(err), "device key derivation failed");
		goto fail;
	}

	/* The manufacturer CA. */
	if (ca_cert_path) {
		if (!(ca = cert_load(ca_cert_path, err, sizeof(err))) ||
		    !(ca_key = key_load(ca_key_path, err, sizeof(err))))
			goto fail;
		if (!p384_pkey_is_p384(ca_key)) {
			snprintf(err, sizeof(err), "%s: the CA key must be EC P-384", ca_key_path);
			goto fail;
		}
		if (X509_check_private_key(ca, ca_key) != 1) {
			snprintf(err, sizeof(err), "%s does not belong to %s", ca_key_path,
				 ca_cert_path);
			goto fail;
		}
		if (X509_check_ca(ca) < 1) {
			snprintf(err, sizeof(err), "%s is not a CA certificate", ca_cert_path);
			goto fail;
		}
	} else {
		if (!(ca_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384"))) {
			snprintf(err, sizeof(err), "CA key generation failed");
			goto fail;
		}
		if (!(ca = cert_make_ca(ca_key, err, sizeof(err))))
			goto fail;
	}
	if (!(dev = cert_make_device(ca, ca_key, dev_key, err, sizeof(err))))
		goto fail;
	if (cert_pem(ca, &ca_pem, &ca_pem_len) || cert_pem(dev, &dev_pem, &dev_pem_len) ||
	    (!ca_key_path && key_pem(ca_key, &key_pem_buf, &key_pem_len))) {
		snprintf(err, sizeof(err), "PEM encoding failed");
		goto fail;
	}

	/* Secrets first (0600), then the certificates. */
	if ((!ca_key_path && write_new(&out, dir, "ca.key", key_pem_buf, key_pem_len, 0600, err,
				       sizeof(err))) ||
	    (!uds_path && write_new(&out, dir, "uds.bin", uds, UDS_LEN, 0600, err, sizeof(err))) ||
	    (ca_cert_path ? place_ca(&out, dir, ca_pem, ca_pem_len, err, sizeof(err)) :
	     write_new(&out, dir, "ca.pem", ca_pem, ca_pem_len, 0644, err, sizeof(err))) ||
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
		jw_key(&w, "ca_generated");
		jw_bool(&w, !ca_cert_path);
		jw_key(&w, "uds_generated");
		jw_bool(&w, !uds_path);
		jw_key(&w, "files");
		jw_object(&w);
		jw_key(&w, "ca_cert");
		join(p, sizeof(p), dir, "ca.pem");
		jw_string(&w, p);
		jw_key(&w, "ca_key");
		join(p, sizeof(p), dir, "ca.key");
		if (ca_key_path)
			jw_string(&w, ca_key_path);
		else
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
		printf("  CA          %s (%s)\n", ca_subject, ca_cert_path ? "given" : "new");
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
	for (unsigned i = out.count; i-- > 0;)
		unlink(out.path[i]);
	status = fail_with(EXIT_USAGE, "provision: %s", err);
done:
	OPENSSL_cleanse(uds, sizeof(uds));
	if (key_pem_buf)
		OPENSSL_secure_clear_free(key_pem_buf, key_pem_len);
	OPENSSL_free(ca_pem);
	OPENSSL_free(dev_pem);
	X509_free(dev);
	X509_free(ca);
	EVP_PKEY_free(dev_key);
	EVP_PKEY_free(ca_key);
	return status;
}
