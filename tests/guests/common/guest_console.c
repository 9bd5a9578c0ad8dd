/* Console output for bare-metal test guests (see guest_console.h). */
#include <stdint.h>
#include "guest_console.h"

#define UART 0x09000000ul

static unsigned passed, failed;

void guest_putc(char c)
{
	volatile uint32_t *u = (volatile uint32_t *)UART;

	while (u[0x18 / 4] & (1u << 5))   /* FR.TXFF */
		;
	u[0] = (uint32_t)c;
}

void guest_puts(const char *s)
{
	for (; *s; s++) {
		if (*s == '\n')
			guest_putc('\r');
		guest_putc(*s);
	}
}

void guest_put_hex64(uint64_t v)
{
	static const char h[] = "0123456789abcdef";

	guest_puts("0x");
	for (int s = 60; s >= 0; s -= 4)
		guest_putc(h[(v >> s) & 15]);
}

void guest_put_dec(unsigned v)
{
	char b[12];
	int i = 0;

	do {
		b[i++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (i)
		guest_putc(b[--i]);
}

void guest_verdict(const char *name, bool ok, const char *why)
{
	guest_puts("PALISADE-TEST ");
	guest_puts(name);
	guest_puts(ok ? " PASS\n" : " FAIL ");
	if (!ok) {
		guest_puts(why);
		guest_puts("\n");
	}
	if (ok)
		passed++;
	else
		failed++;
}

void guest_verdict_relayed(bool ok)
{
	if (ok)
		passed++;
	else
		failed++;
}

void guest_verdict_end(void)
{
	guest_puts("PALISADE-TEST-END passed=");
	guest_put_dec(passed);
	guest_puts(" failed=");
	guest_put_dec(failed);
	guest_puts("\n");
}
