/*
 * mkevidence: a test-only stand-in for a Palisade device. It plays the boot stage and
 * the hypervisor of docs/attestation.md from a UDS and a hypervisor image: measures the
 * image (HM), derives the CDI, the device identity key and the attestation key, signs an
 * endorsement with the device key and a report with the attestation key, and writes the
 * 760-byte evidence.
 *
 * Written apart from host-tools/src on purpose (its own header parsing, HKDF from HMAC,
 * byte offsets and signing through EVP_DigestSign), so the verifier is tested against a
 * second implementation rather than against itself. Options also make evidence that is
 * wrong in controlled ways. Not installed; OpenSSL 3 only.
 *
 *   mkevidence --uds FILE --hyp FILE --out FILE [--report-data HEX] [--launch HEX]
 *              [--policy N] [--vm-id N] [--rmr I=HEX ...] [--report-svn N] [--report-hm HEX]
 *              [--report-version N] [--endorsement-version N] [--report-reserved N]
 *              [--off-curve-key] [--info]
 *
 * --info prints JSON with hm, svn, cdi, device_public_key, attestation_public_key.
 * Exit 0 on success, 2 on any error.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>

#define DIE(...) do { fprintf(stderr, "mkevidence: " __VA_ARGS__); fputc('\n', stderr); exit(2); } while (0)

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t cap = 0, n = 0;

	if (!f)
		DIE("%s: cannot open", path);
	for (;;) {
		if (n == cap) {
			cap = cap ? cap * 2 : 65536;
			buf = realloc(buf, cap);
			if (!buf)
				DIE("out of memory");
		}
		size_t r = fread(buf + n, 1, cap - n, f);

		if (!r)
			break;
		n += r;
	}
	fclose(f);
	*len = n;
	return buf;
}

static void unhex(const char *s, uint8_t *out, size_t max, size_t *n, const char *what)
{
	size_t len = strlen(s);

	if (len % 2 || len / 2 > max)
		DIE("%s: bad hex", what);
	for (size_t i = 0; i < len / 2; i++) {
		unsigned v;

		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			DIE("%s: bad hex", what);
		out[i] = (uint8_t)v;
	}
	if (n)
		*n = len / 2;
	else if (len / 2 != max)
		DIE("%s: need %zu bytes", what, max);
}

static void w32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void w64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void hmac384(const uint8_t *key, size_t klen, const uint8_t *a, size_t alen,
		    const uint8_t *b, size_t blen, const uint8_t *c, size_t clen, uint8_t out[48])
{
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX *ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
	OSSL_PARAM p[] = { OSSL_PARAM_construct_utf8_string("digest", (char *)"SHA384", 0),
			   OSSL_PARAM_construct_end() };
	size_t n = 0;

	if (!ctx || !EVP_MAC_init(ctx, key, klen, p) || !EVP_MAC_update(ctx, a, alen) ||
	    !EVP_MAC_update(ctx, b, blen) || !EVP_MAC_update(ctx, c, clen) ||
	    !EVP_MAC_final(ctx, out, &n, 48) || n != 48)
		DIE("HMAC failed");
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
}

/* RFC 5869, by hand: extract, then expand T(1) || T(2) || ... */
static void hkdf(const uint8_t *salt, size_t slen, const uint8_t *ikm, size_t ilen,
		 const char *info, uint8_t *out, size_t olen)
{
	static const uint8_t zeros[48];
	uint8_t prk[48], t[48];
	size_t tlen = 0;

	hmac384(salt ? salt : zeros, salt ? slen : sizeof(zeros), ikm, ilen, NULL, 0, NULL, 0, prk);
	for (uint8_t i = 1; olen; i++) {
		size_t n = olen < 48 ? olen : 48;

		hmac384(prk, 48, t, tlen, (const uint8_t *)info, strlen(info), &i, 1, t);
		tlen = 48;
		memcpy(out, t, n);
		out += n;
		olen -= n;
	}
}

struct key {
	EVP_PKEY *pkey;
	uint8_t pub[97];
};

static void derive(const uint8_t *secret, size_t len, const char *label, struct key *k)
{
	uint8_t c[64], d_bin[48];
	EC_GROUP *g = EC_GROUP_new_by_curve_name(NID_secp384r1);
	BN_CTX *bn = BN_CTX_new();
	BIGNUM *cb, *nm1, *q = BN_new(), *d = BN_new();
	EC_POINT *pt = EC_POINT_new(g);
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);

	hkdf(NULL, 0, secret, len, label, c, 64);
	cb = BN_bin2bn(c, 64, NULL);
	nm1 = BN_dup(EC_GROUP_get0_order(g));
	/* d = (c mod (n - 1)) + 1, via the quotient this time */
	if (!BN_sub_word(nm1, 1) || !BN_div(q, d, cb, nm1, bn) || !BN_add_word(d, 1) ||
	    BN_bn2binpad(d, d_bin, 48) != 48 || !EC_POINT_mul(g, pt, d, NULL, NULL, bn) ||
	    EC_POINT_point2oct(g, pt, POINT_CONVERSION_UNCOMPRESSED, k->pub, 97, bn) != 97)
		DIE("key derivation failed");
	OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "P-384", 0);
	OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, d);
	OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, k->pub, 97);
	params = OSSL_PARAM_BLD_to_param(bld);
	k->pkey = NULL;
	if (!params || EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &k->pkey, EVP_PKEY_KEYPAIR, params) != 1)
		DIE("key import failed");
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	EVP_PKEY_CTX_free(ctx);
	EC_POINT_free(pt);
	BN_free(cb);
	BN_free(nm1);
	BN_free(q);
	BN_clear_free(d);
	BN_CTX_free(bn);
	EC_GROUP_free(g);
}

/* ECDSA P-384 with SHA-384 over msg; r || s, s in low form (s <= n/2) as the device
 * gives it (docs/crypto.md): n - s when OpenSSL's s is above n/2. */
static void sign(EVP_PKEY *key, const uint8_t *msg, size_t len, uint8_t sig[96])
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	EC_GROUP *g = EC_GROUP_new_by_curve_name(NID_secp384r1);
	uint8_t der[160];
	size_t dlen = sizeof(der);
	const uint8_t *p = der;
	BIGNUM *ss, *twice;
	ECDSA_SIG *s;

	if (!md || !g || EVP_DigestSignInit(md, NULL, EVP_sha384(), NULL, key) != 1 ||
	    EVP_DigestSign(md, der, &dlen, msg, len) != 1 || !(s = d2i_ECDSA_SIG(NULL, &p, (long)dlen)))
		DIE("signing failed");
	ss = BN_dup(ECDSA_SIG_get0_s(s));
	twice = BN_new();
	if (!ss || !twice || !BN_lshift1(twice, ss) ||
	    (BN_cmp(twice, EC_GROUP_get0_order(g)) > 0 && !BN_sub(ss, EC_GROUP_get0_order(g), ss)))
		DIE("signature normalisation failed");
	if (BN_bn2binpad(ECDSA_SIG_get0_r(s), sig, 48) != 48 || BN_bn2binpad(ss, sig + 48, 48) != 48)
		DIE("signature conversion failed");
	BN_free(ss);
	BN_free(twice);
	ECDSA_SIG_free(s);
	EC_GROUP_free(g);
	EVP_MD_CTX_free(md);
}

static void hexout(const char *key, const uint8_t *p, size_t n, bool last)
{
	printf("  \"%s\": \"", key);
	for (size_t i = 0; i < n; i++)
		printf("%02x", p[i]);
	printf("\"%s\n", last ? "" : ",");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "uds", 1, NULL, 'u' }, { "hyp", 1, NULL, 'H' }, { "out", 1, NULL, 'o' },
		{ "report-data", 1, NULL, 'd' }, { "launch", 1, NULL, 'l' }, { "policy", 1, NULL, 'p' },
		{ "vm-id", 1, NULL, 'v' }, { "rmr", 1, NULL, 'r' }, { "report-svn", 1, NULL, 's' },
		{ "report-hm", 1, NULL, 'm' }, { "report-version", 1, NULL, 'V' },
		{ "endorsement-version", 1, NULL, 'E' }, { "report-reserved", 1, NULL, 'R' },
		{ "off-curve-key", 0, NULL, 'k' }, { "info", 0, NULL, 'i' }, { NULL, 0, NULL, 0 },
	};
	const char *uds_path = NULL, *hyp_path = NULL, *out_path = NULL;
	uint8_t report_data[64] = { 0 }, launch[48] = { 0 }, rmr[4][48] = { { 0 } };
	uint8_t report_hm[48], hm[48], cdi[48], uds[64], ev[760] = { 0 };
	uint32_t policy = 0, vm_id = 2, report_svn = 0, report_version = 1, end_version = 1;
	uint64_t report_reserved = 0;
	bool have_report_svn = false, have_report_hm = false, off_curve = false, info = false;
	size_t n;
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'u': uds_path = optarg; break;
		case 'H': hyp_path = optarg; break;
		case 'o': out_path = optarg; break;
		case 'd': unhex(optarg, report_data, 64, &n, "--report-data"); break;
		case 'l': unhex(optarg, launch, 48, NULL, "--launch"); break;
		case 'p': policy = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'v': vm_id = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 's': report_svn = (uint32_t)strtoul(optarg, NULL, 0); have_report_svn = true; break;
		case 'm': unhex(optarg, report_hm, 48, NULL, "--report-hm"); have_report_hm = true; break;
		case 'V': report_version = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'E': end_version = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'R': report_reserved = strtoull(optarg, NULL, 0); break;
		case 'k': off_curve = true; break;
		case 'i': info = true; break;
		case 'r': {
			unsigned i = (unsigned)(optarg[0] - '0');

			if (i > 3 || optarg[1] != '=')
				DIE("--rmr I=HEX");
			unhex(optarg + 2, rmr[i], 48, NULL, "--rmr");
			break;
		}
		default:
			DIE("bad option");
		}
	}
	if (!uds_path || !hyp_path || (!out_path && !info))
		DIE("--uds, --hyp and --out (or --info) are required");

	/* Boot stage: UDS, hypervisor header and HM. */
	uint8_t *u = slurp(uds_path, &n);
	if (n != 64)
		DIE("%s: a UDS is 64 bytes", uds_path);
	memcpy(uds, u, 64);
	free(u);
	uint8_t *img = slurp(hyp_path, &n);
	if (n < 64 || memcmp(img + 8, "PALHYP01", 8))
		DIE("%s: not a Palisade hypervisor image", hyp_path);
	uint64_t image_size = 0;
	for (int i = 7; i >= 0; i--)
		image_size = image_size << 8 | img[16 + i];
	uint32_t svn = (uint32_t)img[24] | (uint32_t)img[25] << 8 | (uint32_t)img[26] << 16 |
		       (uint32_t)img[27] << 24;
	if (image_size < 64 || image_size > n)
		DIE("%s: image_size %llu, file %zu bytes", hyp_path, (unsigned long long)image_size, n);
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned hl = 0;
	/* In two pieces: a different path through the digest than the tool's one-shot. */
	if (!md || !EVP_DigestInit_ex(md, EVP_sha384(), NULL) ||
	    !EVP_DigestUpdate(md, img, (size_t)image_size / 2) ||
	    !EVP_DigestUpdate(md, img + image_size / 2, (size_t)(image_size - image_size / 2)) ||
	    !EVP_DigestFinal_ex(md, hm, &hl))
		DIE("SHA-384 failed");
	EVP_MD_CTX_free(md);
	free(img);

	hkdf(hm, 48, uds, 64, "Palisade CDI v1", cdi, 48);
	struct key device, attest;
	derive(uds, 64, "Palisade device identity v1", &device);
	derive(cdi, 48, "Palisade attestation v1", &attest);

	/* Endorsement (section 3). */
	uint8_t *e = ev + 496;
	w32(e + 0, end_version);
	w32(e + 4, 264);
	w32(e + 8, svn);
	memcpy(e + 16, hm, 48);
	memcpy(e + 64, attest.pub, 97);
	if (off_curve)
		e[64 + 96] ^= 1;        /* the last byte of Y: no longer on the curve */
	sign(device.pkey, e, 168, e + 168);

	/* Report (section 4), signed by the attestation key. */
	uint8_t *r = ev + 16;
	w32(r + 0, report_version);
	w32(r + 4, 480);
	w32(r + 8, vm_id);
	w32(r + 12, policy);
	w32(r + 16, have_report_svn ? report_svn : svn);
	memcpy(r + 24, report_data, 64);
	memcpy(r + 88, launch, 48);
	memcpy(r + 136, rmr, sizeof(rmr));
	memcpy(r + 328, have_report_hm ? report_hm : hm, 48);
	w64(r + 376, report_reserved);
	sign(attest.pkey, r, 384, r + 384);

	/* Evidence (section 5). */
	memcpy(ev, "PALEVID1", 8);
	w32(ev + 8, 480);
	w32(ev + 12, 264);

	if (out_path) {
		FILE *f = fopen(out_path, "wb");

		if (!f || fwrite(ev, 1, sizeof(ev), f) != sizeof(ev) || fclose(f))
			DIE("%s: cannot write", out_path);
	}
	if (info) {
		printf("{\n  \"svn\": %u,\n", svn);
		hexout("hm", hm, 48, false);
		hexout("cdi", cdi, 48, false);
		hexout("device_public_key", device.pub, 97, false);
		hexout("attestation_public_key", attest.pub, 97, true);
		printf("}\n");
	}
	EVP_PKEY_free(device.pkey);
	EVP_PKEY_free(attest.pkey);
	return 0;
}
