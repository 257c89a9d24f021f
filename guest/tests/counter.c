/* Counts in memory and prints each step ("count N"), sleeping the
 * milliseconds given as its second argument (default 5) between steps,
 * until it reaches its first argument (default 400); then prints "done"
 * and exits 0. For save, restore and clone: a copy of it must go on from
 * the count it was saved at, with no number missing or repeated. */
#include "mica/mica.h"

static volatile unsigned long counter; /* in guest memory, saved with it */

int main(int argc, char **argv)
{
    unsigned long limit = argc > 1 ? strtoul(argv[1], NULL, 10) : 400;
    unsigned long ms = argc > 2 ? strtoul(argv[2], NULL, 10) : 5;
    while (counter < limit) {
        counter++;
        printf("count %lu\n", counter);
        mica_sleep_ns(ms * 1000000ull);
    }
    printf("done\n");
    return 0;
}
