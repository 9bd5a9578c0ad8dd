/* Evidence verification: see verify.h. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "certs.h"
#include "cli.h"
#include "hex.h"
#include "keys.h"
#include "verify.h"

static bool check(struct verify_result *res, const char *name, bool ok, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Records one check; returns ok. A failed check ends verification with status 1. */
static bool check(struct verify_result *res, const char *name, bool ok, const char *fmt, ...)
{
	struct verify_check *c = &res->checks[res->count < VERIFY_MAX_CHECKS ? res->count++ :
					      VERIFY_MAX_CHECKS - 1];
	va_list ap;

	snprintf(c->name, sizeof(c->name), "%s", name);
	c->passed = ok;
	va_start(ap, fmt);
	vsnprintf(c->detail, sizeof(c->detail), fmt, ap);
	va_end(ap);
	if (!ok) {
		res->failed = c->name;
		res->status = EXIT_CHECK_FAILED;
	}
	return ok;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	uint8_t acc = 0;

	for (size_t i = 0; i < n; i++)
		acc |= p[i];
	return acc == 0;
}

/* "<first 16 hex digits>..." for messages. */
static const char *short_hex(const uint8_t *p, size_t n, char *buf)
{
	hex_encode(p, n > 8 ? 8 : n, buf);
	if (n > 8)
		strcat(buf, "...");
	return buf;
}

static bool sig_check(struct verify_result *res, const char *name, EVP_PKEY *key,
		      const uint8_t *signed_bytes, size_t len, const uint8_t sig[P384_SIG_LEN],
		      const char *what)
{
	uint8_t digest[SHA384_LEN];
	bool ok = !sha384(signed_bytes, len, digest) && p384_verify_digest(key, digest, sig) == 1;

	if (!ok)
		return check(res, name, false, "%s: the signature does not verify", what);
	/* (r, n - s) verifies too: only the low form is accepted (one encoding). */
	if (!p384_sig_is_low_s(sig))
		return check(res, name, false, "%s: high-s signature (s > n/2); only low-s "
			     "ECDSA signatures are accepted", what);
	return check(res, name, true, "%s: valid ECDSA P-384 signature (low s)", what);
}

int verify_evidence(X509 *ca, X509 *device, const struct verify_policy *pol,
		    const uint8_t *evidence, size_t len, struct verify_result *res)
{
	const struct report *r = &res->ev.report;
	const struct endorsement *e = &res->ev.endorsement;
	EVP_PKEY *device_key, *att_key = NULL;
	char why[256], a[24], b[24];
	bool ok;

	memset(res, 0, sizeof(*res));
	if (evidence_parse(evidence, len, &res->ev, why, sizeof(why))) {
		check(res, "evidence_format", false, "%s", why);
		res->status = EXIT_USAGE;
		return res->status;
	}
	res->parsed = true;
	check(res, "evidence_format", true, "PALEVID1, report %u bytes, endorsement %u bytes",
	      REPORT_LEN, ENDORSEMENT_LEN);

	/* 1. manufacturer CA -> device certificate: both profiles, then the chain */
	if (cert_verify_chain(ca, device, why, sizeof(why))) {
		check(res, "ca_chain", false, "%s", why);
		return res->status;
	}
	device_key = X509_get0_pubkey(device);
	cert_subject(device, why, sizeof(why));
	check(res, "ca_chain", true, "device certificate %s issued by the CA", why);

	/* 2. device key -> endorsement of the attestation key, HM and SVN */
	if (!sig_check(res, "endorsement_signature", device_key,
		       evidence_endorsement_bytes(&res->ev), ENDORSEMENT_SIGNED_LEN, e->signature,
		       "endorsement signed by the device key"))
		return res->status;
	if (!check(res, "endorsement_version",
		   e->version == ENDORSEMENT_VERSION && e->size == ENDORSEMENT_LEN &&
		   e->reserved0 == 0 && all_zero(e->reserved1, sizeof(e->reserved1)),
		   "endorsement version %u, size %u, reserved fields %s", e->version, e->size,
		   e->reserved0 == 0 && all_zero(e->reserved1, sizeof(e->reserved1)) ? "zero" :
		   "NOT zero"))
		return res->status;

	/* 3. attestation key -> report */
	att_key = p384_pkey_from_public(e->attestation_key);
	if (!att_key) {   /* evidence_parse checked the point: only on resource failure */
		check(res, "report_signature", false, "the attestation key cannot be loaded");
		return res->status;
	}
	ok = sig_check(res, "report_signature", att_key, evidence_report_bytes(&res->ev),
		       REPORT_SIGNED_LEN, r->signature, "report signed by the endorsed attestation key");
	EVP_PKEY_free(att_key);
	if (!ok)
		return res->status;
	ok = r->version == REPORT_VERSION && r->size == REPORT_LEN && r->reserved0 == 0 &&
	     r->reserved1 == 0 && !(r->policy & ~POLICY_KNOWN);
	if (!check(res, "report_version", ok, "report version %u, size %u, reserved fields %s, "
		   "policy 0x%x%s", r->version, r->size,
		   r->reserved0 == 0 && r->reserved1 == 0 ? "zero" : "NOT zero", r->policy,
		   r->policy & ~POLICY_KNOWN ? " has unknown bits" : ""))
		return res->status;

	/* 4. the report belongs to the endorsed hypervisor */
	ok = !memcmp(r->hyp_measurement, e->hyp_measurement, SHA384_LEN) &&
	     r->hyp_svn == e->hyp_svn;
	if (!check(res, "endorsement_match", ok, ok ?
		   "report and endorsement name the same hypervisor (measurement and SVN)" :
		   "report (HM %s, SVN %u) and endorsement (HM %s, SVN %u) differ",
		   short_hex(r->hyp_measurement, SHA384_LEN, a), r->hyp_svn,
		   short_hex(e->hyp_measurement, SHA384_LEN, b), e->hyp_svn))
		return res->status;

	/* 5. the relying party's policy */
	ok = reference_has_hyp(pol->ref, r->hyp_measurement);
	if (!check(res, "hyp_measurement", ok, "hypervisor measurement %s %s the reference",
		   short_hex(r->hyp_measurement, SHA384_LEN, a), ok ? "is in" : "is NOT in"))
		return res->status;
	if (!check(res, "hyp_svn", r->hyp_svn >= pol->min_svn, "hypervisor SVN %u, minimum %u",
		   r->hyp_svn, pol->min_svn))
		return res->status;
	ok = reference_has_launch(pol->ref, r->launch_measurement);
	if (!check(res, "launch_measurement", ok, "launch measurement %s %s the reference",
		   short_hex(r->launch_measurement, SHA384_LEN, a), ok ? "is in" : "is NOT in"))
		return res->status;
	ok = !memcmp(r->report_data, pol->report_data, REPORT_DATA_LEN);
	if (!check(res, "report_data", ok, ok ? "report_data is the nonce" :
		   "report_data %s is not the nonce %s (zero-padded to 64 bytes)",
		   short_hex(r->report_data, REPORT_DATA_LEN, a),
		   short_hex(pol->report_data, REPORT_DATA_LEN, b)))
		return res->status;
	ok = !(r->policy & POLICY_DEBUG) || pol->allow_debug;
	if (!check(res, "policy_debug", ok, "debug %s%s", r->policy & POLICY_DEBUG ?
		   "allowed by the VM's policy" : "off",
		   ok ? "" : ", and --allow-debug was not given"))
		return res->status;
	for (unsigned i = 0; i < RMR_COUNT; i++) {
		char name[8];

		if (!pol->rmr_set[i])
			continue;
		snprintf(name, sizeof(name), "rmr[%u]", i);
		ok = !memcmp(r->rmr[i], pol->rmr[i], SHA384_LEN);
		if (!check(res, name, ok, "rmr[%u] %s %s the expected %s", i,
			   short_hex(r->rmr[i], SHA384_LEN, a), ok ? "equals" : "differs from",
			   short_hex(pol->rmr[i], SHA384_LEN, b)))
			return res->status;
	}
	res->status = EXIT_OK;
	return res->status;
}
