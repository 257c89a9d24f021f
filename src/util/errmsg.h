/*
 * One-line error messages into a caller-provided buffer: the project's
 * convention is "return 0 or -errno, and say what and why in err".
 */
#ifndef MICA_UTIL_ERRMSG_H
#define MICA_UTIL_ERRMSG_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

/* Formats into err (when err is not NULL) and returns `code`, so that a
 * failure path reads `return errmsg(err, errlen, -EINVAL, "...", ...);`. */
__attribute__((format(printf, 4, 5)))
static inline int errmsg(char *err, size_t errlen, int code, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return code;
}

#endif
