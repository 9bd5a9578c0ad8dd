/*
 * What the bare-metal launch test hosts share: staging pages and loading them into a
 * protected VM, and running its vCPU 0 while emulating its PL011 console (MMIO exits).
 */
#ifndef LAUNCH_LIB_H
#define LAUNCH_LIB_H

#include <stdbool.h>
#include <stdint.h>

#define UART_IPA 0x09000000ull

/* Host reads of pages it gave away must fault: the exception handler counts them. */
bool read_faults(uint64_t addr);
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

/* Runs vCPU 0 until SHUTDOWN, copying the pVM's console to this host's, counting the
 * PALISADE-TEST verdicts it prints. Returns the number of MMIO exits (0 on an error). */
unsigned run_vcpu0(uint16_t vm);

#endif
