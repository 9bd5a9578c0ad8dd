/* Shared parts of the bare-metal launch test hosts (launch_lib.h). */
#include <stddef.h>
#include "palisade/elf_image.h"
#include "palisade/error.h"
#include "palisade/hypercall_stubs.h"
#include "guest_console.h"
#include "launch_lib.h"

/* Per vCPU (MPIDR Aff0), so that several vCPUs may probe pages at once (fuzz-host). */
static volatile uint64_t sync_counts[8];
#define sync_count sync_counts[this_vcpu()]

static unsigned this_vcpu(void)
{
	uint64_t mpidr;

	__asm__ volatile("mrs %0, mpidr_el1" : "=r"(mpidr));
	return (unsigned)(mpidr & 7);
}

/* Set by a test that expects an exception it cannot skip by 4 (an instruction abort):
 * the next one records its syndrome and address and resumes here instead. */
volatile uint64_t exc_resume_pc, exc_esr, exc_far;

void guest_exception(uint64_t kind, uint64_t esr, uint64_t far, uint64_t *elr)
{
	(void)kind;
	sync_count++;
	if (exc_resume_pc) {
		exc_esr = esr;
		exc_far = far;
		*elr = exc_resume_pc;
		exc_resume_pc = 0;
		return;
	}
	*elr += 4;   /* skip the faulting access */
}

bool read_faults(uint64_t addr)
{
	uint64_t before = sync_count;

	(void)*(volatile uint64_t *)(uintptr_t)addr;
	return sync_count != before;
}

void copy(void *d, const void *s, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++)
		((uint8_t *)d)[i] = ((const uint8_t *)s)[i];
}

void fill(uint64_t addr, uint8_t v, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++)
		((volatile uint8_t *)(uintptr_t)addr)[i] = v;
}

/* Every page writable (no fault): writes a word into each and reads it back. */
bool all_writable(uint64_t addr, uint64_t n)
{
	uint64_t before = sync_count;

	for (uint64_t i = 0; i < n; i += 4096) {
		volatile uint64_t *p = (volatile uint64_t *)(uintptr_t)(addr + i);

		*p = 0x5a5a5a5a5a5a5a5aull;
		if (*p != 0x5a5a5a5a5a5a5a5aull)
			return false;
		*p = 0;
	}
	return sync_count == before;
}

/* Every byte readable (no fault) and zero. */
bool all_zero(uint64_t addr, uint64_t n)
{
	uint64_t before = sync_count;

	for (uint64_t i = 0; i < n; i += 8)
		if (*(volatile uint64_t *)(uintptr_t)(addr + i))
			return false;
	return sync_count == before;
}

void put_hex(const uint8_t *p, unsigned n)
{
	static const char h[] = "0123456789abcdef";

	for (unsigned i = 0; i < n; i++) {
		guest_putc(h[p[i] >> 4]);
		guest_putc(h[p[i] & 15]);
	}
}

bool load_pages(uint16_t vm, uint64_t pa, uint64_t ipa, uint64_t bytes, uint64_t flags,
		uint64_t mem_base, bool *given)
{
	uint64_t pages = (bytes + 4095) >> 12;

	if (pal_hc_vm_load(vm, pa, pages, ipa, flags) != 0)
		return false;
	for (uint64_t i = 0; i < pages; i++)
		given[((ipa - mem_base) >> 12) + i] = true;
	return true;
}

bool load_rest(uint16_t vm, uint64_t stage, uint64_t mem_base, uint64_t pages, bool *given)
{
	for (uint64_t i = 0; i < pages;) {
		uint64_t n = 0;

		while (i + n < pages && !given[i + n])
			n++;
		if (n && pal_hc_vm_load(vm, stage + (i << 12), n, mem_base + (i << 12), 0) != 0)
			return false;
		i += n ? n : 1;
	}
	return true;
}

uint16_t launch_elf_pvm(const uint8_t *elf, uint64_t elf_size, unsigned vcpus,
			uint64_t mem_base, uint64_t mem_size, uint64_t stage, uint64_t meta,
			uint64_t meta_pages, uint64_t hole)
{
	static uint8_t buf[4096] __attribute__((aligned(8)));
	static bool given[512];
	const uint64_t pages = mem_size >> 12;
	struct pal_hc_vm_create_result c;
	struct elf_image img;
	char err[96];
	uint64_t page;
	uint16_t vm;
	bool ok;

	if (pages > sizeof(given) ||
	    elf_image_parse(elf, elf_size, mem_base, mem_size, &img, err, sizeof(err)) != 0 ||
	    pal_hc_vm_create(vcpus, mem_base, mem_size, meta, meta_pages, &c) != 0)
		return 0;
	vm = c.vm_id;
	for (uint64_t i = 0; i < pages; i++)
		given[i] = hole && hole == mem_base + (i << 12);
	ok = elf_image_next_page(&img, img.start, &page);
	while (ok) {
		uint64_t pa = stage + (page - mem_base);

		if (elf_image_page(&img, elf, elf_size, page, buf) != 0)
			return 0;
		copy((void *)(uintptr_t)pa, buf, sizeof(buf));
		if (!load_pages(vm, pa, page, 4096, 3, mem_base, given))
			return 0;
		ok = elf_image_next_page(&img, page + 4096, &page);
	}
	if (!load_rest(vm, stage, mem_base, pages, given) ||
	    pal_hc_vm_set_boot(vm, img.entry, 0) != 0)
		return 0;
	return vm;
}

/* A verdict line of the pVM counts in this host's END line. */
static void relay_line(const char *line)
{
	static const char tag[] = "PALISADE-TEST ";
	unsigned i, n = 0;

	for (i = 0; tag[i]; i++)
		if (line[i] != tag[i])
			return;
	while (line[i + n])
		n++;
	if (n >= 5 && line[i + n - 5] == ' ' && line[i + n - 4] == 'P' && line[i + n - 1] == 'S') {
		guest_verdict_relayed(true);
		return;
	}
	for (unsigned k = i; line[k]; k++)
		if (line[k] == ' ' && line[k + 1] == 'F' && line[k + 2] == 'A' &&
		    line[k + 3] == 'I' && line[k + 4] == 'L') {
			guest_verdict_relayed(false);
			return;
		}
}

/* The pVM's PL011 as this host emulates it: output only (FR: TX empty, RX empty). */
static uint64_t uart_access(uint64_t off, bool write, uint64_t data)
{
	static const uint8_t ids[8] = { 0x11, 0x10, 0x34, 0x00, 0x0d, 0xf0, 0x05, 0xb1 };
	static char line[256];
	static unsigned len;

	if (write && off == 0x00) {
		if (data == '\r')
			return 0;
		guest_putc((char)data);
		if (data == '\n') {
			line[len] = 0;
			relay_line(line);
			len = 0;
		} else if (len < sizeof(line) - 1) {
			line[len++] = (char)data;
		}
		return 0;
	}
	if (!write && off == 0x18)
		return 0x90;
	if (!write && off >= 0xfe0 && off <= 0xffc)
		return ids[(off - 0xfe0) >> 2];
	return 0;
}

unsigned run_vcpu0(uint16_t vm)
{
	uint64_t data = 0, flags = 0;
	unsigned mmio = 0;

	for (;;) {
		struct pal_hc_vcpu_run_result r;
		int64_t rc = pal_hc_vcpu_run(vm, 0, data, flags, &r);
		unsigned reason = r.exit & 0xff;

		data = 0;
		flags = 0;
		if (rc != 0)
			return 0;
		if (reason == 1) {   /* MMIO: the console, or nothing (an external abort) */
			mmio++;
			if (r.addr >= UART_IPA && r.addr < UART_IPA + 0x1000)
				data = uart_access(r.addr - UART_IPA, (r.exit >> 12) & 1, r.data);
			else
				flags = HC_VCPU_RUN_MMIO_FLAGS_ABORT_MASK;
			continue;
		}
		if (reason == 6)     /* SHUTDOWN */
			return mmio ? mmio : 1;
		/* HALT, INTERRUPTED: run it again; CPU_ON: these pVMs have one vCPU. */
	}
}
