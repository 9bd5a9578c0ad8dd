/*
 * What the bare-metal launch test hosts share: staging pages and loading them into a
 * protected VM, and running its vCPU 0 while emulating its PL011 console (MMIO exits).
 */
#ifndef LAUNCH_LIB_H
#define LAUNCH_LIB_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

#define UART_IPA 0x09000000ull

/* Host reads of pages it gave away must fault: the exception handler counts them. */
bool read_faults(uint64_t addr);
extern volatile uint64_t exc_resume_pc, exc_esr, exc_far;
bool all_zero(uint64_t addr, uint64_t n);
bool all_writable(uint64_t addr, uint64_t n);
void fill(uint64_t addr, uint8_t v, uint64_t n);
void copy(void *d, const void *s, uint64_t n);
void put_hex(const uint8_t *p, unsigned n);

/* VM_LOAD of [pa, pa + bytes) (rounded up to pages) at ipa with flags; marks the pages
 * as given in 'given' (one flag per page of the VM's memory from mem_base). */
bool load_pages(uint16_t vm, uint64_t pa, uint64_t ipa, uint64_t bytes, uint64_t flags,
		uint64_t mem_base, bool *given);
/* Donates (zeroed, unmeasured) every page not yet given, in runs: pa = stage + offset. */
bool load_rest(uint16_t vm, uint64_t stage, uint64_t mem_base, uint64_t pages, bool *given);

/*
 * A protected VM launched from an ELF image in one call sequence: VM_CREATE (metadata at
 * meta), the ELF's pages lent and measured one call per page (staged at stage + offset),
 * every other page of [mem_base, mem_base + mem_size) donated and zeroed except 'hole'
 * (an IPA left for the caller to load, 0 for none), and VM_SET_BOOT at the ELF's entry
 * with arg 0. Not started. mem_size at most 2 MiB. Returns the VM id, 0 on any failure.
 */
uint16_t launch_elf_pvm(const uint8_t *elf, uint64_t elf_size, unsigned vcpus,
			uint64_t mem_base, uint64_t mem_size, uint64_t stage, uint64_t meta,
			uint64_t meta_pages, uint64_t hole);

/* Runs vCPU 0 until SHUTDOWN, copying the pVM's console to this host's, counting the
 * PALISADE-TEST verdicts it prints. Returns the number of MMIO exits (0 on an error). */
unsigned run_vcpu0(uint16_t vm);

#endif
