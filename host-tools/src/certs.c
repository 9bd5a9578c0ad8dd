/* X.509 certificates of the attestation chain: see certs.h. */
#include <stdbool.h>
#include <string.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>
#include "certs.h"
#include "fileio.h"
#include "hex.h"
#include "keys.h"

#define NO_EXPIRY "99991231235959Z"     /* RFC 5280 4.1.2.5: no well-defined expiration */
#define BACKDATE  (24 * 60 * 60)        /* notBefore a day back: verifiers' clocks differ */
#define PEM_MAX   (64 * 1024)

static void ossl_err(char *err, size_t err_size, const char *what)
{
	unsigned long e = ERR_get_error();
	char buf[160];

	ERR_error_string_n(e, buf, sizeof(buf));
	snprintf(err, err_size, "%s%s%s", what, e ? ": " : "", e ? buf : "");
	ERR_clear_error();
}

static int add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;
	int ok;

	X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (!ext)
		return 0;
	ok = X509_add_ext(cert, ext, -1);
	X509_EXTENSION_free(ext);
	return ok;
}

/* A random positive 127-bit serial number. */
static int set_serial(X509 *cert)
{
	unsigned char b[16];
	BIGNUM *bn;
	int ok = 0;

	if (RAND_bytes(b, sizeof(b)) != 1)
		return 0;
	b[0] &= 0x7f;
	b[0] |= 0x40;
	bn = BN_bin2bn(b, sizeof(b), NULL);
	if (bn && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert)))
		ok = 1;
	BN_free(bn);
	return ok;
}

/* A short id for names: hex of the first 8 bytes of SHA-384(public key). */
static int key_id(EVP_PKEY *key, char out[17])
{
	unsigned char *der = NULL, d[SHA384_LEN];
	int len = i2d_PUBKEY(key, &der);

	if (len <= 0)
		return 0;
	sha384(der, (size_t)len, d);
	OPENSSL_free(der);
	hex_encode(d, 8, out);
	return 1;
}

static X509 *new_cert(EVP_PKEY *subject_key, const char *cn)
{
	X509 *cert = X509_new();
	X509_NAME *name = X509_NAME_new();

	if (!cert || !name || !X509_set_version(cert, X509_VERSION_3) || !set_serial(cert) ||
	    !X509_gmtime_adj(X509_getm_notBefore(cert), -BACKDATE) ||
	    !ASN1_TIME_set_string_X509(X509_getm_notAfter(cert), NO_EXPIRY) ||
	    !X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)"Palisade",
					-1, -1, 0) ||
	    !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1,
					-1, 0) ||
	    !X509_set_subject_name(cert, name) || !X509_set_pubkey(cert, subject_key)) {
		X509_free(cert);
		cert = NULL;
	}
	X509_NAME_free(name);
	return cert;
}

X509 *cert_make_ca(EVP_PKEY *key, char *err, size_t err_size)
{
	char id[17], cn[64];
	X509 *cert;

	if (!key_id(key, id)) {
		ossl_err(err, err_size, "CA key");
		return NULL;
	}
	snprintf(cn, sizeof(cn), "Palisade manufacturer CA %s", id);
	cert = new_cert(key, cn);
	if (!cert || !X509_set_issuer_name(cert, X509_get_subject_name(cert)) ||
	    !add_ext(cert, cert, NID_basic_constraints, "critical,CA:TRUE,pathlen:0") ||
	    !add_ext(cert, cert, NID_key_usage, "critical,keyCertSign,cRLSign") ||
	    !add_ext(cert, cert, NID_subject_key_identifier, "hash") ||
	    !add_ext(cert, cert, NID_authority_key_identifier, "keyid:always") ||
	    X509_sign(cert, key, EVP_sha384()) <= 0) {
		ossl_err(err, err_size, "CA certificate");
		X509_free(cert);
		return NULL;
	}
	return cert;
}

X509 *cert_make_device(X509 *ca, EVP_PKEY *ca_key, EVP_PKEY *device, char *err,
		       size_t err_size)
{
	char id[17], cn[64];
	X509 *cert;

	if (!key_id(device, id)) {
		ossl_err(err, err_size, "device key");
		return NULL;
	}
	snprintf(cn, sizeof(cn), "Palisade device %s", id);
	cert = new_cert(device, cn);
	if (!cert || !X509_set_issuer_name(cert, X509_get_subject_name(ca)) ||
	    !add_ext(cert, ca, NID_basic_constraints, "critical,CA:FALSE") ||
	    !add_ext(cert, ca, NID_key_usage, "critical,digitalSignature") ||
	    !add_ext(cert, ca, NID_ext_key_usage, PALISADE_EKU_DEVICE_ATTESTATION) ||
	    !add_ext(cert, ca, NID_subject_key_identifier, "hash") ||
	    !add_ext(cert, ca, NID_authority_key_identifier, "keyid:always") ||
	    X509_sign(cert, ca_key, EVP_sha384()) <= 0) {
		ossl_err(err, err_size, "device certificate");
		X509_free(cert);
		return NULL;
	}
	return cert;
}

X509 *cert_load(const char *path, char *err, size_t err_size)
{
	uint8_t *data;
	size_t len;
	X509 *cert = NULL;
	BIO *bio;

	if (file_read(path, PEM_MAX, &data, &len, err, err_size))
		return NULL;
	bio = BIO_new_mem_buf(data, (int)len);
	if (bio)
		cert = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	if (!cert) {
		const unsigned char *p = data;

		cert = d2i_X509(NULL, &p, (long)len);
		if (cert && p != data + len) {
			X509_free(cert);
			cert = NULL;
		}
	}
	BIO_free(bio);
	file_free(data);
	ERR_clear_error();
	if (!cert)
		snprintf(err, err_size, "%s: not a PEM or DER X.509 certificate", path);
	return cert;
}

EVP_PKEY *key_load(const char *path, char *err, size_t err_size)
{
	uint8_t *data;
	size_t len;
	EVP_PKEY *key = NULL;
	BIO *bio;

	if (file_read(path, PEM_MAX, &data, &len, err, err_size))
		return NULL;
	bio = BIO_new_mem_buf(data, (int)len);
	if (bio)
		key = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
	BIO_free(bio);
	file_free_secret(data, len);
	ERR_clear_error();
	if (!key)
		snprintf(err, err_size, "%s: not an unencrypted PEM private key", path);
	return key;
}

static int bio_take(BIO *bio, bool secret, char **out, size_t *len)
{
	char *data;
	long n = BIO_get_mem_data(bio, &data);

	if (n <= 0)
		return -1;
	*out = secret ? OPENSSL_secure_malloc((size_t)n) : OPENSSL_malloc((size_t)n);
	if (!*out)
		return -1;
	memcpy(*out, data, (size_t)n);
	*len = (size_t)n;
	return 0;
}

int cert_pem(X509 *cert, char **pem, size_t *len)
{
	BIO *bio = BIO_new(BIO_s_mem());
	int rc = -1;

	if (bio && PEM_write_bio_X509(bio, cert))
		rc = bio_take(bio, false, pem, len);
	BIO_free(bio);
	return rc;
}

int key_pem(EVP_PKEY *key, char **pem, size_t *len)
{
	BIO *bio = BIO_new(BIO_s_secmem());
	int rc = -1;

	if (bio && PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL))
		rc = bio_take(bio, true, pem, len);
	BIO_free(bio);
	return rc;
}

/* -1 when the certificate has no 'nid' extension, else its critical flag (0 or 1). */
static int ext_critical(X509 *cert, int nid)
{
	int i = X509_get_ext_by_NID(cert, nid, -1);

	return i < 0 ? -1 : X509_EXTENSION_get_critical(X509_get_ext(cert, i)) ? 1 : 0;
}

/* The key (EC P-384) and signature algorithm (ecdsa-with-SHA384) rules, for 'who'. */
static int check_alg(X509 *cert, const char *who, char *err, size_t err_size)
{
	int nid = X509_get_signature_nid(cert);

	if (nid != NID_ecdsa_with_SHA384) {
		snprintf(err, err_size, "%s: signature algorithm %s, only ecdsa-with-SHA384 is "
			 "accepted", who, nid == NID_undef ? "unknown" : OBJ_nid2ln(nid));
		return -1;
	}
	if (!p384_pkey_is_p384(X509_get0_pubkey(cert))) {
		snprintf(err, err_size, "%s: the key is not EC P-384", who);
		return -1;
	}
	return 0;
}

int cert_check_anchor(X509 *ca, char *err, size_t err_size)
{
	static const char who[] = "trust anchor (CA certificate)";
	BASIC_CONSTRAINTS *bc = X509_get_ext_d2i(ca, NID_basic_constraints, NULL, NULL);
	bool is_ca = bc && bc->ca;

	BASIC_CONSTRAINTS_free(bc);
	ERR_clear_error();
	if (!is_ca) {
		snprintf(err, err_size, "%s: not a CA (basicConstraints CA:TRUE required)", who);
		return -1;
	}
	if (ext_critical(ca, NID_key_usage) < 0 || !(X509_get_key_usage(ca) & KU_KEY_CERT_SIGN)) {
		snprintf(err, err_size, "%s: keyUsage lacks keyCertSign", who);
		return -1;
	}
	return check_alg(ca, who, err, err_size);
}

int cert_check_device(X509 *leaf, char *err, size_t err_size)
{
	static const char who[] = "device certificate";
	BASIC_CONSTRAINTS *bc;
	EXTENDED_KEY_USAGE *eku;
	ASN1_OBJECT *want;
	bool ok;
	int crit = -1;

	/* basicConstraints: present, critical, CA:FALSE, no path length. */
	bc = X509_get_ext_d2i(leaf, NID_basic_constraints, &crit, NULL);
	ok = bc && crit == 1 && !bc->ca && !bc->pathlen;
	BASIC_CONSTRAINTS_free(bc);
	ERR_clear_error();
	if (!ok) {
		snprintf(err, err_size, "%s: basicConstraints must be critical CA:FALSE (%s)", who,
			 crit == -1 ? "absent" : crit != 1 ? "not critical" : "CA:TRUE or a path length");
		return -1;
	}
	/* keyUsage: present, critical, digitalSignature and nothing else. */
	crit = ext_critical(leaf, NID_key_usage);
	if (crit != 1 || X509_get_key_usage(leaf) != KU_DIGITAL_SIGNATURE) {
		snprintf(err, err_size, "%s: keyUsage must be critical digitalSignature only (%s)",
			 who, crit == -1 ? "absent" : crit != 1 ? "not critical" : "other usages");
		return -1;
	}
	/* extendedKeyUsage: exactly "Palisade device attestation". */
	crit = -1;
	eku = X509_get_ext_d2i(leaf, NID_ext_key_usage, &crit, NULL);
	want = OBJ_txt2obj(PALISADE_EKU_DEVICE_ATTESTATION, 1);
	ok = eku && want && sk_ASN1_OBJECT_num(eku) == 1 &&
	     !OBJ_cmp(sk_ASN1_OBJECT_value(eku, 0), want);
	sk_ASN1_OBJECT_pop_free(eku, ASN1_OBJECT_free);
	ASN1_OBJECT_free(want);
	ERR_clear_error();
	if (!ok) {
		snprintf(err, err_size, "%s: extendedKeyUsage must be exactly Palisade device "
			 "attestation (" PALISADE_EKU_DEVICE_ATTESTATION ") (%s)", who,
			 crit == -1 ? "absent" : "other or additional purposes");
		return -1;
	}
	return check_alg(leaf, who, err, err_size);
}

int cert_verify_chain(X509 *ca, X509 *leaf, char *err, size_t err_size)
{
	X509_STORE *store = NULL;
	X509_STORE_CTX *ctx = NULL;
	int rc = -1;

	if (cert_check_anchor(ca, err, err_size))
		return -1;
	if (!X509_cmp(ca, leaf)) {
		snprintf(err, err_size, "the device certificate is the CA certificate itself");
		return -1;
	}
	if (EVP_PKEY_eq(X509_get0_pubkey(ca), X509_get0_pubkey(leaf)) == 1) {
		snprintf(err, err_size, "the device certificate holds the CA's public key");
		ERR_clear_error();
		return -1;
	}
	ERR_clear_error();
	if (cert_check_device(leaf, err, err_size))
		return -1;

	store = X509_STORE_new();
	ctx = X509_STORE_CTX_new();
	if (!store || !ctx || !X509_STORE_add_cert(store, ca) ||
	    !X509_STORE_CTX_init(ctx, store, leaf, NULL)) {
		ossl_err(err, err_size, "certificate store");
		goto out;
	}
	X509_STORE_CTX_set_flags(ctx, X509_V_FLAG_X509_STRICT);
	/* The device certificate is issued by the manufacturer CA itself. */
	X509_STORE_CTX_set_depth(ctx, 0);
	if (X509_verify_cert(ctx) == 1) {
		rc = 0;
	} else {
		int e = X509_STORE_CTX_get_error(ctx);

		snprintf(err, err_size, "device certificate does not chain to the CA: %s",
			 X509_verify_cert_error_string(e));
	}
out:
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	ERR_clear_error();
	return rc;
}

void cert_subject(X509 *cert, char *out, size_t size)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *data;
	long n;

	out[0] = '\0';
	if (!bio)
		return;
	X509_NAME_print_ex(bio, X509_get_subject_name(cert), 0, XN_FLAG_ONELINE & ~ASN1_STRFLGS_ESC_MSB);
	n = BIO_get_mem_data(bio, &data);
	if (n > 0)
		snprintf(out, size, "%.*s", (int)n, data);
	BIO_free(bio);
}
