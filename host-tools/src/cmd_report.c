/* palisade report show: prints every field of an evidence file (without judging it). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include "cli.h"
#include "evidence.h"
#include "fileio.h"
#include "hex.h"
#include "json.h"

static const char help[] =
"usage: palisade report show [--json] EVIDENCE\n"
"\n"
"Prints every field of Palisade attestation evidence (docs/attestation.md sections 3 to\n"
"5): the report, the endorsement and both signatures. Nothing is verified: use\n"
"'palisade verify' to decide whether to trust it. The file must be well-formed\n"
"(760 bytes, magic PALEVID1, sizes 480 and 264, a P-384 attestation key).\n"
"\n"
"options:\n"
"  --json   print the fields as JSON\n"
"\n"
"Exit status: 0 printed, 2 usage error or unreadable or malformed evidence.\n";

static void line_hex(const char *name, const uint8_t *p, size_t n)
{
	char hex[2 * 128 + 1];

	hex_encode(p, n, hex);
	printf("  %-24s %s\n", name, hex);
}

static void print_text(const struct evidence *ev)
{
	const struct report *r = &ev->report;
	const struct endorsement *e = &ev->endorsement;
	char name[16];

	printf("evidence: magic %s, report %u bytes, endorsement %u bytes (NOT verified)\n",
	       EVIDENCE_MAGIC, REPORT_LEN, ENDORSEMENT_LEN);
	printf("report:\n");
	printf("  %-24s %u\n", "version", r->version);
	printf("  %-24s %u\n", "size", r->size);
	printf("  %-24s %u\n", "vm_id", r->vm_id);
	printf("  %-24s 0x%08x (debug %s%s)\n", "policy", r->policy,
	       r->policy & POLICY_DEBUG ? "allowed" : "off",
	       r->policy & ~POLICY_KNOWN ? ", unknown bits set" : "");
	printf("  %-24s %u\n", "hyp_svn", r->hyp_svn);
	printf("  %-24s 0x%08x\n", "reserved (20)", r->reserved0);
	line_hex("report_data", r->report_data, REPORT_DATA_LEN);
	line_hex("launch_measurement", r->launch_measurement, SHA384_LEN);
	for (unsigned i = 0; i < RMR_COUNT; i++) {
		snprintf(name, sizeof(name), "rmr[%u]", i);
		line_hex(name, r->rmr[i], SHA384_LEN);
	}
	line_hex("hyp_measurement", r->hyp_measurement, SHA384_LEN);
	printf("  %-24s 0x%016llx\n", "reserved (376)", (unsigned long long)r->reserved1);
	line_hex("signature.r", r->signature, 48);
	line_hex("signature.s", r->signature + 48, 48);
	printf("endorsement:\n");
	printf("  %-24s %u\n", "version", e->version);
	printf("  %-24s %u\n", "size", e->size);
	printf("  %-24s %u\n", "hyp_svn", e->hyp_svn);
	printf("  %-24s 0x%08x\n", "reserved (12)", e->reserved0);
	line_hex("hyp_measurement", e->hyp_measurement, SHA384_LEN);
	line_hex("attestation_public_key", e->attestation_key, P384_PUB_LEN);
	line_hex("reserved (161)", e->reserved1, sizeof(e->reserved1));
	line_hex("signature.r", e->signature, 48);
	line_hex("signature.s", e->signature + 48, 48);
}

static void print_json(const struct evidence *ev)
{
	const struct report *r = &ev->report;
	const struct endorsement *e = &ev->endorsement;
	struct json_writer w;
	uint8_t res1[8];

	for (int i = 0; i < 8; i++)
		res1[i] = (uint8_t)(r->reserved1 >> (8 * i));
	jw_init(&w, stdout);
	jw_object(&w);
	jw_key(&w, "magic");
	jw_string(&w, EVIDENCE_MAGIC);
	jw_key(&w, "verified");
	jw_bool(&w, false);
	jw_key(&w, "report");
	jw_object(&w);
	jw_key(&w, "version");
	jw_uint(&w, r->version);
	jw_key(&w, "size");
	jw_uint(&w, r->size);
	jw_key(&w, "vm_id");
	jw_uint(&w, r->vm_id);
	jw_key(&w, "policy");
	jw_uint(&w, r->policy);
	jw_key(&w, "debug");
	jw_bool(&w, r->policy & POLICY_DEBUG);
	jw_key(&w, "hyp_svn");
	jw_uint(&w, r->hyp_svn);
	jw_key(&w, "reserved_20");
	jw_uint(&w, r->reserved0);
	jw_key(&w, "report_data");
	jw_hex(&w, r->report_data, REPORT_DATA_LEN);
	jw_key(&w, "launch_measurement");
	jw_hex(&w, r->launch_measurement, SHA384_LEN);
	jw_key(&w, "rmr");
	jw_array(&w);
	for (unsigned i = 0; i < RMR_COUNT; i++)
		jw_hex(&w, r->rmr[i], SHA384_LEN);
	jw_array_end(&w);
	jw_key(&w, "hyp_measurement");
	jw_hex(&w, r->hyp_measurement, SHA384_LEN);
	jw_key(&w, "reserved_376");
	jw_hex(&w, res1, sizeof(res1));
	jw_key(&w, "signature");
	jw_hex(&w, r->signature, P384_SIG_LEN);
	jw_object_end(&w);
	jw_key(&w, "endorsement");
	jw_object(&w);
	jw_key(&w, "version");
	jw_uint(&w, e->version);
	jw_key(&w, "size");
	jw_uint(&w, e->size);
	jw_key(&w, "hyp_svn");
	jw_uint(&w, e->hyp_svn);
	jw_key(&w, "reserved_12");
	jw_uint(&w, e->reserved0);
	jw_key(&w, "hyp_measurement");
	jw_hex(&w, e->hyp_measurement, SHA384_LEN);
	jw_key(&w, "attestation_public_key");
	jw_hex(&w, e->attestation_key, P384_PUB_LEN);
	jw_key(&w, "reserved_161");
	jw_hex(&w, e->reserved1, sizeof(e->reserved1));
	jw_key(&w, "signature");
	jw_hex(&w, e->signature, P384_SIG_LEN);
	jw_object_end(&w);
	jw_object_end(&w);
	jw_finish(&w);
}

int cmd_report_show(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct command *cmd = command_find("report show");
	struct evidence ev;
	uint8_t *data;
	size_t len;
	bool json = false;
	char err[512];
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'h':
			fputs(help, stdout);
			return EXIT_OK;
		default:
			return usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind != argc - 1)
		return usage_error(cmd, optind >= argc ? "no EVIDENCE file given" :
				   "one EVIDENCE file expected, got more");
	if (file_read(argv[optind], 64 * 1024, &data, &len, err, sizeof(err)))
		return fail_with(EXIT_USAGE, "report show: %s", err);
	c = evidence_parse(data, len, &ev, err, sizeof(err));
	file_free(data);
	if (c)
		return fail_with(EXIT_USAGE, "report show: %s: %s", argv[optind], err);
	if (json)
		print_json(&ev);
	else
		print_text(&ev);
	return EXIT_OK;
}
