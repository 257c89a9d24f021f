/*
 * A plain C program, standard headers only, built with the guest kit:
 *     build/bin/mica-cc -o stats.elf guest/examples/stats.c
 *     build/mica run stats.elf -- 3 1.5 4 1e1 5.25
 * Reads numbers from its arguments and prints their count, mean, standard
 * deviation, median and range; a word that is not a number is named on
 * stderr and ends it with status 2.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int ascending(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: stats NUMBER...\n");
        return 2;
    }
    size_t n = (size_t)argc - 1;
    double *v = malloc(n * sizeof *v), sum = 0, squares = 0;
    if (v == NULL) {
        fprintf(stderr, "stats: out of memory\n");
        return 1;
    }
    for (size_t i = 0; i < n; i++) {
        char *end;
        v[i] = strtod(argv[i + 1], &end);
        if (end == argv[i + 1] || *end != '\0') {
            fprintf(stderr, "stats: '%s' is not a number\n", argv[i + 1]);
            return 2;
        }
        sum += v[i];
    }
    double mean = sum / (double)n;
    for (size_t i = 0; i < n; i++)
        squares += (v[i] - mean) * (v[i] - mean);
    qsort(v, n, sizeof *v, ascending);
    double median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    printf("n=%zu mean=%.4f sd=%.4f median=%g min=%g max=%g\n", n, mean,
           sqrt(squares / (double)n), median, v[0], v[n - 1]);
    free(v);
    return 0;
}
