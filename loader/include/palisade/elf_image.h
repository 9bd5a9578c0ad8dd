/*
 * ELF64 AArch64 executables as VM images: validation and page placement. Portable (EL2
 * and host), no allocation, no recursion; reads the file byte by byte (any alignment).
 *
 * Rules (docs/attestation.md, section 1, "ELF images"):
 *   - ident: ELFCLASS64, ELFDATA2LSB, EV_CURRENT; e_type ET_EXEC; e_machine EM_AARCH64;
 *     e_version EV_CURRENT; e_ehsize 64; e_phentsize 56; 1..ELF_IMAGE_MAX_PHDRS headers,
 *     the whole table inside the file.
 *   - no PT_INTERP and no PT_DYNAMIC: a guest image is a static executable.
 *   - PT_LOAD: p_filesz <= p_memsz; the file bytes inside the file; p_align 0 or a power
 *     of two, and p_offset == p_vaddr modulo p_align; p_vaddr == p_paddr (a guest starts
 *     with its MMU off, so segments are placed at p_paddr and must not need a
 *     translation); no wrap-around; inside the VM memory [mem_base, mem_base + mem_size);
 *     in ascending address order and disjoint (two segments may share a page, never a
 *     byte). Segments with p_memsz 0 are ignored.
 *   - at least one non-empty PT_LOAD, at most ELF_IMAGE_MAX_SEGMENTS of them; the entry
 *     point inside an executable (PF_X) one.
 *
 * Placement: the image is the set of 4 KiB pages that hold a byte of some segment, in
 * ascending order (which is program-header order, segments being ascending). A page's
 * content is the file bytes of every segment that covers it, zeros elsewhere (zeros from
 * p_filesz to p_memsz, and in the parts of a page no segment covers).
 */
#ifndef PALISADE_ELF_IMAGE_H
#define PALISADE_ELF_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ELF_IMAGE_EHDR_SIZE     64
#define ELF_IMAGE_PHDR_SIZE     56
#define ELF_IMAGE_MAX_PHDRS     64
#define ELF_IMAGE_MAX_SEGMENTS  16
#define ELF_IMAGE_PAGE_SIZE     4096u

#define ELF_PF_X 1u
#define ELF_PF_W 2u
#define ELF_PF_R 4u

struct elf_segment {
	unsigned phdr;          /* index in the program-header table (for messages) */
	uint64_t offset;        /* p_offset */
	uint64_t ipa;           /* p_paddr (== p_vaddr) */
	uint64_t filesz;        /* p_filesz */
	uint64_t memsz;         /* p_memsz, > 0 */
	uint32_t flags;         /* ELF_PF_* */
};

struct elf_image {
	uint64_t entry;         /* e_entry: an IPA inside an executable segment */
	unsigned count;         /* PT_LOAD segments with p_memsz > 0, ascending */
	struct elf_segment seg[ELF_IMAGE_MAX_SEGMENTS];
	uint64_t start;         /* first byte of the first page */
	uint64_t end;           /* end of the last page (exclusive) */
	uint64_t pages;         /* distinct pages the segments touch */
};

/*
 * Validates the ELF file ('file_size' bytes at 'file') for a VM whose memory is
 * [mem_base, mem_base + mem_size) (page aligned) and describes its segments.
 * Returns 0, or PAL_E_INVALID (malformed file) / PAL_E_RANGE (a segment outside the
 * VM's memory) with a one-line reason starting "ELF: " in err. On failure *img is zeroed.
 */
int elf_image_parse(const void *file, uint64_t file_size, uint64_t mem_base,
		    uint64_t mem_size, struct elf_image *img, char *err, size_t err_size);

/*
 * The first page (its IPA) at or above 'from' that holds a byte of a segment; false when
 * there is none. Iterate with from = img->start, then from = page + ELF_IMAGE_PAGE_SIZE.
 */
bool elf_image_next_page(const struct elf_image *img, uint64_t from, uint64_t *page);

/*
 * Writes the content of the page at IPA 'page' (page aligned) into out[4096]: the file
 * bytes of the segments covering it, zeros elsewhere. 'file' and 'file_size' are those
 * elf_image_parse accepted. Returns 0, or PAL_E_INVALID for an unaligned page or a file
 * shorter than the segments (out is zeroed then).
 */
int elf_image_page(const struct elf_image *img, const void *file, uint64_t file_size,
		   uint64_t page, void *out);

#endif /* PALISADE_ELF_IMAGE_H */
