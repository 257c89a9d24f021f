/* <time.h> for guests: the wall clock and the VM's own CPU time from the
 * hypervisor (see <mica/kit.h> for nanoseconds), calendar dates in UTC
 * (guests have no time zone). */
#ifndef MICA_LIBC_TIME_H
#define MICA_LIBC_TIME_H

#include <stddef.h>

typedef long time_t;
typedef long clock_t;
#define CLOCKS_PER_SEC 1000000L

struct timespec {
    time_t tv_sec;
    long tv_nsec;
};

struct tm {
    int tm_sec, tm_min, tm_hour; /* 0..60, 0..59, 0..23 */
    int tm_mday, tm_mon, tm_year; /* 1..31, 0..11, years since 1900 */
    int tm_wday, tm_yday, tm_isdst; /* 0..6 from Sunday, 0..365, always 0 */
};

/* Seconds since the Unix epoch; stored in *t too unless t is NULL. */
time_t time(time_t *t);
/* This VM's CPU time in CLOCKS_PER_SEC units. */
clock_t clock(void);
double difftime(time_t end, time_t start);
/* UTC broken down; gmtime's result is a static buffer. NULL if the year
 * does not fit an int. */
struct tm *gmtime_r(const time_t *restrict t, struct tm *restrict out);
struct tm *gmtime(const time_t *t);
/* Back to seconds, normalising out-of-range fields (UTC: mktime == timegm). */
time_t timegm(struct tm *tm);
time_t mktime(struct tm *tm);
/* Blocks for the time given (no CPU used); 0. */
int nanosleep(const struct timespec *req, struct timespec *rem);

#endif
