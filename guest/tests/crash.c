/* Prints a line, sleeps the milliseconds given as its argument (default
 * 0), then writes to an address it never mapped: a page fault with no
 * handler, so it crashes (how tests see that a crash ends only its VM). */
#include "mica/mica.h"

int main(int argc, char **argv)
{
    uint64_t ms = argc > 1 ? strtoul(argv[1], NULL, 10) : 0;
    printf("about to crash\n");
    mica_console_flush();
    if (ms)
        mica_sleep_ns(ms * 1000000ull);
    volatile uintptr_t nowhere = 0x10; /* hidden from the compiler's bounds checks */
    *(volatile uint64_t *)nowhere = 1;
    return 0;
}
