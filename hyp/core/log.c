/*
 * Console log: whole lines, one lock, no interleaving between CPUs.
 * Lock: console_lock is a leaf lock; it may be taken with any other lock held.
 */
#include "arch/cpu.h"
#include "palisade/cpu.h"
#include "palisade/format.h"
#include "palisade/log.h"
#include "palisade/platform.h"
#include "palisade/spinlock.h"
#include "palisade/vm_console.h"

static spinlock_t console_lock = SPINLOCK_INIT;
static volatile int console_owner = -1;   /* CPU index holding the lock, for panics */

static int this_cpu_index(void)
{
	struct cpu *c = arch_this_cpu();

	return c ? (int)c->index : 0;
}

static void console_write(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			platform_console_putc('\r');
		platform_console_putc(s[i]);
	}
}

static void emit(const char *fmt, va_list ap, bool panicking)
{
	char line[LOG_LINE_MAX];
	size_t n = fmt_vsnprintf(line, sizeof(line), fmt, ap);
	int me = this_cpu_index();

	if (n >= sizeof(line)) {
		n = sizeof(line) - 1;
		line[n - 1] = '\n';  /* a cut line still ends the line */
	}
	if (panicking && console_owner == me) {
		/* This CPU faulted while printing: the lock is ours already. */
		console_write(line, n);
		return;
	}
	if (!panicking && vm_console_active()) {
		/* VMs share the console: the multiplexer starts our line on a line of its own. */
		vm_console_hyp_write(line, n);
		return;
	}
	log_write_raw(line, n);
}

void log_write_raw(const char *s, size_t n)
{
	int me = this_cpu_index();

	spin_lock(&console_lock);
	console_owner = me;
	console_write(s, n);
	console_owner = -1;
	spin_unlock(&console_lock);
}

void log_vprintf(const char *fmt, va_list ap)
{
	emit(fmt, ap, false);
}

void log_printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit(fmt, ap, false);
	va_end(ap);
}

void log_printf_panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit(fmt, ap, true);
	va_end(ap);
}
