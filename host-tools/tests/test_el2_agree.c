/*
 * unit.host_tools_el2: the two implementations of docs/attestation.md meet.
 *
 * Evidence is made by the EL2 code itself, compiled for the host: the boot stage's
 * dice_measure() (loader/boot/src/dice.c: HM, CDI, device and attestation keys, the
 * signed endorsement) and the hypervisor's attest_evidence_build() (attest/), over
 * crypto/ (Mbed TLS). The tool's verifier (OpenSSL) must accept it, and must name the
 * right check when any bit of it changes (every byte of report, endorsement and
 * signatures) or when the relying party's policy is not met. Launch measurements the
 * tool computes for raw, ELF and Linux VMs must equal the EL2 chain (attest/
 * launch_measure.c) fed with the pages the hypervisor would load.
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
#include <openssl/evp.h>

#include "palisade/crypto.h"
#include "palisade/dice.h"
#include "palisade/elf_image.h"
#include "palisade/guest_fdt.h"
#include "palisade/launch_measure.h"
#include "palisade/linux_image.h"
#include "palisade/manifest.h"
#include "palisade/report.h"

#include "certs.h"
#include "cli.h"
#include "evidence.h"
#include "hypimage.h"
#include "keys.h"
#include "reference.h"
#include "verify.h"
#include "vmimage.h"

const struct command commands[] = { { NULL, NULL, NULL, NULL } };

static uint64_t rng_state = 0x13198a2e03707344ull;

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

/* ---- one device, made by the EL2 code ---- */

#define HYP_SIZE 50000
#define HYP_SVN  5

static struct {
	uint8_t uds[64];
	uint8_t *hyp;
	uint8_t handoff[HANDOFF_SIZE];
	uint8_t att_priv[48];
	X509 *ca, *device;
	EVP_PKEY *ca_key;
	uint8_t lm[48];
	struct reference ref;
	uint8_t hm_list[1][48], lm_list[1][48];
} dev;

static int sign_with_attestation_key(const uint8_t digest[48], uint8_t sig[96])
{
	return crypto_p384_sign(dev.att_priv, digest, sig);
}

/* Evidence from the hypervisor's encoder, with the given report fields. */
static void el2_evidence(uint32_t policy, const uint8_t *nonce, size_t nonce_len,
			 const uint8_t *rmr1, uint8_t out[ATTEST_EVIDENCE_LEN])
{
	struct attest_report_in in;

	memset(&in, 0, sizeof(in));
	in.vm_id = 3;
	in.policy = policy;
	in.hyp_svn = dice_get_le32(dev.handoff + HANDOFF_OFF_SVN);
	memcpy(in.report_data, nonce, nonce_len);
	memcpy(in.launch_measurement, dev.lm, 48);
	if (rmr1)
		assert_int_equal(attest_rmr_extend(in.rmr[1], rmr1), 0);
	memcpy(in.hyp_measurement, dev.handoff + HANDOFF_OFF_HM, 48);
	assert_int_equal(attest_evidence_build(&in, dev.handoff + HANDOFF_OFF_ENDORSEMENT,
					       sign_with_attestation_key, out), 0);
}

static int setup(void **state)
{
	uint8_t dev_pub[97], att_pub[97], cdi[48];
	struct hyp_image h;
	EVP_PKEY *dev_key;
	char err[300];
	(void)state;

	fill(dev.uds, sizeof(dev.uds));
	dev.hyp = calloc(1, HYP_SIZE);
	fill(dev.hyp + 64, HYP_SIZE - 64);
	memcpy(dev.hyp, "\x10\x00\x00\x14", 4);
	memcpy(dev.hyp + 8, "PALHYP01", 8);
	dice_put_le32(dev.hyp + 16, HYP_SIZE);
	dice_put_le32(dev.hyp + 24, HYP_SVN);
	/* The boot stage. */
	assert_int_equal(dice_measure(dev.uds, dev.hyp, HYP_SIZE, dev.handoff), DICE_OK);
	/* The tool agrees on HM, SVN, CDI, the device key and the attestation key. */
	assert_int_equal(hyp_image_measure(dev.hyp, HYP_SIZE, &h, err, sizeof(err)), 0);
	assert_memory_equal(h.measurement, dev.handoff + HANDOFF_OFF_HM, 48);
	assert_int_equal(h.svn, dice_get_le32(dev.handoff + HANDOFF_OFF_SVN));
	assert_int_equal(dice_cdi(dev.uds, h.measurement, cdi), 0);
	assert_memory_equal(cdi, dev.handoff + HANDOFF_OFF_CDI, 48);
	assert_int_equal(p384_key_from_secret(cdi, 48, LABEL_ATTESTATION, NULL, att_pub), 0);
	assert_memory_equal(att_pub, dev.handoff + HANDOFF_OFF_ENDORSEMENT + ENDORSEMENT_OFF_PUB, 97);
	/* The hypervisor's attestation key, from the handoff's CDI (Mbed TLS). */
	assert_int_equal(crypto_p384_key_from_secret(dev.handoff + HANDOFF_OFF_CDI, 48,
						     DICE_ATTEST_KEY_LABEL, dev.att_priv, att_pub), 0);
	/* Provisioning: the tool certifies the device key it derives from the UDS. */
	assert_int_equal(p384_key_from_secret(dev.uds, 64, LABEL_DEVICE_IDENTITY, NULL, dev_pub), 0);
	dev_key = p384_pkey_from_public(dev_pub);
	dev.ca_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	assert_non_null(dev.ca_key);
	dev.ca = cert_make_ca(dev.ca_key, err, sizeof(err));
	assert_non_null(dev.ca);
	dev.device = cert_make_device(dev.ca, dev.ca_key, dev_key, err, sizeof(err));
	assert_non_null(dev.device);
	EVP_PKEY_free(dev_key);
	/* Reference values. */
	fill(dev.lm, 48);
	memcpy(dev.hm_list[0], h.measurement, 48);
	memcpy(dev.lm_list[0], dev.lm, 48);
	dev.ref = (struct reference){ .hyp_count = 1, .launch_count = 1, .hyp = dev.hm_list,
				      .launch = dev.lm_list };
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	X509_free(dev.device);
	X509_free(dev.ca);
	EVP_PKEY_free(dev.ca_key);
	free(dev.hyp);
	return 0;
}

static const uint8_t nonce[32] = "palisade relying party nonce 01";

static void policy(struct verify_policy *p)
{
	memset(p, 0, sizeof(*p));
	p->ref = &dev.ref;
	memcpy(p->report_data, nonce, sizeof(nonce));
}

static struct verify_result res;

static void expect(const uint8_t *ev, size_t len, const struct verify_policy *p, int status,
		   const char *failed)
{
	int rc = verify_evidence(dev.ca, dev.device, p, ev, len, &res);

	if (rc != status || res.status != status || (failed && (!res.failed ||
	    strcmp(res.failed, failed))) || (!failed && res.failed)) {
		fprintf(stderr, "got status %d, failed check %s (%s); want %d, %s\n", rc,
			res.failed ? res.failed : "none",
			res.count ? res.checks[res.count - 1].detail : "", status,
			failed ? failed : "none");
		fail();
	}
}

static void test_el2_evidence_verifies(void **state)
{
	uint8_t ev[ATTEST_EVIDENCE_LEN], ext[48];
	struct verify_policy p;
	(void)state;

	fill(ext, 48);
	el2_evidence(0, nonce, sizeof(nonce), ext, ev);
	policy(&p);
	expect(ev, sizeof(ev), &p, 0, NULL);
	assert_int_equal(res.count, 12);
	static const char *order[] = { "evidence_format", "ca_chain", "endorsement_signature",
		"endorsement_version", "report_signature", "report_version", "endorsement_match",
		"hyp_measurement", "hyp_svn", "launch_measurement", "report_data", "policy_debug" };
	for (unsigned i = 0; i < 12; i++) {
		assert_string_equal(res.checks[i].name, order[i]);
		assert_true(res.checks[i].passed);
	}
	assert_int_equal(res.ev.report.vm_id, 3);
	assert_int_equal(res.ev.report.hyp_svn, HYP_SVN);
	assert_memory_equal(res.ev.report.launch_measurement, dev.lm, 48);

	/* rmr[1] = SHA-384(zeros || ext), as the pVM's MEASURE_EXTEND leaves it. */
	uint8_t buf[96] = { 0 };
	memcpy(buf + 48, ext, 48);
	assert_int_equal(sha384(buf, 96, p.rmr[1]), 0);
	p.rmr_set[1] = true;
	p.rmr_set[3] = true;          /* rmr[3] was never extended: 48 zero bytes */
	expect(ev, sizeof(ev), &p, 0, NULL);
	assert_int_equal(res.count, 14);
	assert_string_equal(res.checks[12].name, "rmr[1]");
	assert_string_equal(res.checks[13].name, "rmr[3]");
	p.rmr[3][0] = 1;
	expect(ev, sizeof(ev), &p, 1, "rmr[3]");
	p.rmr[3][0] = 0;
	p.rmr[1][47] ^= 1;
	expect(ev, sizeof(ev), &p, 1, "rmr[1]");
}

/*
 * Every byte of the evidence, one bit each (all eight bits for the headers and the
 * fields next to the attestation key): a change in the report or its signature breaks
 * the report signature, one in the endorsement or its signature breaks the endorsement
 * signature, and one in the attestation key leaves no P-384 point (malformed, exit 2).
 */
static void test_every_byte_flipped(void **state)
{
	uint8_t ev[ATTEST_EVIDENCE_LEN], bad[ATTEST_EVIDENCE_LEN];
	struct verify_policy p;
	unsigned runs = 0;
	(void)state;

	el2_evidence(0, nonce, sizeof(nonce), NULL, ev);
	policy(&p);
	for (unsigned i = 0; i < sizeof(ev); i++) {
		unsigned e = i - EVIDENCE_ENDORSEMENT_OFF;
		bool all_bits = i < 32 || (i >= 490 && i < 570) || (i >= 655 && i < 670);
		const char *want;
		int status;

		if (i < EVIDENCE_HEADER_LEN) {
			want = "evidence_format";
			status = 2;
		} else if (i < EVIDENCE_ENDORSEMENT_OFF) {
			want = "report_signature";
			status = 1;
		} else if (e >= ENDORSEMENT_KEY_OFF && e < ENDORSEMENT_KEY_OFF + P384_PUB_LEN) {
			want = "evidence_format";
			status = 2;
		} else {
			want = "endorsement_signature";
			status = 1;
		}
		for (unsigned b = 0; b < 8; b++) {
			if (!all_bits && b != i % 8)
				continue;
			memcpy(bad, ev, sizeof(ev));
			bad[i] ^= (uint8_t)(1u << b);
			expect(bad, sizeof(bad), &p, status, want);
			runs++;
		}
	}
	fprintf(stderr, "%u single-bit changes, each caught by the right check\n", runs);
	/* And the original still verifies. */
	expect(ev, sizeof(ev), &p, 0, NULL);
}

static void test_policy_checks(void **state)
{
	uint8_t ev[ATTEST_EVIDENCE_LEN], other[48];
	struct verify_policy p;
	struct reference ref;
	(void)state;

	el2_evidence(0, nonce, sizeof(nonce), NULL, ev);
	policy(&p);
	p.report_data[0] ^= 1;
	expect(ev, sizeof(ev), &p, 1, "report_data");
	policy(&p);
	p.report_data[63] = 1;   /* a longer nonce than the VM reported */
	expect(ev, sizeof(ev), &p, 1, "report_data");
	policy(&p);
	p.min_svn = HYP_SVN + 1;
	expect(ev, sizeof(ev), &p, 1, "hyp_svn");
	p.min_svn = HYP_SVN;
	expect(ev, sizeof(ev), &p, 0, NULL);

	fill(other, 48);
	ref = dev.ref;
	ref.launch = (uint8_t (*)[48])other;
	p.ref = &ref;
	expect(ev, sizeof(ev), &p, 1, "launch_measurement");
	ref = dev.ref;
	ref.hyp = (uint8_t (*)[48])other;
	expect(ev, sizeof(ev), &p, 1, "hyp_measurement");
	/* Several accepted values. */
	uint8_t two[2][48];
	memcpy(two[0], other, 48);
	memcpy(two[1], dev.lm, 48);
	ref = dev.ref;
	ref.launch = two;
	ref.launch_count = 2;
	expect(ev, sizeof(ev), &p, 0, NULL);

	/* Debug policy. */
	el2_evidence(ATTEST_POLICY_DEBUG, nonce, sizeof(nonce), NULL, ev);
	policy(&p);
	expect(ev, sizeof(ev), &p, 1, "policy_debug");
	p.allow_debug = true;
	expect(ev, sizeof(ev), &p, 0, NULL);
}

/* s -> n - s in a raw r || s signature (both forms verify; only the low one is accepted). */
static void flip_s(uint8_t sig[96])
{
	static const char n_hex[] = "ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf"
				    "581a0db248b0a77aecec196accc52973";
	BIGNUM *n = NULL, *s = BN_bin2bn(sig + 48, 48, NULL);

	assert_true(BN_hex2bn(&n, n_hex) > 0);
	assert_non_null(s);
	assert_int_equal(BN_sub(s, n, s), 1);
	assert_int_equal(BN_bn2binpad(s, sig + 48, 48), 48);
	BN_free(s);
	BN_free(n);
}

/* The EL2 signer gives low-s signatures; the high-s form of either fails its check. */
static void test_high_s_rejected(void **state)
{
	uint8_t ev[ATTEST_EVIDENCE_LEN], bad[ATTEST_EVIDENCE_LEN];
	struct verify_policy p;
	(void)state;

	policy(&p);
	for (int i = 0; i < 8; i++) {
		uint8_t n2[64];

		/* Different nonces: different report signatures. */
		fill(n2, sizeof(n2));
		memcpy(p.report_data, n2, sizeof(n2));
		el2_evidence(0, n2, sizeof(n2), NULL, ev);
		expect(ev, sizeof(ev), &p, 0, NULL);
		assert_true(p384_sig_is_low_s(ev + EVIDENCE_REPORT_OFF + 384));
		assert_true(p384_sig_is_low_s(ev + EVIDENCE_ENDORSEMENT_OFF + 168));

		memcpy(bad, ev, sizeof(bad));
		flip_s(bad + EVIDENCE_REPORT_OFF + 384);
		expect(bad, sizeof(bad), &p, 1, "report_signature");
		assert_non_null(strstr(res.checks[res.count - 1].detail, "high-s"));

		memcpy(bad, ev, sizeof(bad));
		flip_s(bad + EVIDENCE_ENDORSEMENT_OFF + 168);
		expect(bad, sizeof(bad), &p, 1, "endorsement_signature");
		assert_non_null(strstr(res.checks[res.count - 1].detail, "high-s"));
	}
}

static void test_chain_checks(void **state)
{
	uint8_t ev[ATTEST_EVIDENCE_LEN], uds2[64], pub2[97];
	struct verify_policy p;
	char err[300];
	(void)state;

	el2_evidence(0, nonce, sizeof(nonce), NULL, ev);
	policy(&p);
	/* Another CA with the same names: the chain does not verify. */
	EVP_PKEY *k2 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	X509 *ca2 = cert_make_ca(k2, err, sizeof(err));
	assert_int_equal(verify_evidence(ca2, dev.device, &p, ev, sizeof(ev), &res), 1);
	assert_string_equal(res.failed, "ca_chain");
	/* A device certificate for another device's key: the endorsement does not verify. */
	fill(uds2, 64);
	assert_int_equal(p384_key_from_secret(uds2, 64, LABEL_DEVICE_IDENTITY, NULL, pub2), 0);
	EVP_PKEY *d2 = p384_pkey_from_public(pub2);
	X509 *dev2 = cert_make_device(dev.ca, dev.ca_key, d2, err, sizeof(err));
	assert_int_equal(verify_evidence(dev.ca, dev2, &p, ev, sizeof(ev), &res), 1);
	assert_string_equal(res.failed, "endorsement_signature");
	/* The CA certificate as the device certificate: refused before any signature. */
	assert_int_equal(verify_evidence(dev.ca, dev.ca, &p, ev, sizeof(ev), &res), 1);
	assert_string_equal(res.failed, "ca_chain");
	assert_non_null(strstr(res.checks[res.count - 1].detail, "is the CA certificate"));
	/* A device certificate issued by the other CA. */
	X509 *dev3 = cert_make_device(ca2, k2, d2, err, sizeof(err));
	assert_int_equal(verify_evidence(dev.ca, dev3, &p, ev, sizeof(ev), &res), 1);
	assert_string_equal(res.failed, "ca_chain");
	X509_free(dev3);
	X509_free(dev2);
	X509_free(ca2);
	EVP_PKEY_free(d2);
	EVP_PKEY_free(k2);
}

/* ---- launch measurements: the tool against the EL2 chain ---- */

static const char *tmp_file(const char *name, const void *data, size_t len)
{
	static char paths[4][128];
	static unsigned next;
	char *p = paths[next++ % 4];
	FILE *f;

	snprintf(p, sizeof(paths[0]), "/tmp/palisade-el2-%d-%s", (int)getpid(), name);
	f = fopen(p, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
	return p;
}

static void el2_seal(struct lm_state *s, uint64_t entry, uint64_t x0, uint64_t base,
		     uint64_t size, unsigned vcpus, uint64_t policy, uint8_t out[48])
{
	struct lm_boot b = { .entry = entry, .x = { x0 }, .pstate = 0x3c5 };

	assert_int_equal(lm_boot(s, &b), 0);
	assert_int_equal(lm_seal(s, base, size, vcpus, policy), 0);
	memcpy(out, s->value, 48);
}

static void tool_measure(struct vm_config *c, uint8_t out[48])
{
	struct vm_measurement m;
	char err[300];

	if (vm_measure(c, &m, err, sizeof(err))) {
		fprintf(stderr, "vm_measure: %s\n", err);
		fail();
	}
	memcpy(out, m.value, 48);
}

static void test_raw_agrees(void **state)
{
	uint8_t img[10000], page[4096], el2[48], tool[48];
	struct lm_state s;
	(void)state;

	fill(img, sizeof(img));
	const char *path = tmp_file("raw.bin", img, sizeof(img));
	struct vm_config c = { .format = VM_FORMAT_RAW, .image = path, .raw_addr = 0x40203000,
			       .mem_base = 0x40000000, .mem_size = 32 << 20, .vcpus = 3,
			       .debug = true };

	lm_init(&s);
	for (size_t off = 0; off < sizeof(img); off += 4096) {
		memset(page, 0, sizeof(page));
		memcpy(page, img + off, sizeof(img) - off < 4096 ? sizeof(img) - off : 4096);
		assert_int_equal(lm_load_page(&s, 0x40203000 + off, 7, page), 0);
	}
	el2_seal(&s, 0x40203000, 0, 0x40000000, 32 << 20, 3, 1, el2);
	tool_measure(&c, tool);
	assert_memory_equal(tool, el2, 48);
	unlink(path);
}

/* The guest device tree as a launcher writes it into the top 2 MiB of memory. */
static uint64_t put_dtb(uint8_t *mem, const struct manifest_vm *vm,
			const struct vm_boot_layout *layout)
{
	struct guest_fdt_config cfg;
	char err[200];

	guest_fdt_config_init(&cfg, vm, layout);
	assert_int_equal(guest_fdt_build(&cfg, mem + (ipa_addr(layout->fdt) - ipa_addr(vm->mem_ipa)),
					 MANIFEST_FDT_WINDOW, err, sizeof(err)), 0);
	const uint8_t *h = mem + (ipa_addr(layout->fdt) - ipa_addr(vm->mem_ipa));
	return (uint64_t)h[4] << 24 | h[5] << 16 | h[6] << 8 | h[7];
}

static void measure_mem(struct lm_state *s, const uint8_t *mem, uint64_t base, uint64_t ipa,
			uint64_t bytes)
{
	for (uint64_t off = 0; off < bytes; off += 4096)
		assert_int_equal(lm_load_page(s, ipa + off, 7, mem + (ipa + off - base)), 0);
}

static void test_elf_agrees(void **state)
{
	const uint64_t base = 0x48000000, size = 16 << 20;   /* el1-basic links at 0x48000000 */
	uint8_t *mem = calloc(1, size), el2[48], tool[48];
	struct elf_image img;
	struct lm_state s;
	char err[200];
	size_t len = 0;
	FILE *f = fopen(HT_GUEST_ELF, "rb");
	uint8_t *file = malloc(1 << 20);
	(void)state;

	assert_non_null(f);
	len = fread(file, 1, 1 << 20, f);
	fclose(f);
	assert_int_equal(elf_image_parse(file, len, base, size, &img, err, sizeof(err)), 0);
	for (int with_dtb = 0; with_dtb < 2; with_dtb++) {
		struct vm_config c = { .format = VM_FORMAT_ELF, .image = HT_GUEST_ELF,
				       .mem_base = base, .mem_size = size, .vcpus = 2,
				       .with_dtb = with_dtb, .cmdline = with_dtb ? "x=1" : NULL };
		uint64_t x0 = 0;

		memset(mem, 0, size);
		lm_init(&s);
		/* The launcher copies each segment, then loads the touched pages in order. */
		for (unsigned i = 0; i < img.count; i++)
			memcpy(mem + (img.seg[i].ipa - base), file + img.seg[i].offset,
			       img.seg[i].filesz);
		for (uint64_t p = img.start; elf_image_next_page(&img, p, &p); p += 4096)
			measure_mem(&s, mem, base, p, 4096);
		if (with_dtb) {
			struct manifest_vm vm = { .role = MANIFEST_ROLE_GUEST, .vcpus = 2,
						  .mem_ipa = { base }, .mem_size = size };
			struct vm_boot_layout layout = { .fdt = { base + size - MANIFEST_FDT_WINDOW },
							 .fdt_max = MANIFEST_FDT_WINDOW };

			strcpy(vm.bootargs, "x=1");
			x0 = ipa_addr(layout.fdt);
			measure_mem(&s, mem, base, x0, put_dtb(mem, &vm, &layout));
		}
		el2_seal(&s, img.entry, x0, base, size, 2, 0, el2);
		tool_measure(&c, tool);
		assert_memory_equal(tool, el2, 48);
	}
	free(file);
	free(mem);
}

/* A Linux VM exactly as hyp/core/vm_boot.c builds and measures a protected guest. */
static void test_linux_agrees(void **state)
{
	const uint64_t base = 0x80000000, size = 64 << 20;
	uint8_t *mem = calloc(1, size), kernel[20000], initrd[9000], el2[48], tool[48];
	struct linux_image li;
	struct vm_boot_layout layout;
	struct manifest_vm vm = { .role = MANIFEST_ROLE_GUEST, .is_protected = true, .vcpus = 4,
				  .mem_ipa = { base }, .mem_size = size, .has_initrd = true,
				  .debug = true };
	struct lm_state s;
	char err[200];
	(void)state;

	fill(kernel, sizeof(kernel));
	memset(kernel, 0, 64);
	kernel[8 + 1] = 0x10;                               /* text_offset 0x1000 */
	kernel[16 + 2] = 0x20;                              /* image_size 2 MiB */
	memcpy(kernel + 0x38, "ARM\x64", 4);
	fill(initrd, sizeof(initrd));
	strcpy(vm.bootargs, "console=ttyAMA0 quiet");
	vm.kernel = pa_range_init(0, sizeof(kernel));
	vm.initrd = pa_range_init(0, sizeof(initrd));
	assert_int_equal(linux_image_parse(kernel, sizeof(kernel), &li, err, sizeof(err)), 0);
	assert_int_equal(loader_guest_layout(&vm, &li, &layout, err, sizeof(err)), 0);
	memcpy(mem + (ipa_addr(layout.kernel) - base), kernel, sizeof(kernel));
	memcpy(mem + (ipa_addr(layout.initrd) - base), initrd, sizeof(initrd));
	uint64_t dtb_size = put_dtb(mem, &vm, &layout);
	lm_init(&s);
	measure_mem(&s, mem, base, ipa_addr(layout.kernel), sizeof(kernel));
	measure_mem(&s, mem, base, ipa_addr(layout.initrd), sizeof(initrd));
	measure_mem(&s, mem, base, ipa_addr(layout.fdt), dtb_size);
	el2_seal(&s, ipa_addr(layout.kernel), ipa_addr(layout.fdt), base, size, 4, 1, el2);

	struct vm_config c = { .format = VM_FORMAT_LINUX,
			       .image = tmp_file("Image", kernel, sizeof(kernel)),
			       .initrd = tmp_file("initrd", initrd, sizeof(initrd)),
			       .cmdline = "console=ttyAMA0 quiet", .mem_base = base,
			       .mem_size = size, .vcpus = 4, .debug = true };
	tool_measure(&c, tool);
	assert_memory_equal(tool, el2, 48);
	unlink(c.image);
	unlink(c.initrd);
	free(mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_el2_evidence_verifies),
		cmocka_unit_test(test_every_byte_flipped),
		cmocka_unit_test(test_policy_checks),
		cmocka_unit_test(test_high_s_rejected),
		cmocka_unit_test(test_chain_checks),
		cmocka_unit_test(test_raw_agrees),
		cmocka_unit_test(test_elf_agrees),
		cmocka_unit_test(test_linux_agrees),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
