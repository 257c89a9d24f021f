#include "support/test_text.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cp/proc_info.h"

const char *mica(void) { return getenv("MICA") ? getenv("MICA") : "build/test/mica"; }

const char *guest_path(const char *name)
{
    static char path[8][512];
    static int next;
    char *p = path[next++ % 8];
    snprintf(p, sizeof path[0], "%s/%s", getenv("GUESTS") ? getenv("GUESTS") : "build/guests", name);
    return p;
}

void assert_contains(const char *hay, const char *needle)
{
    if (!strstr(hay, needle))
        fail_msg("expected to find \"%s\" in:\n%s", needle, hay);
}

long process_cpu_ticks(pid_t pid)
{
    struct proc_info info;
    if (proc_info_read(pid, &info) < 0)
        return -1;
    return (long)(info.cpu_ns / (1000000000ull / (unsigned long long)sysconf(_SC_CLK_TCK)));
}

void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

double monotonic_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
