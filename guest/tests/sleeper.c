/* Sleeps for the milliseconds given as its argument (default 3000) without
 * reading its console input, then exits 0. */
#include "mica/mica.h"

int main(int argc, char **argv)
{
    uint64_t ms = argc > 1 ? strtoul(argv[1], NULL, 10) : 3000;
    mica_sleep_ns(ms * 1000000ull);
    return 0;
}
