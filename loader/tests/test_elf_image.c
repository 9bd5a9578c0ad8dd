/*
 * The ELF64 AArch64 image parser (palisade/elf_image.h): real executables the project
 * builds (tests/guests), synthetic images built here, every rule broken one at a time,
 * truncation at every length, and a fuzz loop flipping bytes (never a crash under ASan).
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

#include "palisade/elf_image.h"
#include "palisade/error.h"
#include "support.h"

#define PG 4096ull
#define MEM_BASE 0x40000000ull
#define MEM_SIZE 0x10000000ull

static void put(uint8_t *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++, v >>= 8)
		p[i] = (uint8_t)v;
}

static uint64_t get(const uint8_t *p, int n)
{
	uint64_t v = 0;

	for (int i = n; i-- > 0;)
		v = v << 8 | p[i];
	return v;
}

/* ---- a synthetic ELF: header, program headers at 64, segment data from 0x1000 ---- */

struct tseg {
	uint32_t type, flags;
	uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

#define T_FILE_SIZE 0x8000u

/* Builds a file of T_FILE_SIZE bytes with the given program headers; the data bytes are
 * a pattern so that misplaced copies show. */
static uint8_t *t_elf(const struct tseg *s, unsigned n, uint64_t entry)
{
	uint8_t *f = malloc(T_FILE_SIZE);

	assert_non_null(f);
	for (unsigned i = 0; i < T_FILE_SIZE; i++)
		f[i] = (uint8_t)(i * 7 + 3);
	memset(f, 0, 64 + n * 56);
	memcpy(f, "\x7f" "ELF", 4);
	f[4] = 2;
	f[5] = 1;
	f[6] = 1;
	put(f + 16, 2, 2);
	put(f + 18, 183, 2);
	put(f + 20, 1, 4);
	put(f + 24, entry, 8);
	put(f + 32, 64, 8);
	put(f + 52, 64, 2);
	put(f + 54, 56, 2);
	put(f + 56, n, 2);
	for (unsigned i = 0; i < n; i++) {
		uint8_t *ph = f + 64 + i * 56;

		put(ph, s[i].type, 4);
		put(ph + 4, s[i].flags, 4);
		put(ph + 8, s[i].offset, 8);
		put(ph + 16, s[i].vaddr, 8);
		put(ph + 24, s[i].paddr, 8);
		put(ph + 32, s[i].filesz, 8);
		put(ph + 40, s[i].memsz, 8);
		put(ph + 48, s[i].align, 8);
	}
	return f;
}

#define CODE(off, addr, fs, ms) { 1, 5, (off), (addr), (addr), (fs), (ms), 0x1000 }
#define DATA(off, addr, fs, ms) { 1, 6, (off), (addr), (addr), (fs), (ms), 0x1000 }

/* A good three-segment image: code, rodata sharing its last page, bss. */
static const struct tseg good[] = {
	CODE(0x1000, 0x40080000, 0x1800, 0x1800),
	{ 1, 4, 0x2800, 0x40081800, 0x40081800, 0x900, 0x900, 0x1000 },
	DATA(0x3200, 0x40082200, 0x100, 0x3000),
};

static void expect_error(const uint8_t *f, uint64_t size, int rc, const char *expect)
{
	struct elf_image img;
	char err[256];
	int got = elf_image_parse(f, size, MEM_BASE, MEM_SIZE, &img, err, sizeof(err));

	if (got != rc || !strstr(err, expect)) {
		fprintf(stderr, "got %d \"%s\", want %d \"%s\"\n", got, err, rc, expect);
		fail();
	}
	assert_int_equal(img.count, 0);
	assert_int_equal(img.entry, 0);
}

/* The reference placement, computed the naive way: a flat buffer from the first to the
 * last page, each segment's file bytes copied in. */
static uint8_t *flat_image(const uint8_t *f, const struct elf_image *img)
{
	uint8_t *m = calloc(1, img->end - img->start);

	assert_non_null(m);
	for (unsigned i = 0; i < img->count; i++)
		memcpy(m + (img->seg[i].ipa - img->start), f + img->seg[i].offset,
		       img->seg[i].filesz);
	return m;
}

/* Walks the pages: ascending, each touched by a segment, content as flat_image says. */
static void check_pages(const uint8_t *f, uint64_t size, const struct elf_image *img)
{
	uint8_t *flat = flat_image(f, img), page[PG];
	uint64_t p = img->start, n = 0, prev = 0;

	while (elf_image_next_page(img, p, &p)) {
		bool touched = false;

		if (n)
			assert_true(p > prev);
		for (unsigned i = 0; i < img->count; i++)
			if (p < img->seg[i].ipa + img->seg[i].memsz && img->seg[i].ipa < p + PG)
				touched = true;
		assert_true(touched);
		assert_int_equal(elf_image_page(img, f, size, p, page), 0);
		assert_memory_equal(page, flat + (p - img->start), PG);
		prev = p;
		p += PG;
		n++;
	}
	assert_int_equal(n, img->pages);
	assert_int_equal(prev + PG, img->end);
	/* Pages nobody touches between segments are skipped, not measured as zeros. */
	free(flat);
}

static void test_synthetic_good(void **state)
{
	struct elf_image img;
	char err[256];
	uint8_t page[PG];
	(void)state;
	uint8_t *f = t_elf(good, 3, 0x40080010);

	assert_int_equal(elf_image_parse(f, T_FILE_SIZE, MEM_BASE, MEM_SIZE, &img, err,
					 sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_int_equal(img.count, 3);
	assert_int_equal(img.entry, 0x40080010);
	assert_int_equal(img.start, 0x40080000);
	assert_int_equal(img.end, 0x40086000);
	/* code 0x40080000-0x40081800 (2 pages), rodata 0x40081800-0x40082100 (+1),
	 * bss 0x40082200-0x40085200 (shares 0x40082000, +3) */
	assert_int_equal(img.pages, 6);
	check_pages(f, T_FILE_SIZE, &img);

	/* Shared page 0x40081000: code bytes, then rodata bytes, from different offsets. */
	assert_int_equal(elf_image_page(&img, f, T_FILE_SIZE, 0x40081000, page), 0);
	assert_memory_equal(page, f + 0x2000, 0x800);
	assert_memory_equal(page + 0x800, f + 0x2800, 0x800);
	/* 0x40082000: rodata tail, a gap of zeros, 0x100 data bytes, then bss zeros. */
	assert_int_equal(elf_image_page(&img, f, T_FILE_SIZE, 0x40082000, page), 0);
	assert_memory_equal(page, f + 0x3000, 0x100);
	for (unsigned i = 0x100; i < 0x200; i++)
		assert_int_equal(page[i], 0);
	assert_memory_equal(page + 0x200, f + 0x3200, 0x100);
	for (unsigned i = 0x300; i < PG; i++)
		assert_int_equal(page[i], 0);
	/* Unaligned page and a file shorter than the segments say. */
	assert_int_equal(elf_image_page(&img, f, T_FILE_SIZE, 0x40081001, page), PAL_E_INVALID);
	assert_int_equal(elf_image_page(&img, f, 0x2000, 0x40081000, page), PAL_E_INVALID);
	for (unsigned i = 0; i < PG; i++)
		assert_int_equal(page[i], 0);
	free(f);
}

static void test_gaps_and_edges(void **state)
{
	struct elf_image img;
	char err[256];
	(void)state;
	/* Two segments pages apart: the pages between are not part of the image. */
	struct tseg s[] = {
		CODE(0x1000, 0x40080000, 0x10, 0x10),
		DATA(0x2000, 0x40090000, 0x1000, 0x1000),
		{ 6, 4, 0x40, 0, 0, 0x38, 0x38, 8 },              /* PT_PHDR: ignored */
		{ 1, 6, 0x3000, 0x400a0000, 0x400a0000, 0, 0, 0 }, /* empty: ignored */
	};
	uint8_t *f = t_elf(s, 4, 0x40080000);

	assert_int_equal(elf_image_parse(f, T_FILE_SIZE, MEM_BASE, MEM_SIZE, &img, err,
					 sizeof(err)), 0);
	assert_int_equal(img.count, 2);
	assert_int_equal(img.pages, 2);
	check_pages(f, T_FILE_SIZE, &img);
	free(f);

	/* A segment ending exactly at the end of memory, entry on its last byte. */
	struct tseg e[] = { CODE(0x1000, MEM_BASE + MEM_SIZE - 0x2000, 0x2000, 0x2000) };
	f = t_elf(e, 1, MEM_BASE + MEM_SIZE - 1);
	assert_int_equal(elf_image_parse(f, T_FILE_SIZE, MEM_BASE, MEM_SIZE, &img, err,
					 sizeof(err)), 0);
	assert_int_equal(img.end, MEM_BASE + MEM_SIZE);
	check_pages(f, T_FILE_SIZE, &img);
	free(f);

	/* Unaligned file buffer: the parser reads byte by byte. */
	f = t_elf(good, 3, 0x40080000);
	uint8_t *odd = malloc(T_FILE_SIZE + 1);
	memcpy(odd + 1, f, T_FILE_SIZE);
	assert_int_equal(elf_image_parse(odd + 1, T_FILE_SIZE, MEM_BASE, MEM_SIZE, &img, err,
					 sizeof(err)), 0);
	check_pages(odd + 1, T_FILE_SIZE, &img);
	free(odd);
	free(f);
}

/* Applies one change to a copy of the good image and expects an error. */
static void bad_field(unsigned off, uint64_t v, int n, int rc, const char *expect)
{
	uint8_t *f = t_elf(good, 3, 0x40080000);

	put(f + off, v, n);
	expect_error(f, T_FILE_SIZE, rc, expect);
	free(f);
}

static void bad_segs(const struct tseg *s, unsigned n, uint64_t entry, int rc,
		     const char *expect)
{
	uint8_t *f = t_elf(s, n, entry);

	expect_error(f, T_FILE_SIZE, rc, expect);
	free(f);
}

#define PH(i, field) (64 + (i) * 56 + (field))

static void test_header_errors(void **state)
{
	uint8_t *f = t_elf(good, 3, 0x40080000);
	(void)state;

	expect_error(f, 63, PAL_E_INVALID, "ELF: 63 bytes, shorter than the 64-byte ELF header");
	expect_error(NULL, 0, PAL_E_INVALID, "shorter than the 64-byte ELF header");
	free(f);
	bad_field(0, 0x7f454c47, 4, PAL_E_INVALID, "ELF: no ELF magic");
	bad_field(4, 1, 1, PAL_E_INVALID, "ELF: class 1 is not ELFCLASS64");
	bad_field(5, 2, 1, PAL_E_INVALID, "ELF: data encoding 2 is not little-endian");
	bad_field(6, 0, 1, PAL_E_INVALID, "ELF: ident version 0 is not EV_CURRENT");
	bad_field(16, 3, 2, PAL_E_INVALID, "ELF: e_type 3 is not ET_EXEC");
	bad_field(16, 1, 2, PAL_E_INVALID, "ELF: e_type 1 is not ET_EXEC");
	bad_field(18, 62, 2, PAL_E_INVALID, "ELF: e_machine 62 is not EM_AARCH64 (183)");
	bad_field(18, 40, 2, PAL_E_INVALID, "ELF: e_machine 40 is not EM_AARCH64");
	bad_field(20, 0, 4, PAL_E_INVALID, "ELF: e_version 0 is not EV_CURRENT");
	bad_field(52, 52, 2, PAL_E_INVALID, "ELF: e_ehsize 52, expected 64");
	bad_field(54, 32, 2, PAL_E_INVALID, "ELF: e_phentsize 32, expected 56");
	bad_field(56, 0, 2, PAL_E_INVALID, "ELF: no program headers");
	bad_field(56, 65, 2, PAL_E_INVALID, "ELF: 65 program headers, more than 64");
	bad_field(56, 0xffff, 2, PAL_E_INVALID, "ELF: 65535 program headers");
	bad_field(32, T_FILE_SIZE - 100, 8, PAL_E_INVALID, "ELF: program-header table");
	bad_field(32, 0xffffffffffffff00ull, 8, PAL_E_INVALID, "runs past the end of the file");
	bad_field(24, 0x40081800, 8, PAL_E_INVALID,
		  "ELF: entry point 0x40081800 is not inside an executable PT_LOAD segment");
	bad_field(24, 0x40090000, 8, PAL_E_INVALID, "ELF: entry point 0x40090000");
	bad_field(PH(1, 0), 3, 4, PAL_E_INVALID, "ELF: program header 1 is PT_INTERP");
	bad_field(PH(2, 0), 2, 4, PAL_E_INVALID, "ELF: program header 2 is PT_DYNAMIC");

	/* VM memory itself must be sane. */
	struct elf_image img;
	char err[256];
	f = t_elf(good, 3, 0x40080000);
	assert_int_equal(elf_image_parse(f, T_FILE_SIZE, MEM_BASE + 1, MEM_SIZE, &img, err,
					 sizeof(err)), PAL_E_INVALID);
	assert_non_null(strstr(err, "ELF: VM memory"));
	assert_int_equal(elf_image_parse(f, T_FILE_SIZE, 0xfffffffffff00000ull, 0x200000, &img,
					 err, sizeof(err)), PAL_E_INVALID);
	assert_int_equal(elf_image_parse(f, T_FILE_SIZE, MEM_BASE, 0, &img, err, sizeof(err)),
			 PAL_E_INVALID);
	/* A tiny err buffer is fine; none at all too. */
	assert_int_equal(elf_image_parse(f, 10, MEM_BASE, MEM_SIZE, &img, err, 4), PAL_E_INVALID);
	assert_string_equal(err, "ELF");
	assert_int_equal(elf_image_parse(f, 10, MEM_BASE, MEM_SIZE, &img, NULL, 0), PAL_E_INVALID);
	free(f);
}

static void test_segment_errors(void **state)
{
	(void)state;
	struct tseg s[3];

#define RESET() memcpy(s, good, sizeof(s))
	RESET();
	s[1].filesz = 0x901;
	s[1].memsz = 0x900;
	bad_segs(s, 3, 0x40080000, PAL_E_INVALID,
		 "ELF: segment 1: p_filesz 0x901 exceeds p_memsz 0x900");
	RESET();
	s[0].offset = T_FILE_SIZE - 0x100;
	bad_segs(s, 3, 0x40080000, PAL_E_INVALID, "ELF: segment 0: file bytes");
	RESET();
	s[0].offset = 0xfffffffffffff000ull;   /* offset + filesz overflows */
	s[0].vaddr = s[0].paddr = 0x40080000;
	bad_segs(s, 3, 0x40080000, PAL_E_INVALID, "run past the end of the file");
	RESET();
	s[2].filesz = 0xffffffffffffffffull;
	s[2].memsz = 0xffffffffffffffffull;
	bad_segs(s, 3, 0x40080000, PAL_E_INVALID, "ELF: segment 2: file bytes");
	RESET();
	s[2].filesz = 0;
	s[2].memsz = 0xffffffffffffffffull;     /* vaddr + memsz wraps */
	bad_segs(s, 3, 0x40080000, PAL_E_INVALID, "ELF: segment 2: 0x40082200 + "
		 "0xffffffffffffffff wraps around");
	RESET();
	s[1].align = 0x3000;
	bad_segs(s, 3, 0x40080000, PAL_E_INVALID, "ELF: segment 1: p_align 0x3000 is not a power "
		 "of two");
	RESET();
	s[1].offset = 0x2900;
	bad_segs(s, 3, 0x40080000, PAL_E_INVALID, "ELF: segment 1: p_offset 0x2900 and p_vaddr "
		 "0x40081800 are not congruent modulo p_align 0x1000");
	RESET();
	s[1].align = 1;                 /* 0 and 1 mean "no constraint" */
	s[1].offset = 0x2901;
	s[0].align = 0;
	{
		uint8_t *f = t_elf(s, 3, 0x40080000);
		struct elf_image img;
		char err[256];

		assert_int_equal(elf_image_parse(f, T_FILE_SIZE, MEM_BASE, MEM_SIZE, &img, err,
						 sizeof(err)), 0);
		check_pages(f, T_FILE_SIZE, &img);
		free(f);
	}
	RESET();
	s[2].paddr = 0x40083000;
	bad_segs(s, 3, 0x40080000, PAL_E_INVALID, "ELF: segment 2: p_vaddr 0x40082200 differs "
		 "from p_paddr 0x40083000");
	/* Outside the VM memory: below, above, straddling the end. */
	RESET();
	s[0].vaddr = s[0].paddr = 0x3fff0000;
	bad_segs(s, 3, 0x3fff0000, PAL_E_RANGE, "ELF: segment 0: 0x3fff0000..0x3fff1800 is "
		 "outside the VM memory 0x40000000..0x50000000");
	RESET();
	s[2].vaddr = s[2].paddr = MEM_BASE + MEM_SIZE - 0x1000;
	s[2].offset = 0x3000;
	bad_segs(s, 3, 0x40080000, PAL_E_RANGE, "ELF: segment 2: 0x4ffff000..0x50002000 is outside");
	RESET();
	s[2].vaddr = s[2].paddr = MEM_BASE + MEM_SIZE;
	s[2].offset = 0x3000;
	bad_segs(s, 3, 0x40080000, PAL_E_RANGE, "is outside the VM memory");
	/* Overlapping by one byte, fully inside, descending. */
	RESET();
	s[1].vaddr = s[1].paddr = 0x400817ff;
	s[1].offset = 0x27ff;
	bad_segs(s, 3, 0x40080000, PAL_E_INVALID, "ELF: segment 1 (0x400817ff..0x400820ff) "
		 "overlaps or precedes segment 0 (ending at 0x40081800)");
	RESET();
	s[2].vaddr = s[2].paddr = 0x40080200;
	s[2].offset = 0x1200;
	bad_segs(s, 3, 0x40080000, PAL_E_INVALID, "ELF: segment 2 (0x40080200..0x40083200) "
		 "overlaps or precedes segment 1");
	{
		struct tseg d[2] = { DATA(0x3000, 0x40090000, 0x100, 0x100),
				     CODE(0x1000, 0x40080000, 0x100, 0x100) };
		bad_segs(d, 2, 0x40080000, PAL_E_INVALID, "PT_LOAD segments must be ascending "
			 "and disjoint");
	}
	/* Nothing to load. */
	{
		struct tseg z[2] = { { 4, 4, 0x1000, 0, 0, 0x20, 0x20, 4 },   /* PT_NOTE */
				     CODE(0x1000, 0x40080000, 0, 0) };
		bad_segs(z, 2, 0x40080000, PAL_E_INVALID, "ELF: no PT_LOAD segment with content");
	}
	/* Too many segments: 17 one-page segments. */
	{
		struct tseg m[17];

		for (unsigned i = 0; i < 17; i++)
			m[i] = (struct tseg)CODE(0x1000 + i * 0x100, 0x40080000 + i * 0x1100,
						 0x100, 0x100);
		uint8_t *f = t_elf(m, 16, 0x40080000);
		struct elf_image img;
		char err[256];

		assert_int_equal(elf_image_parse(f, T_FILE_SIZE, MEM_BASE, MEM_SIZE, &img, err,
						 sizeof(err)), 0);
		assert_int_equal(img.count, 16);
		check_pages(f, T_FILE_SIZE, &img);
		free(f);
		bad_segs(m, 17, 0x40080000, PAL_E_INVALID, "ELF: more than 16 non-empty PT_LOAD");
	}
#undef RESET
}

static uint8_t *load_real(const char *path, size_t *size)
{
	if (access(path, R_OK) != 0) {
		fprintf(stderr, "%s: missing (build the guests first)\n", path);
		fail();
	}
	return t_load_file(path, size);
}

/* The project's own guest executables: accepted, pages as a naive loader places them. */
static void test_real_guests(void **state)
{
	static const char *paths[] = { LOADER_GUEST_ELF, LOADER_GUEST_ELF2 };
	(void)state;

	for (unsigned k = 0; k < 2; k++) {
		struct elf_image img;
		char err[256];
		size_t size;
		uint8_t *f = load_real(paths[k], &size);

		if (elf_image_parse(f, size, MEM_BASE, MEM_SIZE, &img, err, sizeof(err))) {
			fprintf(stderr, "%s: %s\n", paths[k], err);
			fail();
		}
		assert_int_equal(img.entry, get(f + 24, 8));
		assert_true(img.count >= 2);
		check_pages(f, size, &img);
		/* Too little memory: the same file is out of range. */
		assert_int_equal(elf_image_parse(f, size, img.end, MEM_SIZE, &img, err,
						 sizeof(err)), PAL_E_RANGE);
		free(f);
	}
}

/* Cut the real guest at every length: an error unless everything needed is present. */
static void test_truncated(void **state)
{
	struct elf_image img, full;
	char err[256];
	size_t size;
	uint8_t *f = load_real(LOADER_GUEST_ELF, &size);
	uint64_t need = 0;
	(void)state;

	assert_int_equal(elf_image_parse(f, size, MEM_BASE, MEM_SIZE, &full, err, sizeof(err)), 0);
	need = get(f + 32, 8) + get(f + 56, 2) * 56;
	for (unsigned i = 0; i < full.count; i++)
		if (full.seg[i].offset + full.seg[i].filesz > need)
			need = full.seg[i].offset + full.seg[i].filesz;
	for (size_t len = 0; len < size; len++) {
		uint8_t *cut = t_dup(f, len, len);
		int rc = elf_image_parse(cut, len, MEM_BASE, MEM_SIZE, &img, err, sizeof(err));

		if (len < need) {
			assert_int_equal(rc, PAL_E_INVALID);
			assert_true(strncmp(err, "ELF: ", 5) == 0);
		} else {
			assert_int_equal(rc, 0);
		}
		free(cut);
	}
	free(f);
}

/* Random byte changes in the real guest and in a synthetic image: every outcome is a
 * clean error or an image whose every page can be produced (ASan checks the reads). */
static void fuzz_one(const uint8_t *orig, size_t size, uint64_t *rng, unsigned rounds,
		     unsigned hot)
{
	uint8_t *f = malloc(size), page[PG];
	unsigned ok = 0;

	for (unsigned r = 0; r < rounds; r++) {
		struct elf_image img;
		char err[256];
		unsigned flips = 1 + (unsigned)(t_rand(rng) % 6);

		memcpy(f, orig, size);
		for (unsigned k = 0; k < flips; k++) {
			uint64_t x = t_rand(rng);
			/* Mostly the headers, where the parser looks; sometimes anywhere. */
			size_t at = (x & 3) ? (size_t)((x >> 8) % hot) : (size_t)((x >> 8) % size);

			if (x & 0x10)
				f[at] ^= (uint8_t)(1u << ((x >> 4) & 7));
			else
				f[at] = (uint8_t)(x >> 40);
		}
		size_t len = (t_rand(rng) % 8) ? size : (size_t)(t_rand(rng) % size);
		uint8_t *buf = t_dup(f, len, len ? len : 1);
		int rc = elf_image_parse(buf, len, MEM_BASE, MEM_SIZE, &img, err, sizeof(err));

		if (rc) {
			assert_true(rc == PAL_E_INVALID || rc == PAL_E_RANGE);
			assert_true(strncmp(err, "ELF: ", 5) == 0);
		} else {
			uint64_t p = img.start, n = 0;

			ok++;
			assert_true(img.count >= 1 && img.count <= ELF_IMAGE_MAX_SEGMENTS);
			assert_true(img.start >= MEM_BASE && img.end <= MEM_BASE + MEM_SIZE);
			while (elf_image_next_page(&img, p, &p) && n < 70000) {
				assert_int_equal(elf_image_page(&img, buf, len, p, page), 0);
				p += PG;
				n++;
			}
			assert_int_equal(n, img.pages);
		}
		free(buf);
	}
	fprintf(stderr, "fuzz: %u of %u variants accepted\n", ok, rounds);
	free(f);
}

static void test_fuzz(void **state)
{
	uint64_t rng = 0x9e3779b97f4a7c15ull;
	size_t size;
	uint8_t *f = load_real(LOADER_GUEST_ELF, &size);
	uint8_t *s = t_elf(good, 3, 0x40080000);
	(void)state;

	fuzz_one(f, size, &rng, 20000, 64 + 56 * (unsigned)get(f + 56, 2));
	fuzz_one(s, T_FILE_SIZE, &rng, 20000, 64 + 3 * 56);
	free(s);
	free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_synthetic_good),
		cmocka_unit_test(test_gaps_and_edges),
		cmocka_unit_test(test_header_errors),
		cmocka_unit_test(test_segment_errors),
		cmocka_unit_test(test_real_guests),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_fuzz),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
