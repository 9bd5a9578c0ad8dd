/*
 * The idle VM: waits in WFI for ever with interrupts masked, so that it costs nothing
 * while another VM is measured. Built twice: as the host VM (beside a measured guest)
 * and as a guest VM (the borrower of the host's lend benchmarks).
 */
#include <stdint.h>

void bench_main(uint64_t cpu, uint64_t x0, uint64_t entry_ticks)
{
	(void)cpu;
	(void)x0;
	(void)entry_ticks;
	for (;;)
		__asm__ volatile("wfi");
}

void bench_exception(uint64_t kind, uint64_t esr, uint64_t far, uint64_t *elr)
{
	(void)kind;
	(void)esr;
	(void)far;
	(void)elr;
}
