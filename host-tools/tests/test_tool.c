/*
 * unit.host_tools: the palisade tool's building blocks in-process (ASan/UBSan):
 * hex and number parsing, the JSON reader and writer (with a fuzz loop), evidence
 * parsing and encoding, the hypervisor image header, launch measurement records, the
 * reference file, and the key derivations: the known answer of docs/crypto.md and
 * agreement with the EL2 implementation (crypto/, Mbed TLS) for random secrets.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "palisade/crypto.h"

#include "cli.h"
#include "evidence.h"
#include "hex.h"
#include "hypimage.h"
#include "json.h"
#include "keys.h"
#include "launch.h"
#include "reference.h"

const struct command commands[] = { { NULL, NULL, NULL, NULL } };

static uint64_t rng_state = 0x243f6a8885a308d3ull;

static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static void fill(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)rnd();
}

static void unhex(const char *s, uint8_t *out, size_t n)
{
	assert_int_equal(hex_decode(s, out, n), (long)n);
}

/* ---- hex and numbers ---- */

static void test_hex(void **state)
{
	uint8_t b[4];
	char s[9];
	(void)state;

	assert_int_equal(hex_decode("00ff7Ab2", b, 4), 4);
	hex_encode(b, 4, s);
	assert_string_equal(s, "00ff7ab2");
	assert_int_equal(hex_decode("", b, 4), 0);
	assert_int_equal(hex_decode("abc", b, 4), -1);
	assert_int_equal(hex_decode("0g", b, 4), -1);
	assert_int_equal(hex_decode("0x12", b, 4), -1);
	assert_int_equal(hex_decode("0011223344", b, 4), -1);
	assert_int_equal(hex_decode(" 0", b, 4), -1);
}

static void test_numbers(void **state)
{
	uint64_t v;
	uint32_t u;
	(void)state;

	assert_int_equal(parse_u64("256M", true, &v), 0);
	assert_int_equal(v, 256ull << 20);
	assert_int_equal(parse_u64("2GiB", true, &v), 0);
	assert_int_equal(v, 2ull << 30);
	assert_int_equal(parse_u64("0x80000000", true, &v), 0);
	assert_int_equal(v, 0x80000000ull);
	assert_int_equal(parse_u64("4096", false, &v), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(parse_u64("1K", false, &v), -1);
	assert_int_equal(parse_u64("-1", true, &v), -1);
	assert_int_equal(parse_u64("", true, &v), -1);
	assert_int_equal(parse_u64("0x", true, &v), -1);
	assert_int_equal(parse_u64("12Q", true, &v), -1);
	assert_int_equal(parse_u64("99999999999999999999", true, &v), -1);
	assert_int_equal(parse_u64("17179869184G", true, &v), -1);   /* 2^34 G overflows */
	assert_int_equal(parse_u32("4294967295", &u), 0);
	assert_int_equal(u, 4294967295u);
	assert_int_equal(parse_u32("4294967296", &u), -1);
}

/* ---- JSON ---- */

static struct json_value *parse(const char *s, char *err)
{
	return json_parse(s, strlen(s), err, 200);
}

static void test_json_reader(void **state)
{
	char err[200];
	struct json_value *v;
	const struct json_value *m;
	(void)state;

	v = parse(" {\"a\": [1, -2.5e+3, true, false, null, \"x\\u00e9\\ud83d\\ude00\\n\"],"
		  " \"b\": {}, \"c\": []} ", err);
	assert_non_null(v);
	assert_int_equal(v->count, 3);
	m = json_get(v, "a");
	assert_non_null(m);
	assert_int_equal(m->type, JSON_ARRAY);
	assert_int_equal(m->count, 6);
	assert_string_equal(m->child->text, "1");
	assert_string_equal(m->child->next->text, "-2.5e+3");
	assert_true(m->child->next->next->boolean);
	assert_string_equal(m->child->next->next->next->next->next->text,
			    "x\xc3\xa9\xf0\x9f\x98\x80\n");
	assert_int_equal(json_get(v, "b")->type, JSON_OBJECT);
	assert_null(json_get(v, "d"));
	json_free(v);

	static const struct { const char *doc, *why; } bad[] = {
		{ "", "unexpected end of input" },
		{ "{", "expected a string key" },
		{ "{\"a\" 1}", "expected ':'" },
		{ "{\"a\": 1,}", "expected a string key" },
		{ "[1 2]", "expected ',' or ']'" },
		{ "[1,]", "unexpected character" },
		{ "{\"a\": 1, \"a\": 2}", "duplicate key \"a\"" },
		{ "01", "unexpected data after" },
		{ "1.", "no digit after '.'" },
		{ "1e", "no digit in the exponent" },
		{ "-", "bad number" },
		{ "\"abc", "unterminated string" },
		{ "\"a\tb\"", "control character 0x09" },
		{ "\"\\x\"", "bad escape" },
		{ "\"\\u12\"", "bad \\u escape" },
		{ "\"\\ud800\"", "unpaired UTF-16 surrogate" },
		{ "\"\\udc00\"", "unpaired UTF-16 surrogate" },
		{ "\"\\u0000\"", "\\u0000 in a string" },
		{ "\"\xff\"", "invalid UTF-8" },
		{ "\"\xc0\xaf\"", "invalid UTF-8" },
		{ "\"\xed\xa0\x80\"", "invalid UTF-8" },
		{ "tru", "unexpected character" },
		{ "nul", "unexpected character" },
		{ "{} {}", "unexpected data after" },
		{ "\xef\xbb\xbf{}", "unexpected character" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = parse(bad[i].doc, err);
		if (v || !strstr(err, bad[i].why)) {
			fprintf(stderr, "doc %zu: got \"%s\", want \"%s\"\n", i, err, bad[i].why);
			fail();
		}
	}
	/* Nesting: 32 levels parse, 33 do not. */
	char deep[80];
	memset(deep, '[', 32);
	memset(deep + 32, ']', 32);
	deep[64] = '\0';
	v = parse(deep, err);
	assert_non_null(v);
	json_free(v);
	memset(deep, '[', 33);
	memset(deep + 33, ']', 33);
	deep[66] = '\0';
	assert_null(parse(deep, err));
	assert_non_null(strstr(err, "nested deeper than 32"));
	/* Error positions. */
	assert_null(parse("{\n  \"a\": x}", err));
	assert_string_equal(err, "line 2, column 8: unexpected character");
}

static void test_json_writer_roundtrip(void **state)
{
	char *buf = NULL, err[200];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct json_writer w;
	uint8_t bytes[3] = { 0x00, 0xab, 0xff };
	(void)state;

	jw_init(&w, f);
	jw_object(&w);
	jw_key(&w, "s");
	jw_string(&w, "q\"b\\s\n\x01");
	jw_key(&w, "h");
	jw_hex(&w, bytes, 3);
	jw_key(&w, "x");
	jw_hex64(&w, 0x80000000);
	jw_key(&w, "u");
	jw_uint(&w, 18446744073709551615ull);
	jw_key(&w, "e");
	jw_array(&w);
	jw_array_end(&w);
	jw_key(&w, "a");
	jw_array(&w);
	jw_bool(&w, true);
	jw_null(&w);
	jw_object(&w);
	jw_object_end(&w);
	jw_array_end(&w);
	jw_object_end(&w);
	jw_finish(&w);
	fclose(f);
	struct json_value *v = json_parse(buf, len, err, sizeof(err));
	if (!v) {
		fprintf(stderr, "%s\n%s\n", err, buf);
		fail();
	}
	assert_string_equal(json_get(v, "s")->text, "q\"b\\s\n\x01");
	assert_string_equal(json_get(v, "h")->text, "00abff");
	assert_string_equal(json_get(v, "x")->text, "0x80000000");
	assert_string_equal(json_get(v, "u")->text, "18446744073709551615");
	assert_int_equal(json_get(v, "e")->count, 0);
	assert_int_equal(json_get(v, "a")->count, 3);
	json_free(v);
	free(buf);
}

/* Random documents and mutations of a valid one: parse or fail cleanly, never crash. */
static void test_json_fuzz(void **state)
{
	static const char seed[] = "{\"version\": 1, \"hyp_measurements\": [\"00ff\"], "
				   "\"x\": {\"y\": [true, false, null, -0.5e7, \"\\u00e9\\n\"]}}";
	static const char alphabet[] = "{}[]\",:\\/ 0123456789.eE+-truefalsnu\x01\x7f\xc3\xa9\xff";
	char buf[160], err[200];
	(void)state;

	for (int i = 0; i < 30000; i++) {
		size_t len = sizeof(seed) - 1;

		memcpy(buf, seed, len);
		if (i & 1) {
			for (int k = 0; k < 1 + (int)(rnd() % 4); k++)
				buf[rnd() % len] = alphabet[rnd() % (sizeof(alphabet) - 1)];
			if (!(rnd() % 4))
				len = rnd() % len;
		} else {
			len = rnd() % sizeof(buf);
			for (size_t k = 0; k < len; k++)
				buf[k] = alphabet[rnd() % (sizeof(alphabet) - 1)];
		}
		/* Not NUL-terminated on purpose: the parser must respect len. */
		char *copy = malloc(len ? len : 1);
		memcpy(copy, buf, len);
		struct json_value *v = json_parse(copy, len, err, sizeof(err));
		if (v)
			json_free(v);
		else
			assert_true(strncmp(err, "line ", 5) == 0);
		free(copy);
	}
}

/* ---- reference file ---- */

static const char *write_tmp(const char *text)
{
	static char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/tmp/palisade-ref-%d.json", (int)getpid());
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

#define H96 "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f" \
	    "202122232425262728292a2b2c2d2e2f"
#define H96B "ff0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f" \
	     "202122232425262728292a2b2c2d2e2f"

static void test_reference(void **state)
{
	struct reference ref;
	char err[300];
	uint8_t v[48];
	(void)state;

	assert_int_equal(reference_load(write_tmp("{\"version\": 1, \"hyp_measurements\": [\"" H96
		"\"], \"launch_measurements\": [\"" H96B "\", \"" H96 "\"], \"inputs\": {}, "
		"\"other\": [1]}"), &ref, err, sizeof(err)), 0);
	assert_int_equal(ref.hyp_count, 1);
	assert_int_equal(ref.launch_count, 2);
	unhex(H96, v, 48);
	assert_true(reference_has_hyp(&ref, v));
	assert_true(reference_has_launch(&ref, v));
	v[47] ^= 1;
	assert_false(reference_has_hyp(&ref, v));
	reference_free(&ref);

	static const struct { const char *doc, *why; } bad[] = {
		{ "[]", "must be a JSON object" },
		{ "{\"hyp_measurements\": [], \"launch_measurements\": []}", "\"version\" must be 1" },
		{ "{\"version\": 2}", "\"version\" must be 1" },
		{ "{\"version\": \"1\"}", "\"version\" must be 1" },
		{ "{\"version\": 1.0}", "\"version\" must be 1" },
		{ "{\"version\": 1, \"launch_measurements\": [\"" H96 "\"]}", "no \"hyp_measurements\"" },
		{ "{\"version\": 1, \"hyp_measurements\": {}, \"launch_measurements\": []}",
		  "\"hyp_measurements\" is a object, not a list" },
		{ "{\"version\": 1, \"hyp_measurements\": [], \"launch_measurements\": []}",
		  "\"hyp_measurements\" has 0 values" },
		{ "{\"version\": 1, \"hyp_measurements\": [\"" H96 "\"], \"launch_measurements\": "
		  "[\"" H96 "0\"]}", "\"launch_measurements\"[0] is not a SHA-384 value" },
		{ "{\"version\": 1, \"hyp_measurements\": [\"" H96 "\"], \"launch_measurements\": "
		  "[\"" H96 "\", 7]}", "\"launch_measurements\"[1] is not a SHA-384 value" },
		{ "{\"version\": 1, \"hyp_measurements\": [\"zz" H96 "\"]}", "not a SHA-384" },
		{ "{\"version\": 1,", "not valid JSON" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (!reference_load(write_tmp(bad[i].doc), &ref, err, sizeof(err)) ||
		    !strstr(err, bad[i].why)) {
			fprintf(stderr, "case %zu: got \"%s\", want \"%s\"\n", i, err, bad[i].why);
			fail();
		}
		assert_null(ref.hyp);
		assert_null(ref.launch);
	}
	assert_int_equal(reference_load("/nonexistent/ref.json", &ref, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "No such file"));
	unlink(write_tmp(""));
}

/* ---- hypervisor image ---- */

static uint8_t *hyp_image(size_t size, uint32_t svn)
{
	uint8_t *img = calloc(1, size);

	fill(img + 64, size - 64);
	img[0] = 0x10;
	img[3] = 0x14;
	memcpy(img + 8, "PALHYP01", 8);
	for (int i = 0; i < 8; i++)
		img[16 + i] = (uint8_t)((uint64_t)size >> (8 * i));
	for (int i = 0; i < 4; i++)
		img[24 + i] = (uint8_t)(svn >> (8 * i));
	return img;
}

static void test_hyp_image(void **state)
{
	struct hyp_image h;
	char err[200];
	uint8_t digest[48];
	uint8_t *img = hyp_image(10000, 7);
	(void)state;

	assert_int_equal(hyp_image_measure(img, 10000, &h, err, sizeof(err)), 0);
	assert_int_equal(h.svn, 7);
	assert_int_equal(h.image_size, 10000);
	assert_int_equal(h.branch, 0x14000010);
	assert_int_equal(crypto_sha384(img, 10000, digest), 0);
	assert_memory_equal(h.measurement, digest, 48);

	assert_int_equal(hyp_image_measure(img, 63, &h, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "63 bytes, shorter than the 64-byte header"));
	assert_int_equal(hyp_image_measure(img, 9999, &h, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "image_size 10000 differs from the file size 9999"));
	img[4] = 1;
	assert_int_equal(hyp_image_measure(img, 10000, &h, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "reserved header bytes 4..7"));
	img[4] = 0;
	img[63] = 1;
	assert_int_equal(hyp_image_measure(img, 10000, &h, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "reserved header byte 63"));
	img[63] = 0;
	img[8] = 'X';
	assert_int_equal(hyp_image_measure(img, 10000, &h, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no \"PALHYP01\" magic"));
	free(img);
	img = hyp_image(64, 0);
	assert_int_equal(hyp_image_measure(img, 64, &h, err, sizeof(err)), 0);
	free(img);
	img = hyp_image(HYP_IMAGE_MAX + 4096, 0);
	assert_int_equal(hyp_image_measure(img, HYP_IMAGE_MAX + 4096, &h, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "outside [64, 6291456]"));
	free(img);
}

/* ---- launch measurement records ---- */

static void test_launch_records(void **state)
{
	struct launch_record r = { .op = 2, .perms = 0x11223344, .ipa = 0x0102030405060708ull,
				   .size = 0x1112131415161718ull,
				   .a = { 1, 2, 3, 4, 5, 0x3c5 } };
	uint8_t rec[128], page[4096], buf[176], expect[48];
	struct launch lm;
	(void)state;

	fill(r.digest, 48);
	launch_record_encode(&r, rec);
	/* The byte layout of docs/attestation.md section 1, spelled out. */
	static const uint8_t head[24] = { 2, 0, 0, 0, 0x44, 0x33, 0x22, 0x11,
					  8, 7, 6, 5, 4, 3, 2, 1, 0x18, 0x17, 0x16, 0x15, 0x14, 0x13,
					  0x12, 0x11 };
	assert_memory_equal(rec, head, 24);
	assert_memory_equal(rec + 24, r.digest, 48);
	for (int i = 0; i < 6; i++) {
		assert_int_equal(rec[72 + 8 * i], i < 5 ? i + 1 : 0xc5);
		assert_int_equal(rec[72 + 8 * i + 1], i < 5 ? 0 : 0x03);
	}
	for (int i = 120; i < 128; i++)
		assert_int_equal(rec[i], 0);

	/* The chain: LM_1 = SHA-384(48 zero bytes || LOAD_PAGE record). */
	fill(page, sizeof(page));
	launch_init(&lm, NULL);
	assert_int_equal(launch_load_page(&lm, 0x80001000, page), 0);
	memset(buf, 0, 48);
	memset(buf + 48, 0, 128);
	buf[48] = 1;
	buf[52] = 7;
	buf[48 + 8 + 1] = 0x10;
	buf[48 + 8 + 3] = 0x80;
	buf[48 + 17] = 0x10;
	assert_int_equal(crypto_sha384(page, sizeof(page), buf + 48 + 24), 0);
	assert_int_equal(crypto_sha384(buf, sizeof(buf), expect), 0);
	assert_memory_equal(lm.value, expect, 48);
	assert_int_equal(launch_load_page(&lm, 0x80001001, page), -1);    /* unaligned */
	assert_int_equal(launch_boot(&lm, 0x80000000, (uint64_t[4]){ 0 }), 0);
	assert_int_equal(launch_load_page(&lm, 0x80002000, page), -1);    /* after BOOT */
	assert_int_equal(launch_seal(&lm, 0x80000000, 1 << 28, 1, 0), 0);
	assert_int_equal(launch_seal(&lm, 0x80000000, 1 << 28, 1, 0), -1);
	assert_int_equal(lm.records, 3);
	assert_int_equal(lm.pages, 1);
}

/* ---- evidence ---- */

static void make_struct(struct report *r, struct endorsement *e, uint8_t pub[97])
{
	memset(r, 0, sizeof(*r));
	memset(e, 0, sizeof(*e));
	r->version = 1;
	r->size = 480;
	r->vm_id = 0x01020304;
	r->policy = 1;
	r->hyp_svn = 9;
	fill(r->report_data, 64);
	fill(r->launch_measurement, 48);
	fill(&r->rmr[0][0], sizeof(r->rmr));
	fill(r->hyp_measurement, 48);
	fill(r->signature, 96);
	e->version = 1;
	e->size = 264;
	e->hyp_svn = 9;
	memcpy(e->hyp_measurement, r->hyp_measurement, 48);
	memcpy(e->attestation_key, pub, 97);
	fill(e->signature, 96);
}

static void test_evidence(void **state)
{
	uint8_t secret[48], pub[97], buf[EVIDENCE_LEN + 10];
	struct report r;
	struct endorsement e;
	struct evidence *ev = malloc(sizeof(*ev));
	char err[300];
	(void)state;

	fill(secret, sizeof(secret));
	assert_int_equal(p384_key_from_secret(secret, 48, "t", NULL, pub), 0);
	make_struct(&r, &e, pub);
	evidence_encode(&r, &e, buf);
	/* Field offsets as the spec gives them. */
	assert_memory_equal(buf, "PALEVID1\xe0\x01\x00\x00\x08\x01\x00\x00", 16);
	assert_memory_equal(buf + 16 + 8, "\x04\x03\x02\x01\x01\x00\x00\x00\x09", 9);
	assert_memory_equal(buf + 16 + 24, r.report_data, 64);
	assert_memory_equal(buf + 16 + 88, r.launch_measurement, 48);
	assert_memory_equal(buf + 16 + 136 + 48 * 3, r.rmr[3], 48);
	assert_memory_equal(buf + 16 + 328, r.hyp_measurement, 48);
	assert_memory_equal(buf + 16 + 384, r.signature, 96);
	assert_memory_equal(buf + 496 + 16, e.hyp_measurement, 48);
	assert_memory_equal(buf + 496 + 64, pub, 97);
	assert_memory_equal(buf + 496 + 168, e.signature, 96);

	assert_int_equal(evidence_parse(buf, EVIDENCE_LEN, ev, err, sizeof(err)), 0);
	assert_memory_equal(&ev->report, &r, sizeof(r));
	assert_memory_equal(&ev->endorsement, &e, sizeof(e));
	assert_memory_equal(ev->raw, buf, EVIDENCE_LEN);

	/* Every length but 760 is rejected. */
	for (size_t len = 0; len < sizeof(buf); len++) {
		if (len == EVIDENCE_LEN)
			continue;
		assert_int_equal(evidence_parse(buf, len, ev, err, sizeof(err)), -1);
		assert_non_null(strstr(err, len < EVIDENCE_LEN ? "truncated" : "trailing data"));
	}
	buf[7] = '2';
	assert_int_equal(evidence_parse(buf, EVIDENCE_LEN, ev, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "magic \"PALEVID2\" is not \"PALEVID1\""));
	buf[7] = '1';
	buf[8] = 0xe1;
	assert_int_equal(evidence_parse(buf, EVIDENCE_LEN, ev, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "report_size 481 and endorsement_size 264, expected 480"));
	buf[8] = 0xe0;
	buf[13] = 2;
	assert_int_equal(evidence_parse(buf, EVIDENCE_LEN, ev, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "endorsement_size 520"));
	buf[13] = 1;
	/* The attestation key: compressed form, off the curve, X >= p, infinity. */
	uint8_t *key = buf + 496 + 64;
	key[0] = 0x02;
	assert_int_equal(evidence_parse(buf, EVIDENCE_LEN, ev, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "attestation_public_key is not an uncompressed point on P-384"));
	key[0] = 0x04;
	key[96] ^= 1;
	assert_int_equal(evidence_parse(buf, EVIDENCE_LEN, ev, err, sizeof(err)), -1);
	key[96] ^= 1;
	memset(key + 1, 0xff, 48);
	assert_int_equal(evidence_parse(buf, EVIDENCE_LEN, ev, err, sizeof(err)), -1);
	memset(key, 0, 97);
	assert_int_equal(evidence_parse(buf, EVIDENCE_LEN, ev, err, sizeof(err)), -1);
	memcpy(key, pub, 97);
	assert_int_equal(evidence_parse(buf, EVIDENCE_LEN, ev, err, sizeof(err)), 0);
	/* Signed fields are not judged by the parser (verify does, after the signatures). */
	buf[16] = 2;
	buf[16 + 20] = 1;
	buf[496] = 9;
	assert_int_equal(evidence_parse(buf, EVIDENCE_LEN, ev, err, sizeof(err)), 0);
	assert_int_equal(ev->report.version, 2);
	assert_int_equal(ev->report.reserved0, 1);
	assert_int_equal(ev->endorsement.version, 9);
	free(ev);
}

/* ---- keys: the docs/crypto.md known answer and the EL2 implementation ---- */

static void test_key_kat(void **state)
{
	/* crypto/src/selftest.c "p384-key-from-secret" (recomputed independently by
	 * crypto/tests/tools/p384_key_kat.py): secret 40 41 .. 6f, label
	 * "palisade selftest key". */
	uint8_t secret[48], priv[48], pub[97], want_priv[48], want_pub[97];
	(void)state;

	for (int i = 0; i < 48; i++)
		secret[i] = (uint8_t)(0x40 + i);
	unhex("b2d799334d2b66c0161bee10b2bcd3965deed633dc047aba76dc253e92550205a134487cf4a17d31"
	      "e0ca9d4998812ff0", want_priv, 48);
	unhex("04af8a801f79e94ee02b1c5485997b12a481939bcb322f3f9b6866d57d8d1c288fb7fe46eca7bbf1b2"
	      "4065c16f7271d87935f96c9c68b97e1323d63d906d4eb0275d7be2f0c1b725e50e8d6b52f6ab3ab502"
	      "48beef9520a5ba2ba9c847a3fa0306", want_pub, 97);
	assert_int_equal(p384_key_from_secret(secret, 48, "palisade selftest key", priv, pub), 0);
	assert_memory_equal(priv, want_priv, 48);
	assert_memory_equal(pub, want_pub, 97);
	/* Public key only. */
	memset(pub, 0, sizeof(pub));
	assert_int_equal(p384_key_from_secret(secret, 48, "palisade selftest key", NULL, pub), 0);
	assert_memory_equal(pub, want_pub, 97);
	/* Argument checks, as crypto_p384_key_from_secret has them. */
	assert_int_equal(p384_key_from_secret(secret, 31, "x", priv, pub), -1);
	assert_int_equal(p384_key_from_secret(secret, 48, "", priv, pub), -1);
	assert_int_equal(p384_key_from_secret(NULL, 48, "x", priv, pub), -1);
	assert_int_equal(p384_public_check(want_pub), 0);
}

/* The host (OpenSSL) and EL2 (Mbed TLS, crypto/) derivations agree. */
static void test_keys_agree_with_el2(void **state)
{
	static const char *labels[] = { LABEL_DEVICE_IDENTITY, LABEL_ATTESTATION, "x",
					"a much longer label that is still just bytes" };
	(void)state;

	for (int i = 0; i < 60; i++) {
		uint8_t secret[128], p1[48], q1[97], p2[48], q2[97];
		size_t len = 32 + rnd() % 97;
		const char *label = labels[i % 4];

		fill(secret, len);
		assert_int_equal(p384_key_from_secret(secret, len, label, p1, q1), 0);
		assert_int_equal(crypto_p384_key_from_secret(secret, len, label, p2, q2), 0);
		assert_memory_equal(p1, p2, 48);
		assert_memory_equal(q1, q2, 97);
	}
	/* CDI = HKDF(salt = HM, IKM = UDS, "Palisade CDI v1", 48) */
	for (int i = 0; i < 20; i++) {
		uint8_t uds[64], hm[48], c1[48], c2[48];

		fill(uds, 64);
		fill(hm, 48);
		assert_int_equal(dice_cdi(uds, hm, c1), 0);
		assert_int_equal(crypto_hkdf_sha384(hm, 48, uds, 64, (const uint8_t *)LABEL_CDI,
						    strlen(LABEL_CDI), c2, 48), 0);
		assert_memory_equal(c1, c2, 48);
	}
	/* HKDF without salt equals a zero salt; long outputs. */
	{
		uint8_t ikm[40], zero[48] = { 0 }, o1[200], o2[200];

		fill(ikm, sizeof(ikm));
		assert_int_equal(hkdf_sha384(NULL, 0, ikm, 40, (const uint8_t *)"i", 1, o1, 200), 0);
		assert_int_equal(hkdf_sha384(zero, 48, ikm, 40, (const uint8_t *)"i", 1, o2, 200), 0);
		assert_memory_equal(o1, o2, 200);
		assert_int_equal(crypto_hkdf_sha384(NULL, 0, ikm, 40, (const uint8_t *)"i", 1, o2, 200), 0);
		assert_memory_equal(o1, o2, 200);
	}
}

/* Signatures made at EL2 (Mbed TLS, RFC 6979) verify here; changed ones do not. */
static void test_el2_signatures_verify(void **state)
{
	(void)state;

	for (int i = 0; i < 20; i++) {
		uint8_t secret[48], priv[48], pub[97], digest[48], sig[96];
		EVP_PKEY *key;

		fill(secret, 48);
		fill(digest, 48);
		assert_int_equal(crypto_p384_key_from_secret(secret, 48, "sig", priv, pub), 0);
		assert_int_equal(crypto_p384_sign(priv, digest, sig), 0);
		key = p384_pkey_from_public(pub);
		assert_non_null(key);
		assert_int_equal(p384_verify_digest(key, digest, sig), 1);
		assert_int_equal(p384_sig_is_low_s(sig), 1);
		sig[rnd() % 96] ^= (uint8_t)(1u << (rnd() % 8));
		assert_int_equal(p384_verify_digest(key, digest, sig), 0);
		assert_int_equal(crypto_p384_sign(priv, digest, sig), 0);
		digest[rnd() % 48] ^= 0x80;
		assert_int_equal(p384_verify_digest(key, digest, sig), 0);
		/* r = 0, s = 0 and r = n are never valid. */
		memset(sig, 0, 96);
		assert_int_equal(p384_verify_digest(key, digest, sig), 0);
		unhex("ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0"
		      "a77aecec196accc52973", sig, 48);
		memset(sig + 48, 1, 48);
		assert_int_equal(p384_verify_digest(key, digest, sig), 0);
		EVP_PKEY_free(key);
	}
	/* The low-s boundary: (n - 1) / 2 is low, (n + 1) / 2, n - 1 and 0 are not. */
	{
		uint8_t sig[96] = { 0 };

		unhex("7fffffffffffffffffffffffffffffffffffffffffffffffe3b1a6c0fa1b96efac0d06d9245853bd"
		      "76760cb5666294b9", sig + 48, 48);
		assert_int_equal(p384_sig_is_low_s(sig), 1);
		unhex("7fffffffffffffffffffffffffffffffffffffffffffffffe3b1a6c0fa1b96efac0d06d9245853bd"
		      "76760cb5666294ba", sig + 48, 48);
		assert_int_equal(p384_sig_is_low_s(sig), 0);
		unhex("ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0"
		      "a77aecec196accc52972", sig + 48, 48);
		assert_int_equal(p384_sig_is_low_s(sig), 0);
		memset(sig + 48, 0, 48);
		assert_int_equal(p384_sig_is_low_s(sig), 0);
		sig[95] = 1;
		assert_int_equal(p384_sig_is_low_s(sig), 1);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hex),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_json_reader),
		cmocka_unit_test(test_json_writer_roundtrip),
		cmocka_unit_test(test_json_fuzz),
		cmocka_unit_test(test_reference),
		cmocka_unit_test(test_hyp_image),
		cmocka_unit_test(test_launch_records),
		cmocka_unit_test(test_evidence),
		cmocka_unit_test(test_key_kat),
		cmocka_unit_test(test_keys_agree_with_el2),
		cmocka_unit_test(test_el2_signatures_verify),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
