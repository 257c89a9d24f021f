/* Calendar dates in UTC (guests have no time zone): seconds since the
 * epoch to a broken-down date and back, proleptic Gregorian calendar. */
#include "host_test_names.h" /* renames everything for host tests only */

#include "../include/libc/time.h"

#include <limits.h>
#include <stdint.h>

#define SECS_PER_DAY 86400

/* Days since 1970-01-01 to a civil date (an era is 400 years). */
static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

/* The inverse: a civil date (month 1..12) to days since 1970-01-01. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

struct tm *gmtime_r(const time_t *restrict t, struct tm *restrict out)
{
    /* Beyond +-2^55 s the year no longer fits an int anyway. */
    if (*t > (1ll << 55) || *t < -(1ll << 55))
        return NULL;
    int64_t days = *t / SECS_PER_DAY, secs = *t % SECS_PER_DAY;
    if (secs < 0) {
        secs += SECS_PER_DAY;
        days--;
    }
    int64_t year;
    int month, day;
    civil_from_days(days, &year, &month, &day);
    if (year - 1900 > INT_MAX || year - 1900 < INT_MIN)
        return NULL;
    out->tm_year = (int)(year - 1900);
    out->tm_mon = month - 1;
    out->tm_mday = day;
    out->tm_hour = (int)(secs / 3600);
    out->tm_min = (int)(secs / 60 % 60);
    out->tm_sec = (int)(secs % 60);
    out->tm_wday = (int)((days % 7 + 11) % 7); /* 1970-01-01 was a Thursday */
    out->tm_yday = (int)(days - days_from_civil(year, 1, 1));
    out->tm_isdst = 0;
    return out;
}

struct tm *gmtime(const time_t *t)
{
    static struct tm result;
    return gmtime_r(t, &result);
}

/* Months beyond 0..11 move the year; every other field just adds up. */
time_t timegm(struct tm *tm)
{
    int64_t year = (int64_t)tm->tm_year + 1900 + tm->tm_mon / 12;
    int month = tm->tm_mon % 12;
    if (month < 0) {
        month += 12;
        year--;
    }
    int64_t days = days_from_civil(year, month + 1, 1) + tm->tm_mday - 1;
    time_t t = (time_t)(days * SECS_PER_DAY + (int64_t)tm->tm_hour * 3600 +
                        (int64_t)tm->tm_min * 60 + tm->tm_sec);
    gmtime_r(&t, tm); /* normalises the fields, as mktime does */
    return t;
}

time_t mktime(struct tm *tm) { return timegm(tm); }

double difftime(time_t end, time_t start) { return (double)end - (double)start; }
