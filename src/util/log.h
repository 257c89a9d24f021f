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

/* Errors for a caller to print go into its buffer: see util/errmsg.h. */
#include "util/errmsg.h"

#endif
