/* palisade verify: checks attestation evidence against the CA, a device certificate,
 * reference values, a nonce and the relying party's policy. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "certs.h"
#include "cli.h"
#include "fileio.h"
#include "hex.h"
#include "json.h"
#include "reference.h"

#define NONCE_MIN_LEN 16

static int nonce_all_zero(const unsigned char *p, size_t n)
{
	unsigned char acc = 0;

	for (size_t i = 0; i < n; i++)
		acc |= p[i];
	return acc == 0;
}
#include "verify.h"

#define EVIDENCE_READ_MAX (64 * 1024)

static const char help[] =
"usage: palisade verify --ca CA.pem --device-cert DEVICE.pem --reference REF.json\n"
"                       --nonce HEX [--min-svn N] [--allow-debug] [--rmr INDEX=HEX ...]\n"
"                       [--json] EVIDENCE\n"
"\n"
"Verifies Palisade attestation evidence (760 bytes, docs/attestation.md) and names the\n"
"first check that fails. Checks, in order:\n"
"  evidence_format        magic, sizes, the attestation key is a P-384 point (exit 2)\n"
"  ca_chain               CA.pem is a CA (CA:TRUE, keyCertSign); DEVICE.pem is not CA.pem\n"
"                         nor holds its key, has the device profile (critical CA:FALSE,\n"
"                         critical keyUsage digitalSignature only, extendedKeyUsage Palisade\n"
"                         device attestation), both P-384 and ecdsa-with-SHA384; DEVICE.pem\n"
"                         is issued by CA.pem\n"
"  endorsement_signature  the device key signed the endorsement (low-s signatures only)\n"
"  endorsement_version    endorsement version 1, size 264, reserved bytes zero\n"
"  report_signature       the endorsed attestation key signed the report (low-s only)\n"
"  report_version         report version 1, size 480, reserved bytes and unknown policy bits zero\n"
"  endorsement_match      report and endorsement carry the same hypervisor measurement and SVN\n"
"  hyp_measurement        the hypervisor measurement is one of REF.json's hyp_measurements\n"
"  hyp_svn                the hypervisor SVN is at least --min-svn (default 0)\n"
"  launch_measurement     the launch measurement is one of REF.json's launch_measurements\n"
"  report_data            report_data is the nonce, zero-padded to 64 bytes\n"
"  policy_debug           the VM does not allow debug, unless --allow-debug\n"
"  rmr[i]                 runtime measurement register i equals the --rmr value\n"
"\n"
"options:\n"
"  --ca FILE              the manufacturer CA certificate (the only trust anchor)\n"
"  --device-cert FILE     the device certificate made by 'palisade provision device'\n"
"  --reference FILE       reference values made by 'palisade measure --out'\n"
"  --nonce HEX            the challenge the VM put in report_data: 16 to 64 random\n"
"                         bytes (32 recommended), not all zero\n"
"  --min-svn N            lowest acceptable hypervisor security version\n"
"  --allow-debug          accept a VM whose policy allows debug\n"
"  --rmr INDEX=HEX        expected runtime measurement register INDEX (0..3), 96 hex digits;\n"
"                         repeatable\n"
"  --json                 print the result as JSON\n"
"\n"
"Exit status: 0 all checks passed, 1 a check failed, 2 usage error or unreadable or\n"
"malformed input (evidence, certificates, reference file).\n";

static void print_text(const struct verify_result *res)
{
	for (unsigned i = 0; i < res->count; i++)
		printf("%s %-22s %s\n", res->checks[i].passed ? "PASS" : "FAIL", res->checks[i].name,
		       res->checks[i].detail);
	if (res->status == EXIT_OK)
		printf("verify: OK, all %u checks passed\n", res->count);
	else
		printf("verify: FAILED: %s\n", res->failed);
}

static void print_json(const struct verify_result *res, const char *error)
{
	struct json_writer w;
	const struct report *r = &res->ev.report;

	jw_init(&w, stdout);
	jw_object(&w);
	jw_key(&w, "result");
	jw_string(&w, res->status == EXIT_OK ? "pass" : error || res->status == EXIT_USAGE ?
		  "error" : "fail");
	jw_key(&w, "exit_status");
	jw_uint(&w, (uint64_t)res->status);
	jw_key(&w, "failed_check");
	if (res->failed)
		jw_string(&w, res->failed);
	else
		jw_null(&w);
	jw_key(&w, "message");
	if (error)
		jw_string(&w, error);
	else if (res->failed)
		jw_string(&w, res->checks[res->count - 1].detail);
	else
		jw_string(&w, "all checks passed");
	jw_key(&w, "checks");
	jw_array(&w);
	for (unsigned i = 0; i < res->count; i++) {
		jw_object(&w);
		jw_key(&w, "name");
		jw_string(&w, res->checks[i].name);
		jw_key(&w, "result");
		jw_string(&w, res->checks[i].passed ? "pass" : "fail");
		jw_key(&w, "detail");
		jw_string(&w, res->checks[i].detail);
		jw_object_end(&w);
	}
	jw_array_end(&w);
	if (res->parsed) {
		/* What the evidence claims; trustworthy only when result is "pass". */
		jw_key(&w, "claims");
		jw_object(&w);
		jw_key(&w, "vm_id");
		jw_uint(&w, r->vm_id);
		jw_key(&w, "policy");
		jw_uint(&w, r->policy);
		jw_key(&w, "debug");
		jw_bool(&w, r->policy & POLICY_DEBUG);
		jw_key(&w, "hyp_svn");
		jw_uint(&w, r->hyp_svn);
		jw_key(&w, "hyp_measurement");
		jw_hex(&w, r->hyp_measurement, SHA384_LEN);
		jw_key(&w, "launch_measurement");
		jw_hex(&w, r->launch_measurement, SHA384_LEN);
		jw_key(&w, "report_data");
		jw_hex(&w, r->report_data, REPORT_DATA_LEN);
		jw_key(&w, "rmr");
		jw_array(&w);
		for (unsigned i = 0; i < RMR_COUNT; i++)
			jw_hex(&w, r->rmr[i], SHA384_LEN);
		jw_array_end(&w);
		jw_key(&w, "attestation_public_key");
		jw_hex(&w, res->ev.endorsement.attestation_key, P384_PUB_LEN);
		jw_object_end(&w);
	}
	jw_object_end(&w);
	jw_finish(&w);
}

/* An input problem (exit 2): a message, and in JSON mode a result object too. An
 * evidence file that cannot be read (or is far too large) fails evidence_format. */
static int input_error(bool json, const char *msg, bool evidence)
{
	if (json) {
		struct verify_result *res = calloc(1, sizeof(*res));

		if (res) {
			res->status = EXIT_USAGE;
			if (evidence) {
				res->count = 1;
				snprintf(res->checks[0].name, sizeof(res->checks[0].name),
					 "evidence_format");
				snprintf(res->checks[0].detail, sizeof(res->checks[0].detail), "%s",
					 msg);
				res->failed = res->checks[0].name;
			}
			print_json(res, msg);
			free(res);
		}
	}
	return fail_with(EXIT_USAGE, "verify: %s%s", evidence ? "evidence: " : "", msg);
}

int cmd_verify(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "ca", required_argument, NULL, 'c' },
		{ "device-cert", required_argument, NULL, 'd' },
		{ "reference", required_argument, NULL, 'r' },
		{ "nonce", required_argument, NULL, 'n' },
		{ "min-svn", required_argument, NULL, 's' },
		{ "allow-debug", no_argument, NULL, 'D' },
		{ "rmr", required_argument, NULL, 'm' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct command *cmd = command_find("verify");
	const char *ca_path = NULL, *dev_path = NULL, *ref_path = NULL, *nonce = NULL;
	struct verify_policy pol;
	struct verify_result *res = NULL;
	struct reference ref = { 0 };
	X509 *ca = NULL, *dev = NULL;
	uint8_t *ev = NULL;
	size_t ev_len = 0;
	bool json = false;
	char err[512];
	int c, status = EXIT_USAGE;
	long n;

	memset(&pol, 0, sizeof(pol));
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': ca_path = optarg; break;
		case 'd': dev_path = optarg; break;
		case 'r': ref_path = optarg; break;
		case 'n': nonce = optarg; break;
		case 'D': pol.allow_debug = true; break;
		case 'j': json = true; break;
		case 's':
			if (parse_u32(optarg, &pol.min_svn))
				return usage_error(cmd, "--min-svn '%s': not a 32-bit number", optarg);
			break;
		case 'm': {
			char *eq = strchr(optarg, '=');
			uint32_t i;

			if (!eq)
				return usage_error(cmd, "--rmr '%s': expected INDEX=HEX", optarg);
			*eq = '\0';
			if (parse_u32(optarg, &i) || i >= RMR_COUNT)
				return usage_error(cmd, "--rmr: index '%s' is not 0..3", optarg);
			if (pol.rmr_set[i])
				return usage_error(cmd, "--rmr: register %u given twice", i);
			if (strlen(eq + 1) != 2 * SHA384_LEN ||
			    hex_decode(eq + 1, pol.rmr[i], SHA384_LEN) != SHA384_LEN)
				return usage_error(cmd, "--rmr %u: value must be 96 hex digits", i);
			pol.rmr_set[i] = true;
			break;
		}
		case 'h':
			fputs(help, stdout);
			return EXIT_OK;
		default:
			return usage_error(cmd, "unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	if (optind != argc - 1)
		return usage_error(cmd, optind >= argc ? "no EVIDENCE file given" :
				   "one EVIDENCE file expected, got more");
	if (!ca_path || !dev_path || !ref_path || !nonce)
		return usage_error(cmd, "--ca, --device-cert, --reference and --nonce are required");
	n = hex_decode(nonce, pol.report_data, REPORT_DATA_LEN);
	if (n < 1)
		return usage_error(cmd, "--nonce: 16 to 64 bytes as hex digits (got '%.20s%s')",
				   nonce, strlen(nonce) > 20 ? "..." : "");
	/* A challenge must be unpredictable: too short, or all zero (what report_data holds
	 * when the VM never set it), proves no freshness (docs/attestation.md, section 8). */
	if (n < NONCE_MIN_LEN)
		return usage_error(cmd, "--nonce: at least %d bytes (32 recommended), got %ld",
				   NONCE_MIN_LEN, n);
	if (nonce_all_zero(pol.report_data, (size_t)n))
		return usage_error(cmd, "--nonce: an all-zero nonce is no challenge");

	if (!(ca = cert_load(ca_path, err, sizeof(err))) ||
	    !(dev = cert_load(dev_path, err, sizeof(err))) ||
	    reference_load(ref_path, &ref, err, sizeof(err))) {
		status = input_error(json, err, false);
		goto out;
	}
	if (file_read(argv[optind], EVIDENCE_READ_MAX, &ev, &ev_len, err, sizeof(err))) {
		status = input_error(json, err, true);
		goto out;
	}
	pol.ref = &ref;
	res = calloc(1, sizeof(*res));
	if (!res) {
		status = input_error(json, "out of memory", false);
		goto out;
	}
	status = verify_evidence(ca, dev, &pol, ev, ev_len, res);
	if (json)
		print_json(res, NULL);
	else
		print_text(res);
	if (status == EXIT_USAGE)
		fail_with(status, "verify: malformed evidence: %s", res->checks[res->count - 1].detail);
	else if (status != EXIT_OK)
		fail_with(status, "verify: check %s failed: %s", res->failed,
			  res->checks[res->count - 1].detail);
out:
	free(res);
	file_free(ev);
	reference_free(&ref);
	X509_free(dev);
	X509_free(ca);
	return status;
}
