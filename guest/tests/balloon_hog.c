/*
 * For bench/balloon_bench.sh: touches ARG MiB of its heap (so the host
 * really backs it), frees it, then only follows its balloon target (mica
 * mem-set, or the control channel's mem-set) until its console ends.
 */
#include "mica/mica.h"

int main(int argc, char **argv)
{
    size_t mib = argc > 1 ? (size_t)atoi(argv[1]) : 0;
    char *p = mib ? malloc(mib << 20) : NULL;
    if (p) {
        for (size_t i = 0; i < (mib << 20); i += MICA_PAGE_SIZE)
            p[i] = 1;
        free(p);
    }
    printf("balloon_hog: touched %zu MiB\n", p ? mib : 0);
    mica_balloon_start();
    while (getchar() != EOF)
        ;
    return 0;
}
