/* Console output for bare-metal test guests: the PL011 (real or emulated) at 0x09000000. */
#ifndef GUEST_CONSOLE_H
#define GUEST_CONSOLE_H

#include <stdbool.h>
#include <stdint.h>

void guest_putc(char c);
void guest_puts(const char *s);
void guest_put_dec(unsigned v);
void guest_put_hex64(uint64_t v);   /* "0x" and 16 hex digits */
/* Prints "PALISADE-TEST <name> PASS" or "... FAIL <why>" and counts it. */
void guest_verdict(const char *name, bool ok, const char *why);
/* Counts a verdict another VM printed and this one relayed (for the END line). */
void guest_verdict_relayed(bool ok);
/* "PALISADE-TEST-END passed=<n> failed=<m>" over the verdicts printed so far. */
void guest_verdict_end(void);

/*
 * The one wait idiom of the test guests: with IRQs masked (guest_irq_mask), check the
 * condition, then guest_wait_irq(): the WFI runs masked (a pending interrupt still ends
 * it), the interrupt is taken right after, and IRQs are masked again for the next check.
 * An interrupt that arrives after a check therefore cannot be taken just before the WFI
 * and leave it asleep for good.
 *     guest_irq_mask(); while (!cond) guest_wait_irq(); guest_irq_unmask();
 */
static inline void guest_irq_mask(void) { __asm__ volatile("msr daifset, #2" ::: "memory"); }
static inline void guest_irq_unmask(void) { __asm__ volatile("msr daifclr, #2; isb" ::: "memory"); }
static inline void guest_wait_irq(void)
{
	__asm__ volatile("dsb sy; wfi; msr daifclr, #2; isb; msr daifset, #2" ::: "memory");
}

#endif
