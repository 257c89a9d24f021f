/*
 * An example guest: reads its arguments, prints, reads the time and exits
 * with a code. Build your own the same way:
 *     build/bin/mica-cc -o greet.elf guest/examples/greet.c
 *     build/mica run greet.elf -- Ada 3
 */
#include "mica/mica.h"

int main(int argc, char **argv)
{
    const char *who = argc > 1 ? argv[1] : "world";
    int code = argc > 2 ? atoi(argv[2]) : 0;
    uint64_t t0 = mica_time_monotonic();
    printf("Hello, %s! I am guest '%s' with %d argument(s).\n", who, mica_start->name, argc - 1);
    mica_sleep_ns(20 * 1000 * 1000);
    uint64_t slept = mica_time_monotonic() - t0;
    printf("The wall clock says %llu s since the epoch; I slept %llu ms.\n",
           (unsigned long long)(mica_time_wall() / 1000000000ull),
           (unsigned long long)(slept / 1000000));
    printf("Exiting with code %d.\n", code);
    return code;
}
