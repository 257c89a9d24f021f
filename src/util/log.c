#include "util/log.h"

#include <stdarg.h>
#include <stdio.h>

static void vreport(const char *kind, const char *fmt, va_list ap)
{
    char line[1024];
    vsnprintf(line, sizeof line, fmt, ap);
    /* One write, so lines from concurrent threads do not interleave. */
    fprintf(stderr, "mica: %s%s\n", kind, line);
}

void mica_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport("error: ", fmt, ap);
    va_end(ap);
}

void mica_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport("warning: ", fmt, ap);
    va_end(ap);
}
