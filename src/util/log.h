/*
 * One line per event. Errors a user can cause go through mica_error(): one
 * line on stderr naming the object and the reason.
 */
#ifndef MICA_UTIL_LOG_H
#define MICA_UTIL_LOG_H

#include <stddef.h>

#define MICA_PRINTF(a, b) __attribute__((format(printf, a, b)))

void mica_error(const char *fmt, ...) MICA_PRINTF(1, 2);
void mica_warn(const char *fmt, ...) MICA_PRINTF(1, 2);

/* Formats into a caller's error buffer (errbuf may be NULL); returns -1 so
 * callers can write `return set_err(err, n, "...")`. */
int set_err(char *errbuf, size_t len, const char *fmt, ...) MICA_PRINTF(3, 4);

#endif
