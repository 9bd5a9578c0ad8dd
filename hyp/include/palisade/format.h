/*
 * printf-style formatting into a buffer; portable (EL2 and host).
 * Supports %s %c %d %i %u %x %X %p %% with flags '0' and '-', a width, a precision for
 * %s (".N" or ".*"), and the length modifiers l, ll, z. Always NUL-terminates (when size > 0) and returns the length the
 * full output would have had, like snprintf.
 */
#ifndef PALISADE_FORMAT_H
#define PALISADE_FORMAT_H

#include <stdarg.h>
#include <stddef.h>

size_t fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
size_t fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
