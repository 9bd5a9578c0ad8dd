/*
 * Fatal errors in the hypervisor's own code. The CPU that hits one reports it with a
 * structured PALISADE-FAULT line (the test harness looks for it) and parks; the other
 * CPUs are left running. Guest-triggerable conditions must never come here: they are
 * errors returned to, or exceptions injected into, the guest.
 */
#include <stdarg.h>
#include "arch/cpu.h"
#include "palisade/boot_identity.h"
#include "palisade/cpu.h"
#include "palisade/format.h"
#include "palisade/log.h"
#include "palisade/panic.h"

void panic(const char *fmt, ...)
{
	char msg[LOG_LINE_MAX - 48];
	struct cpu *c = arch_this_cpu();
	va_list ap;

	/* A hypervisor that hit an internal error no longer attests: the key goes first. */
	boot_identity_wipe();
	va_start(ap, fmt);
	fmt_vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_printf_panic("PALISADE-FAULT cpu=%u panic: %s\n", c ? c->index : 0, msg);
	if (c)
		c->parked = true;
	arch_cpu_park();
}
