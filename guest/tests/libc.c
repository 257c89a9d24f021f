/*
 * The guest kit's C library inside a real guest: only standard headers,
 * as a C programmer writes it. Floating point (SSE arguments through
 * varargs, the x87 in math.h), the heap behind strdup and qsort, time and
 * atexit all run here as they do in the host tests (tests/unit/
 * test_guest_libc.c, test_guest_numbers.c). Prints "libc: ok" and exits 0,
 * or names the first check that failed and exits 1.
 */
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int failures;

#define CHECK(cond)                                                                        \
    do {                                                                                   \
        if (!(cond)) {                                                                     \
            fprintf(stderr, "libc: check failed at line %d: %s\n", __LINE__, #cond);       \
            failures++;                                                                    \
        }                                                                                  \
    } while (0)

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void goodbye(void) { printf("atexit: goodbye\n"); }

static void check_printf(void)
{
    char buf[128];
    snprintf(buf, sizeof buf, "%.3f %e %g %G %5.1f|%-8.2e|", 3.14159, 12345.678, 0.0001, 1e20,
             -2.25, 0.5);
    CHECK(strcmp(buf, "3.142 1.234568e+04 0.0001 1E+20  -2.2|5.00e-01|") == 0);
    snprintf(buf, sizeof buf, "%.17g %f %F", 0.1, -0.0, 1.0 / 0.0);
    CHECK(strcmp(buf, "0.10000000000000001 -0.000000 INF") == 0);
    printf("pi is about %.6f, e about %.6f\n", 4 * atan(1), exp(1));
}

static void check_numbers(void)
{
    char *end;
    CHECK(strtod("  6.02214076e23xyz", &end) == 6.02214076e23 && strcmp(end, "xyz") == 0);
    errno = 0;
    CHECK(strtol("99999999999999999999", NULL, 10) == LONG_MAX && errno == ERANGE);
    CHECK(strtoul("0x1F", NULL, 0) == 31);
    CHECK(atof("2.5") == 2.5 && atoi("-17") == -17);
    CHECK(sqrt(2) * sqrt(2) > 1.9999999 && fabs(sin(M_PI / 6) - 0.5) < 1e-15);
    CHECK(pow(2, 10) == 1024 && floor(-2.5) == -3 && ceil(-2.5) == -2 && round(2.5) == 3);
    CHECK(fabs(log10(1000) - 3) < 1e-15 && fmod(10, 3) == 1);
}

static void check_strings(void)
{
    char *s = strdup("The Quick brown fox");
    CHECK(s != NULL);
    for (char *p = s; *p; p++)
        *p = (char)toupper((unsigned char)*p);
    CHECK(strcmp(s, "THE QUICK BROWN FOX") == 0);
    char words[64] = "", *save;
    for (char *t = strtok_r(s, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
        strcat(words, t);
        strcat(words, ",");
    }
    CHECK(strcmp(words, "THE,QUICK,BROWN,FOX,") == 0);
    CHECK(strstr(words, "BROWN") == words + 10 && strcasecmp("abc", "ABC") == 0);
    free(s);
}

static void check_sorting(void)
{
    double v[64];
    srand(7);
    for (int i = 0; i < 64; i++)
        v[i] = rand() / (double)RAND_MAX;
    qsort(v, 64, sizeof *v, by_value);
    for (int i = 1; i < 64; i++)
        CHECK(v[i - 1] <= v[i]);
    double key = v[17];
    CHECK(bsearch(&key, v, 64, sizeof *v, by_value) != NULL);
}

static void check_time(void)
{
    time_t now = time(NULL);
    struct tm tm;
    CHECK(now > 1700000000 && gmtime_r(&now, &tm) != NULL && tm.tm_year >= 123);
    CHECK(timegm(&tm) == now);
    clock_t c0 = clock();
    volatile double x = 0;
    for (int i = 0; i < 100000; i++)
        x += i;
    CHECK(clock() >= c0);
}

int main(void)
{
    atexit(goodbye);
    check_printf();
    check_numbers();
    check_strings();
    check_sorting();
    check_time();
    assert(failures >= 0);
    printf(failures ? "libc: %d check(s) failed\n" : "libc: ok\n", failures);
    return failures ? EXIT_FAILURE : EXIT_SUCCESS;
}
