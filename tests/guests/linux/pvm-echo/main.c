/*
 * pvm-echo: a small protected VM for the `palisade run` tests (ELF, 2 MiB at
 * 0x80000000, start.S and guest.ld of pvm-attest). It prints "PVM-ECHO ready", then
 * polls its console (the PL011 the host's `palisade run` emulates) every 2 ms and
 * answers each input line with "PVM-ECHO got <line>"; the line "quit" makes it print
 * "PVM-ECHO bye" and power off. So it stays alive, doing MMIO exits, as long as the test
 * wants: for attacking its memory, killing its VMM, and running two at once.
 */
#include <stdint.h>
#include "guest_console.h"

#define UART 0x09000000ul
#define FR_RXFE (1u << 4)
#define PSCI_SYSTEM_OFF 0x84000008u

static uint64_t ticks(void)
{
	uint64_t t;

	__asm__ volatile("isb; mrs %0, cntvct_el0" : "=r"(t));
	return t;
}

static void delay_ms(unsigned ms)
{
	uint64_t f, t0 = ticks();

	__asm__("mrs %0, cntfrq_el0" : "=r"(f));
	while (ticks() - t0 < f / 1000 * ms)
		;
}

static int equal(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

void pvm_main(void)
{
	volatile uint32_t *u = (volatile uint32_t *)UART;
	char line[96];
	unsigned n = 0;

	guest_puts("PVM-ECHO ready\n");
	for (;;) {
		char c;

		if (u[0x18 / 4] & FR_RXFE) {
			delay_ms(2);
			continue;
		}
		c = (char)u[0];
		if (c != '\r' && c != '\n') {
			if (n < sizeof(line) - 1)
				line[n++] = c;
			continue;
		}
		line[n] = 0;
		if (!n)
			continue;
		n = 0;
		guest_puts("PVM-ECHO got ");
		guest_puts(line);
		guest_puts("\n");
		if (equal(line, "quit")) {
			guest_puts("PVM-ECHO bye\n");
			register uint64_t x0 __asm__("x0") = PSCI_SYSTEM_OFF;
			__asm__ volatile("hvc #0" : "+r"(x0) : : "memory");
		}
	}
}
