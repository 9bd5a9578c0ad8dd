/* Fatal errors in the hypervisor itself: report and stop this CPU, never spin on a guest's behalf. */
#ifndef PALISADE_PANIC_H
#define PALISADE_PANIC_H

__attribute__((noreturn, format(printf, 1, 2))) void panic(const char *fmt, ...);

#endif
