/*
 * The console log. Each call prints whole lines atomically: the text is formatted into a
 * per-call buffer first and written under the console lock, so lines from several CPUs
 * never interleave. Lines longer than LOG_LINE_MAX are cut.
 */
#ifndef PALISADE_LOG_H
#define PALISADE_LOG_H

#include <stdarg.h>
#include <stddef.h>

#define LOG_LINE_MAX 256

void log_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_vprintf(const char *fmt, va_list ap);

/* Writes bytes to the physical console under the console lock (the multiplexer's sink). */
void log_write_raw(const char *s, size_t n);

/* For the fatal-error path: takes the console even if this CPU already held it. */
void log_printf_panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
