/*
 * printf-style formatting for guests.
 *
 * Supported: flags - 0 + space #, width and precision (digits or *),
 * length modifiers hh h l ll z t j L, conversions d i u x X o c s p % and
 * floating point f F e E g G. Floating-point output is exact and rounded
 * half to even, as glibc prints it (a long double argument, %Lf, is
 * converted to double first). "%s" with a NULL pointer prints "(null)";
 * "%p" prints 0x followed by lower-case hex, so NULL is "0x0". An
 * unsupported conversion (%a, %n, ...) is copied to the output verbatim and
 * consumes no argument.
 */
#ifndef MICA_GUEST_FORMAT_H
#define MICA_GUEST_FORMAT_H

#include <stdarg.h>
#include <stddef.h>

/* Receives the output in pieces; s is not NUL-terminated. */
typedef void mica_emit_fn(void *ctx, const char *s, size_t n);

/*
 * Formats to a sink, so a console can stream output of any length without
 * a buffer. Returns the number of bytes emitted, or -1 if that exceeds
 * INT_MAX (the bytes are emitted regardless).
 */
int mica_vformat(mica_emit_fn *emit, void *ctx, const char *fmt, va_list ap);

/*
 * C99 semantics: writes at most size bytes including a terminating NUL
 * (always present when size > 0) and returns the length the full output
 * would have had, so a result >= size means it was truncated.
 */
int mica_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int mica_snprintf(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
