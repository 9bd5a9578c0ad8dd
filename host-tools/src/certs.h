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

/* A device certificate for the public key 'device', issued by ca/ca_key: CA:FALSE,
 * digitalSignature, subject "O=Palisade, CN=Palisade device <key id>". */
X509 *cert_make_device(X509 *ca, EVP_PKEY *ca_key, EVP_PKEY *device, char *err,
		       size_t err_size);

/* Reads a certificate (PEM, or DER) / a private key (PEM). NULL with a reason in err. */
X509 *cert_load(const char *path, char *err, size_t err_size);
EVP_PKEY *key_load(const char *path, char *err, size_t err_size);

/* PEM text of a certificate / of a private key (PKCS#8, unencrypted; the buffer is
 * secure memory: free with OPENSSL_secure_clear_free(*pem, *len)). */
int cert_pem(X509 *cert, char **pem, size_t *len);
int key_pem(EVP_PKEY *key, char **pem, size_t *len);

/* Verifies that 'leaf' chains to the trust anchor 'ca' directly (no intermediates),
 * at the current time, with X509_V_FLAG_X509_STRICT. 0, or -1 with the reason. */
int cert_verify_chain(X509 *ca, X509 *leaf, char *err, size_t err_size);

/* The subject as one line ("O=Palisade, CN=..."). */
void cert_subject(X509 *cert, char *out, size_t size);

#endif
