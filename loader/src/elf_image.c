/* ELF64 AArch64 executables as VM images: see palisade/elf_image.h. */
#include <string.h>

#include "palisade/addr.h"
#include "palisade/elf_image.h"
#include "palisade/error.h"
#include "palisade/format.h"
#include "ranges.h"

#define FAIL(rc, ...) do { fmt_snprintf(err, err_size, __VA_ARGS__); goto fail_##rc; } while (0)

#define EI_CLASS        4
#define EI_DATA         5
#define EI_VERSION      6
#define ELFCLASS64      2
#define ELFDATA2LSB     1
#define EV_CURRENT      1
#define ET_EXEC         2
#define EM_AARCH64      183
#define PT_LOAD         1
#define PT_DYNAMIC      2
#define PT_INTERP       3

typedef unsigned long long ull;

/* Byte by byte: the file may sit anywhere, and EL2 code assumes strict alignment. */
static uint64_t le(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = n; i-- > 0;)
		v = v << 8 | p[i];
	return v;
}

static bool is_pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

int elf_image_parse(const void *file, uint64_t file_size, uint64_t mem_base,
		    uint64_t mem_size, struct elf_image *img, char *err, size_t err_size)
{
	const uint8_t *f = file;
	uint64_t mem_end, phoff, phnum, table_end, prev_end = 0;
	unsigned prev = 0;

	if (err_size)
		err[0] = '\0';
	memset(img, 0, sizeof(*img));
	if (((mem_base | mem_size) & PAGE_MASK) || mem_size == 0 ||
	    !range_end(mem_base, mem_size, &mem_end))
		FAIL(PAL_E_INVALID, "ELF: VM memory 0x%llx + 0x%llx is empty, not page aligned or "
		     "wraps around", (ull)mem_base, (ull)mem_size);
	if (!f || file_size < ELF_IMAGE_EHDR_SIZE)
		FAIL(PAL_E_INVALID, "ELF: %llu bytes, shorter than the 64-byte ELF header",
		     (ull)file_size);
	if (f[0] != 0x7f || f[1] != 'E' || f[2] != 'L' || f[3] != 'F')
		FAIL(PAL_E_INVALID, "ELF: no ELF magic (\\x7fELF) at offset 0");
	if (f[EI_CLASS] != ELFCLASS64)
		FAIL(PAL_E_INVALID, "ELF: class %u is not ELFCLASS64 (2)", f[EI_CLASS]);
	if (f[EI_DATA] != ELFDATA2LSB)
		FAIL(PAL_E_INVALID, "ELF: data encoding %u is not little-endian (ELFDATA2LSB, 1)",
		     f[EI_DATA]);
	if (f[EI_VERSION] != EV_CURRENT)
		FAIL(PAL_E_INVALID, "ELF: ident version %u is not EV_CURRENT (1)", f[EI_VERSION]);
	if (le(f + 16, 2) != ET_EXEC)
		FAIL(PAL_E_INVALID, "ELF: e_type %u is not ET_EXEC (2): a VM image must be a "
		     "static, non-relocatable executable", (unsigned)le(f + 16, 2));
	if (le(f + 18, 2) != EM_AARCH64)
		FAIL(PAL_E_INVALID, "ELF: e_machine %u is not EM_AARCH64 (183)",
		     (unsigned)le(f + 18, 2));
	if (le(f + 20, 4) != EV_CURRENT)
		FAIL(PAL_E_INVALID, "ELF: e_version %u is not EV_CURRENT (1)",
		     (unsigned)le(f + 20, 4));
	if (le(f + 52, 2) != ELF_IMAGE_EHDR_SIZE)
		FAIL(PAL_E_INVALID, "ELF: e_ehsize %u, expected 64", (unsigned)le(f + 52, 2));
	if (le(f + 54, 2) != ELF_IMAGE_PHDR_SIZE)
		FAIL(PAL_E_INVALID, "ELF: e_phentsize %u, expected 56", (unsigned)le(f + 54, 2));
	img->entry = le(f + 24, 8);
	phoff = le(f + 32, 8);
	phnum = le(f + 56, 2);
	if (phnum == 0)
		FAIL(PAL_E_INVALID, "ELF: no program headers");
	if (phnum > ELF_IMAGE_MAX_PHDRS)
		FAIL(PAL_E_INVALID, "ELF: %llu program headers, more than %u", (ull)phnum,
		     ELF_IMAGE_MAX_PHDRS);
	/* phnum <= 64, so phnum * 56 cannot overflow. */
	if (!range_end(phoff, phnum * ELF_IMAGE_PHDR_SIZE, &table_end) || table_end > file_size)
		FAIL(PAL_E_INVALID, "ELF: program-header table 0x%llx + %llu x 56 bytes runs past "
		     "the end of the file (0x%llx bytes)", (ull)phoff, (ull)phnum, (ull)file_size);

	for (unsigned i = 0; i < phnum; i++) {
		const uint8_t *ph = f + phoff + (uint64_t)i * ELF_IMAGE_PHDR_SIZE;
		uint32_t type = (uint32_t)le(ph, 4);
		struct elf_segment s = {
			.phdr = i,
			.flags = (uint32_t)le(ph + 4, 4),
			.offset = le(ph + 8, 8),
			.ipa = le(ph + 24, 8),
			.filesz = le(ph + 32, 8),
			.memsz = le(ph + 40, 8),
		};
		uint64_t vaddr = le(ph + 16, 8), align = le(ph + 48, 8), fend, end;

		if (type == PT_INTERP)
			FAIL(PAL_E_INVALID, "ELF: program header %u is PT_INTERP: the image needs a "
			     "program interpreter; a VM image must be static", i);
		if (type == PT_DYNAMIC)
			FAIL(PAL_E_INVALID, "ELF: program header %u is PT_DYNAMIC: a VM image must be "
			     "statically linked", i);
		if (type != PT_LOAD)
			continue;
		if (s.filesz > s.memsz)
			FAIL(PAL_E_INVALID, "ELF: segment %u: p_filesz 0x%llx exceeds p_memsz 0x%llx",
			     i, (ull)s.filesz, (ull)s.memsz);
		if (!range_end(s.offset, s.filesz, &fend) || fend > file_size)
			FAIL(PAL_E_INVALID, "ELF: segment %u: file bytes 0x%llx + 0x%llx run past the "
			     "end of the file (0x%llx bytes)", i, (ull)s.offset, (ull)s.filesz,
			     (ull)file_size);
		if (align > 1 && !is_pow2(align))
			FAIL(PAL_E_INVALID, "ELF: segment %u: p_align 0x%llx is not a power of two",
			     i, (ull)align);
		if (align > 1 && ((s.offset - vaddr) & (align - 1)))
			FAIL(PAL_E_INVALID, "ELF: segment %u: p_offset 0x%llx and p_vaddr 0x%llx are "
			     "not congruent modulo p_align 0x%llx", i, (ull)s.offset, (ull)vaddr,
			     (ull)align);
		if (vaddr != s.ipa)
			FAIL(PAL_E_INVALID, "ELF: segment %u: p_vaddr 0x%llx differs from p_paddr "
			     "0x%llx (a VM starts with its MMU off and is loaded at p_paddr)", i,
			     (ull)vaddr, (ull)s.ipa);
		if (s.memsz == 0)
			continue;
		if (!range_end(s.ipa, s.memsz, &end))
			FAIL(PAL_E_INVALID, "ELF: segment %u: 0x%llx + 0x%llx wraps around", i,
			     (ull)s.ipa, (ull)s.memsz);
		if (s.ipa < mem_base || end > mem_end)
			FAIL(PAL_E_RANGE, "ELF: segment %u: 0x%llx..0x%llx is outside the VM memory "
			     "0x%llx..0x%llx", i, (ull)s.ipa, (ull)end, (ull)mem_base, (ull)mem_end);
		if (img->count && s.ipa < prev_end)
			FAIL(PAL_E_INVALID, "ELF: segment %u (0x%llx..0x%llx) overlaps or precedes "
			     "segment %u (ending at 0x%llx): PT_LOAD segments must be ascending and "
			     "disjoint", i, (ull)s.ipa, (ull)end, prev, (ull)prev_end);
		if (img->count == ELF_IMAGE_MAX_SEGMENTS)
			FAIL(PAL_E_INVALID, "ELF: more than %u non-empty PT_LOAD segments",
			     ELF_IMAGE_MAX_SEGMENTS);
		/* Page rounding stays inside the (page-aligned) VM memory: no overflow. */
		if (!img->count)
			img->start = align_down(s.ipa, PAGE_SIZE);
		img->pages += (align_down(end + PAGE_SIZE - 1, PAGE_SIZE) -
			       align_down(s.ipa, PAGE_SIZE)) >> PAGE_SHIFT;
		if (img->count && align_down(s.ipa, PAGE_SIZE) < img->end)
			img->pages--;   /* its first page is the previous segment's last */
		img->end = align_down(end + PAGE_SIZE - 1, PAGE_SIZE);
		img->seg[img->count++] = s;
		prev = i;
		prev_end = end;
	}
	if (!img->count)
		FAIL(PAL_E_INVALID, "ELF: no PT_LOAD segment with content");
	for (unsigned i = 0; i < img->count; i++) {
		const struct elf_segment *s = &img->seg[i];

		if ((s->flags & ELF_PF_X) && img->entry >= s->ipa && img->entry - s->ipa < s->memsz)
			return 0;
	}
	FAIL(PAL_E_INVALID, "ELF: entry point 0x%llx is not inside an executable PT_LOAD segment",
	     (ull)img->entry);

fail_PAL_E_RANGE:
	memset(img, 0, sizeof(*img));
	return PAL_E_RANGE;
fail_PAL_E_INVALID:
	memset(img, 0, sizeof(*img));
	return PAL_E_INVALID;
}

bool elf_image_next_page(const struct elf_image *img, uint64_t from, uint64_t *page)
{
	if (from > UINT64_MAX - PAGE_MASK)
		return false;
	from = align_down(from + PAGE_SIZE - 1, PAGE_SIZE);
	for (unsigned i = 0; i < img->count; i++) {
		const struct elf_segment *s = &img->seg[i];
		uint64_t first = align_down(s->ipa, PAGE_SIZE);
		uint64_t last = align_down(s->ipa + s->memsz - 1, PAGE_SIZE);

		if (last >= from) {
			*page = first > from ? first : from;
			return true;
		}
	}
	return false;
}

int elf_image_page(const struct elf_image *img, const void *file, uint64_t file_size,
		   uint64_t page, void *out)
{
	uint8_t *o = out;

	memset(out, 0, PAGE_SIZE);
	if (page & PAGE_MASK)
		return PAL_E_INVALID;
	for (unsigned i = 0; i < img->count; i++) {
		const struct elf_segment *s = &img->seg[i];
		uint64_t lo = s->ipa > page ? s->ipa : page;
		uint64_t fend = s->ipa + s->filesz;   /* no wrap: checked by the parser */
		uint64_t hi = fend < page + PAGE_SIZE ? fend : page + PAGE_SIZE;

		if (lo >= hi)
			continue;
		if (s->offset + (hi - s->ipa) > file_size) {
			memset(out, 0, PAGE_SIZE);
			return PAL_E_INVALID;
		}
		memcpy(o + (lo - page), (const uint8_t *)file + s->offset + (lo - s->ipa), hi - lo);
	}
	return 0;
}
