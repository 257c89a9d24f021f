#include "pv/balloon.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#define WORD_BITS 64u

static uint64_t words_for(uint64_t pages) { return (pages + WORD_BITS - 1) / WORD_BITS; }

int pv_balloon_init(struct pv_balloon *b, uint64_t pages, uint64_t floor_pages)
{
    *b = (struct pv_balloon){.max_pages = pages, .target_pages = pages};
    b->floor_pages = floor_pages < 1 ? 1 : floor_pages > pages ? pages : floor_pages;
    b->bitmap = calloc(words_for(pages) ? words_for(pages) : 1, sizeof *b->bitmap);
    return b->bitmap ? 0 : -ENOMEM;
}

void pv_balloon_free(struct pv_balloon *b)
{
    free(b->bitmap);
    b->bitmap = NULL;
}

bool pv_balloon_is_released(const struct pv_balloon *b, uint64_t frame)
{
    if (frame >= b->max_pages)
        return false;
    return (b->bitmap[frame / WORD_BITS] >> (frame % WORD_BITS)) & 1;
}

static void flip(struct pv_balloon *b, uint64_t frame, bool to_released)
{
    if (frame >= b->max_pages || pv_balloon_is_released(b, frame) == to_released) {
        fprintf(stderr, "mica: balloon: frame %llu is not in the state its caller checked\n",
                (unsigned long long)frame);
        abort();
    }
    b->bitmap[frame / WORD_BITS] ^= 1ull << (frame % WORD_BITS);
    uint64_t n = b->released + (to_released ? 1 : (uint64_t)-1);
    __atomic_store_n(&b->released, n, __ATOMIC_RELAXED);
}

void pv_balloon_release(struct pv_balloon *b, uint64_t frame) { flip(b, frame, true); }
void pv_balloon_reclaim(struct pv_balloon *b, uint64_t frame) { flip(b, frame, false); }

uint64_t pv_balloon_current(const struct pv_balloon *b)
{
    return b->max_pages - __atomic_load_n(&b->released, __ATOMIC_RELAXED);
}

uint64_t pv_balloon_target(const struct pv_balloon *b)
{
    return __atomic_load_n(&b->target_pages, __ATOMIC_RELAXED);
}

int pv_balloon_set_target(struct pv_balloon *b, uint64_t pages)
{
    if (pages < b->floor_pages || pages > b->max_pages)
        return -ERANGE;
    __atomic_store_n(&b->target_pages, pages, __ATOMIC_RELAXED);
    return 0;
}

uint64_t pv_balloon_count_released(const struct pv_balloon *b)
{
    uint64_t n = 0;
    for (uint64_t w = 0; w < words_for(b->max_pages); w++)
        n += (uint64_t)__builtin_popcountll(b->bitmap[w]);
    return n;
}
