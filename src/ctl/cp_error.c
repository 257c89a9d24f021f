#include "ctl/cp_error.h"

#include <stdarg.h>
#include <stdio.h>

int cp_fail(struct cp_error *err, int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    err->status = status;
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    return -1;
}
