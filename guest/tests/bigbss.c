/* A guest with an 8 MiB image (bss): too big for --mem 4. */
#include "mica/mica.h"

char bigbss_array[8 << 20] __attribute__((used));

int main(void)
{
    bigbss_array[sizeof bigbss_array - 1] = 1;
    printf("bigbss: %d\n", bigbss_array[sizeof bigbss_array - 1]);
    return 0;
}
