/*
 * The relying party's verification of Palisade evidence: the checks, their order and
 * their stable names (docs/host-tools.md, docs/attestation.md section 8). Kept apart from
 * the command line so tests can run it in-process.
 */
#ifndef PALISADE_VERIFY_H
#define PALISADE_VERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <openssl/x509.h>
#include "evidence.h"
#include "reference.h"

#define VERIFY_MAX_CHECKS 20

struct verify_policy {
	const struct reference *ref;
	uint8_t report_data[REPORT_DATA_LEN];   /* expected: the nonce, zero-padded */
	uint32_t min_svn;
	bool allow_debug;
	bool rmr_set[RMR_COUNT];
	uint8_t rmr[RMR_COUNT][SHA384_LEN];
};

struct verify_check {
	char name[24];
	bool passed;
	char detail[320];
};

struct verify_result {
	int status;                             /* 0 all passed, 1 a check failed, 2 malformed */
	const char *failed;                     /* the failed check's name, or NULL */
	unsigned count;
	struct verify_check checks[VERIFY_MAX_CHECKS];
	bool parsed;                            /* ev holds the parsed evidence */
	struct evidence ev;
};

/*
 * Runs the checks in order and stops at the first failure:
 *   evidence_format (status 2 when it fails), ca_chain, endorsement_signature,
 *   endorsement_version, report_signature, report_version, endorsement_match,
 *   hyp_measurement, hyp_svn, launch_measurement, report_data, policy_debug, rmr[i].
 * Returns res->status.
 */
int verify_evidence(X509 *ca, X509 *device, const struct verify_policy *pol,
		    const uint8_t *evidence, size_t len, struct verify_result *res);

#endif
