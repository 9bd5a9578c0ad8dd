/*
 * X.509 for the attestation chain (DESIGN.md "Keys and attestation"): the manufacturer
 * CA, the device certificate that binds the device identity key, loading them, and the
 * chain check a verifier makes (manufacturer CA -> device certificate).
 */
#ifndef PALISADE_CERTS_H
#define PALISADE_CERTS_H

#include <stddef.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

/* A self-signed CA certificate for 'key' (ecdsa-with-SHA384): CA:TRUE, pathlen 0,
 * keyCertSign + cRLSign, no expiry (99991231235959Z). */
X509 *cert_make_ca(EVP_PKEY *key, char *err, size_t err_size);

/*
 * The extended key usage of a Palisade device certificate, "Palisade device attestation"
 * (docs/attestation.md section 2). 32473 is IANA's example enterprise number (RFC 5612),
 * a placeholder until the project has its own: change both here and in the docs.
 */
#define PALISADE_EKU_DEVICE_ATTESTATION "1.3.6.1.4.1.32473.1"

/* A device certificate for the public key 'device', issued by ca/ca_key
 * (ecdsa-with-SHA384): CA:FALSE (critical), keyUsage digitalSignature only (critical),
 * extendedKeyUsage PALISADE_EKU_DEVICE_ATTESTATION, subject "O=Palisade, CN=Palisade
 * device <key id>". */
X509 *cert_make_device(X509 *ca, EVP_PKEY *ca_key, EVP_PKEY *device, char *err,
		       size_t err_size);

/* Reads a certificate (PEM, or DER) / a private key (PEM). NULL with a reason in err. */
X509 *cert_load(const char *path, char *err, size_t err_size);
EVP_PKEY *key_load(const char *path, char *err, size_t err_size);

/* PEM text of a certificate / of a private key (PKCS#8, unencrypted; the buffer is
 * secure memory: free with OPENSSL_secure_clear_free(*pem, *len)). */
int cert_pem(X509 *cert, char **pem, size_t *len);
int key_pem(EVP_PKEY *key, char **pem, size_t *len);

/*
 * The trust anchor profile: basicConstraints CA:TRUE, keyUsage with keyCertSign, an EC
 * P-384 key, signed with ecdsa-with-SHA384. 0, or -1 with the rule it breaks in err.
 */
int cert_check_anchor(X509 *ca, char *err, size_t err_size);

/*
 * The device certificate profile, exactly: basicConstraints critical CA:FALSE (no path
 * length), keyUsage critical digitalSignature and nothing else, extendedKeyUsage exactly
 * PALISADE_EKU_DEVICE_ATTESTATION, an EC P-384 key, signed with ecdsa-with-SHA384.
 * 0, or -1 with the rule it breaks in err.
 */
int cert_check_device(X509 *leaf, char *err, size_t err_size);

/*
 * The ca_chain check: 'ca' has the anchor profile; 'leaf' is neither the anchor itself
 * nor holds its public key; 'leaf' has the device profile; and 'leaf' chains to 'ca'
 * directly (no intermediates), at the current time, with X509_V_FLAG_X509_STRICT.
 * 0, or -1 with the reason (naming the rule) in err.
 */
int cert_verify_chain(X509 *ca, X509 *leaf, char *err, size_t err_size);

/* The subject as one line ("O=Palisade, CN=..."). */
void cert_subject(X509 *cert, char *out, size_t size);

#endif
