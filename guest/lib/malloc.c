/*
 * The guest heap (see guest/include/mica/malloc.h).
 *
 * The arena is tiled by blocks, each a 16-byte header followed by its
 * payload; a block's size includes its header and is a multiple of 16, so
 * the next header is always at block + size and payloads stay 16-aligned.
 * Free blocks also form a singly linked list in address order, which makes
 * coalescing a matter of checking the list neighbours and lets free() spot
 * a pointer that lies inside memory that is already free.
 *
 * Each header carries a tag: a magic number for "used" or "free" mixed with
 * the header's own address, so a stale or random word is unlikely to pass
 * for a header and a block copied elsewhere is not mistaken for a real one.
 */
#include "host_test_names.h" /* renames everything for host tests only */

/* Relative paths: host tests build without -Iguest/include. */
#include "../include/mica/malloc.h"
#include "../include/mica/string.h"

#include <stdint.h>

#define ALIGN 16u
#define TAG_USED ((uintptr_t)0x6d6963612d757365ull) /* "mica-use" */
#define TAG_FREE ((uintptr_t)0x6d6963612d667265ull) /* "mica-fre" */

struct block {
    size_t size;   /* whole block, header included */
    uintptr_t tag; /* TAG_USED or TAG_FREE xor the block's address */
};

struct free_block {
    struct block hdr;
    struct free_block *next; /* next free block at a higher address */
};

_Static_assert(sizeof(struct block) == ALIGN, "header must keep payloads aligned");

#define HDR sizeof(struct block)
/* A free block must hold its list link, so this is the smallest block. */
#define MIN_BLOCK ((sizeof(struct free_block) + ALIGN - 1) & ~(size_t)(ALIGN - 1))

static struct {
    uintptr_t start, end; /* the aligned arena; start == end if none */
    struct free_block *free_list;
} heap;

/* ---- small helpers ------------------------------------------------------ */

static uintptr_t tag_for(const void *b, uintptr_t magic) { return magic ^ (uintptr_t)b; }
static bool is_used(const struct block *b) { return b->tag == tag_for(b, TAG_USED); }
static bool is_free(const struct block *b) { return b->tag == tag_for(b, TAG_FREE); }
static uintptr_t end_of(const void *b) { return (uintptr_t)b + ((const struct block *)b)->size; }

static void set_block(void *at, size_t size, uintptr_t magic)
{
    struct block *b = at;

    b->size = size;
    b->tag = tag_for(b, magic);
}

static bool in_arena(uintptr_t a) { return a >= heap.start && a < heap.end; }

/* The block size serving a request of n bytes, or 0 if n is absurd. */
static size_t block_size_for(size_t n)
{
    if (n > SIZE_MAX - HDR - ALIGN)
        return 0;
    size_t size = (n + HDR + ALIGN - 1) & ~(size_t)(ALIGN - 1);
    return size < MIN_BLOCK ? MIN_BLOCK : size;
}

/* A free block must lie in the arena, be aligned, carry the free tag and
 * not run past the end: checked before trusting any list link. */
static bool free_block_ok(const struct free_block *f)
{
    uintptr_t a = (uintptr_t)f;

    return in_arena(a) && a % ALIGN == 0 && is_free(&f->hdr) && f->hdr.size >= MIN_BLOCK &&
           f->hdr.size <= heap.end - a;
}

/* ---- the free list ------------------------------------------------------ */

/* Finds the free blocks just below and at-or-above address a, checking
 * every node it visits. Returns false (after reporting) if the list is
 * damaged. */
static bool find_neighbours(uintptr_t a, struct free_block **below, struct free_block **above)
{
    struct free_block *prev = NULL;
    struct free_block *cur = heap.free_list;

    for (; cur != NULL; prev = cur, cur = cur->next) {
        if (!free_block_ok(cur) || (prev != NULL && end_of(prev) > (uintptr_t)cur)) {
            mica_heap_corrupt("heap: free list damaged");
            return false;
        }
        if ((uintptr_t)cur >= a)
            break;
    }
    *below = prev;
    *above = cur;
    return true;
}

/* Makes the list skip f (whose predecessor is prev), linking in
 * replacement instead if there is one. */
static void replace_in_list(struct free_block *prev, struct free_block *f,
                            struct free_block *replacement)
{
    struct free_block *next = f->next;

    if (replacement != NULL) {
        replacement->next = next;
        next = replacement;
    }
    if (prev != NULL)
        prev->next = next;
    else
        heap.free_list = next;
}

/* Returns block b to the free list, merging it with free neighbours. The
 * caller has checked that b is a genuine used block between below and
 * above. */
static void insert_free(struct block *b, struct free_block *below, struct free_block *above)
{
    struct free_block *f = (struct free_block *)b;

    set_block(f, b->size, TAG_FREE);
    f->next = above;
    if (above != NULL && end_of(f) == (uintptr_t)above) {
        f->hdr.size += above->hdr.size;
        f->next = above->next;
    }
    if (below != NULL && end_of(below) == (uintptr_t)f) {
        below->hdr.size += f->hdr.size;
        below->next = f->next;
    } else if (below != NULL) {
        below->next = f;
    } else {
        heap.free_list = f;
    }
}

/* Shrinks used block b to size bytes, freeing the tail if it is big
 * enough to be a block of its own (otherwise it stays as slack). */
static void trim(struct block *b, size_t size)
{
    if (b->size - size < MIN_BLOCK)
        return;
    struct block *tail = (struct block *)((uintptr_t)b + size);
    struct free_block *below, *above;

    set_block(tail, b->size - size, TAG_USED);
    b->size = size;
    if (find_neighbours((uintptr_t)tail, &below, &above))
        insert_free(tail, below, above);
}

/* ---- validating user pointers ------------------------------------------- */

/* Maps a pointer from malloc back to its block, reporting misuse. On
 * success also returns the free blocks around it for insert_free. */
static struct block *block_of(void *p, struct free_block **below, struct free_block **above)
{
    uintptr_t a = (uintptr_t)p - HDR;

    if ((uintptr_t)p < HDR || !in_arena(a) || (uintptr_t)p % ALIGN != 0) {
        mica_heap_corrupt("heap: pointer not from malloc");
        return NULL;
    }
    if (!find_neighbours(a, below, above))
        return NULL;

    struct block *b = (struct block *)a;
    /* Inside (or at) a free block: it was freed already, perhaps merged. */
    if (is_free(b) || (*below != NULL && end_of(*below) > a)) {
        mica_heap_corrupt("heap: double free");
        return NULL;
    }
    if (!is_used(b) || b->size < MIN_BLOCK || b->size % ALIGN != 0 ||
        b->size > heap.end - a || (*above != NULL && end_of(b) > (uintptr_t)*above)) {
        mica_heap_corrupt("heap: pointer not from malloc, or its header overwritten");
        return NULL;
    }
    return b;
}

/* ---- the public interface ----------------------------------------------- */

void mica_heap_init(void *start, size_t len)
{
    uintptr_t s = ((uintptr_t)start + ALIGN - 1) & ~(uintptr_t)(ALIGN - 1);
    uintptr_t e = ((uintptr_t)start + len) & ~(uintptr_t)(ALIGN - 1);

    heap.free_list = NULL;
    heap.start = heap.end = 0;
    if ((uintptr_t)start + len < (uintptr_t)start || e <= s || e - s < MIN_BLOCK)
        return;
    heap.start = s;
    heap.end = e;
    heap.free_list = (struct free_block *)s;
    set_block(heap.free_list, e - s, TAG_FREE);
    heap.free_list->next = NULL;
}

/* Carves a used block of size bytes from the front of free block f; the
 * rest, if it can stand alone, takes f's place in the list. */
static void *take(struct free_block *prev, struct free_block *f, size_t size)
{
    struct free_block *rest = NULL;

    if (f->hdr.size - size >= MIN_BLOCK) {
        rest = (struct free_block *)((uintptr_t)f + size);
        set_block(rest, f->hdr.size - size, TAG_FREE);
    } else {
        size = f->hdr.size; /* the slack stays with the allocation */
    }
    replace_in_list(prev, f, rest);
    set_block(f, size, TAG_USED);
    return (char *)f + HDR;
}

void *malloc(size_t n)
{
    size_t size = block_size_for(n);
    struct free_block *prev = NULL;

    if (size == 0)
        return NULL;
    for (struct free_block *f = heap.free_list; f != NULL; prev = f, f = f->next) {
        if (!free_block_ok(f)) {
            mica_heap_corrupt("heap: free list damaged");
            return NULL;
        }
        if (f->hdr.size >= size)
            return take(prev, f, size);
    }
    return NULL;
}

void free(void *p)
{
    struct free_block *below, *above;
    struct block *b;

    if (p == NULL)
        return;
    b = block_of(p, &below, &above);
    if (b != NULL)
        insert_free(b, below, above);
}

void *calloc(size_t count, size_t size)
{
    if (size != 0 && count > SIZE_MAX / size)
        return NULL;
    void *p = malloc(count * size);
    if (p != NULL)
        memset(p, 0, count * size);
    return p;
}

/* Grows b in place by absorbing the free block right after it, if that
 * yields at least size bytes. */
static bool grow_in_place(struct block *b, size_t size, struct free_block *below,
                          struct free_block *above)
{
    if (above == NULL || end_of(b) != (uintptr_t)above || b->size + above->hdr.size < size)
        return false;
    replace_in_list(below, above, NULL);
    b->size += above->hdr.size;
    trim(b, size);
    return true;
}

void *realloc(void *p, size_t n)
{
    struct free_block *below, *above;

    if (p == NULL)
        return malloc(n);
    if (n == 0) {
        free(p);
        return NULL;
    }
    struct block *b = block_of(p, &below, &above);
    size_t size = block_size_for(n);
    if (b == NULL || size == 0)
        return NULL;
    if (b->size >= size) {
        trim(b, size);
        return p;
    }
    if (grow_in_place(b, size, below, above))
        return p;

    void *q = malloc(n);
    if (q != NULL) {
        memcpy(q, p, b->size - HDR);
        free(p);
    }
    return q;
}

void mica_heap_stats(size_t *used, size_t *free_bytes, size_t *largest_free)
{
    size_t u = 0, fr = 0, big = 0;

    for (uintptr_t a = heap.start; a < heap.end; a = end_of((void *)a)) {
        struct block *b = (struct block *)a;
        if (b->size < MIN_BLOCK || b->size > heap.end - a) {
            mica_heap_corrupt("heap: block header damaged");
            break; /* the walk cannot go on without a sane size */
        }
        if (!is_free(b)) {
            u += b->size;
            continue;
        }
        fr += b->size - HDR;
        if (b->size - HDR > big)
            big = b->size - HDR;
    }
    if (used)
        *used = u;
    if (free_bytes)
        *free_bytes = fr;
    if (largest_free)
        *largest_free = big;
}

static bool report(const char *why)
{
    mica_heap_corrupt(why);
    return false;
}

/* Every block tiles the arena with a valid tag; free blocks never touch;
 * the free list visits exactly the free blocks, in address order. */
bool mica_heap_check(void)
{
    struct free_block *expect = heap.free_list;
    bool prev_free = false;

    for (uintptr_t a = heap.start; a < heap.end; a = end_of((void *)a)) {
        struct block *b = (struct block *)a;
        if (b->size < MIN_BLOCK || b->size % ALIGN != 0 || b->size > heap.end - a)
            return report("heap check: bad block size");
        if (!is_used(b) && !is_free(b))
            return report("heap check: bad block tag");
        if (is_free(b) && prev_free)
            return report("heap check: adjacent free blocks not merged");
        if (is_free(b) != ((uintptr_t)expect == a))
            return report("heap check: free list does not match the blocks");
        if (is_free(b))
            expect = expect->next;
        prev_free = is_free(b);
    }
    return expect == NULL ? true : report("heap check: free list runs past the heap");
}
