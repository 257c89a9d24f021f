/* A mostly idle guest: sleeps MS milliseconds (first argument, default 1)
 * N times (second, default 1000), then prints its run time and exits 0.
 * Each wake-up is a deadline the dispatcher must honour: what
 * `mica cell --stats` counts as wake-up latency among busy guests. */
#include "mica/mica.h"

int main(int argc, char **argv)
{
    uint64_t ms = argc > 1 ? strtoul(argv[1], NULL, 10) : 1;
    uint64_t n = argc > 2 ? strtoul(argv[2], NULL, 10) : 1000;
    for (uint64_t i = 0; i < n; i++)
        mica_sleep_ns(ms * 1000000ull);
    printf("ticked %llu times, ran %llu us\n", (unsigned long long)n,
           (unsigned long long)(mica_time_run() / 1000));
    return 0;
}
