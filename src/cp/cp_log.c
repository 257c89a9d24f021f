#include "cp/cp_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

void cp_log(const char *fmt, ...)
{
    char line[2048], stamp[32];
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    /* One write per line, so concurrent lines never interleave. */
    fprintf(stderr, "%s.%03ldZ mica-daemon: %s\n", stamp, ts.tv_nsec / 1000000, line);
}
