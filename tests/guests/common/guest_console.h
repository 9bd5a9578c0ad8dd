/* Console output for bare-metal test guests: the PL011 (real or emulated) at 0x09000000. */
#ifndef GUEST_CONSOLE_H
#define GUEST_CONSOLE_H

#include <stdbool.h>

void guest_putc(char c);
void guest_puts(const char *s);
void guest_put_dec(unsigned v);
/* Prints "PALISADE-TEST <name> PASS" or "... FAIL <why>" and counts it. */
void guest_verdict(const char *name, bool ok, const char *why);
/* Counts a verdict another VM printed and this one relayed (for the END line). */
void guest_verdict_relayed(bool ok);
/* "PALISADE-TEST-END passed=<n> failed=<m>" over the verdicts printed so far. */
void guest_verdict_end(void);

#endif
