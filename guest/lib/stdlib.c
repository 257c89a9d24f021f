/* The pure parts of <stdlib.h>: sorting, searching, integer arithmetic,
 * pseudo-random numbers (exit.c has the ways out of the program). */
#include "host_test_names.h" /* renames everything for host tests only */

#include "../include/libc/stdlib.h"

#include <stdbool.h>
#include <stdint.h>

/* ---- qsort: heapsort, O(n log n) whatever the input, no recursion ---- */

static void swap_bytes(unsigned char *a, unsigned char *b, size_t size)
{
    for (size_t i = 0; i < size; i++) {
        unsigned char t = a[i];
        a[i] = b[i];
        b[i] = t;
    }
}

struct heap {
    unsigned char *base;
    size_t size;
    int (*compar)(const void *, const void *);
};

static unsigned char *at(const struct heap *h, size_t i) { return h->base + i * h->size; }

/* Moves element i down until both children are no greater (heap of n). */
static void sift_down(const struct heap *h, size_t i, size_t n)
{
    for (;;) {
        size_t child = 2 * i + 1, largest = i;
        if (child < n && h->compar(at(h, child), at(h, largest)) > 0)
            largest = child;
        if (child + 1 < n && h->compar(at(h, child + 1), at(h, largest)) > 0)
            largest = child + 1;
        if (largest == i)
            return;
        swap_bytes(at(h, i), at(h, largest), h->size);
        i = largest;
    }
}

void qsort(void *base, size_t count, size_t size, int (*compar)(const void *, const void *))
{
    struct heap h = { base, size, compar };
    if (count < 2 || size == 0)
        return;
    for (size_t i = count / 2; i-- > 0;)
        sift_down(&h, i, count);
    for (size_t n = count - 1; n > 0; n--) {
        swap_bytes(at(&h, 0), at(&h, n), size);
        sift_down(&h, 0, n);
    }
}

void *bsearch(const void *key, const void *base, size_t count, size_t size,
              int (*compar)(const void *, const void *))
{
    const unsigned char *b = base;
    size_t lo = 0, hi = count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = compar(key, b + mid * size);
        if (c == 0)
            return (void *)(b + mid * size);
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

/* ---- integers ---- */

int abs(int v) { return v < 0 ? -v : v; }
long labs(long v) { return v < 0 ? -v : v; }
long long llabs(long long v) { return v < 0 ? -v : v; }
div_t div(int num, int den) { return (div_t){ num / den, num % den }; }
ldiv_t ldiv(long num, long den) { return (ldiv_t){ num / den, num % den }; }
lldiv_t lldiv(long long num, long long den) { return (lldiv_t){ num / den, num % den }; }

/* ---- rand: a 64-bit linear congruential generator (Knuth's MMIX
 * constants); its high bits are the good ones, so those are returned. ---- */

static uint64_t rand_state = 1;

void srand(unsigned seed) { rand_state = seed; }

int rand(void)
{
    rand_state = rand_state * 6364136223846793005ull + 1442695040888963407ull;
    return (int)(rand_state >> 33); /* 31 bits: 0..RAND_MAX */
}

char *getenv(const char *name)
{
    (void)name;
    return NULL;
}
