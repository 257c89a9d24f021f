/*
 * An indexed binary min-heap of nodes the caller embeds in its own records
 * (the way a list_head is embedded): no allocation per element, O(log n)
 * insert, remove of any element and re-keying, O(1) minimum. Each node
 * knows its position, so a record can leave the heap without a search.
 *
 * Ties are broken by insertion order (a sequence number), so elements
 * with equal keys come out first-in first-out: the dispatcher's timers
 * fire in the order they were set and a policy's equal priorities are
 * served fairly.
 *
 * The heap's array grows by doubling up to `limit` elements, fixed at
 * init: a heap fed by guests can never grow without bound.
 */
#ifndef MICA_UTIL_MIN_HEAP_H
#define MICA_UTIL_MIN_HEAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MIN_HEAP_ABSENT SIZE_MAX

struct min_heap_node {
    uint64_t key;
    uint64_t seq; /* insertion order: the tie breaker */
    size_t pos;   /* index in the heap's array, MIN_HEAP_ABSENT when out */
};

/* The array keeps each key beside its node pointer, so that sifting
 * compares without touching the nodes (scattered in the callers' records:
 * a cache miss each). */
struct min_heap_slot {
    uint64_t key, seq;
    struct min_heap_node *node;
};

struct min_heap {
    struct min_heap_slot *v;
    size_t len, cap, limit;
    uint64_t next_seq;
};

/* limit: the most elements the heap will ever hold (at least 1). */
void min_heap_init(struct min_heap *h, size_t limit);
void min_heap_destroy(struct min_heap *h);

/* A node that is in no heap; call before its first insert. */
void min_heap_node_init(struct min_heap_node *n);
bool min_heap_contains(const struct min_heap_node *n);

/* 0, -ENOSPC when the heap holds `limit` nodes, -ENOMEM, -EEXIST when the
 * node is already in a heap. */
int min_heap_insert(struct min_heap *h, struct min_heap_node *n, uint64_t key);
/* Makes room for n nodes in all, so that inserts up to n cannot fail:
 * 0, -ENOSPC (n > limit) or -ENOMEM. */
int min_heap_reserve(struct min_heap *h, size_t n);
/* Takes n out (nothing when it is not in). */
void min_heap_remove(struct min_heap *h, struct min_heap_node *n);
/* Gives n, which is in h, a new key (keeps its place among equals only
 * when the key does not change). */
void min_heap_rekey(struct min_heap *h, struct min_heap_node *n, uint64_t key);

/* The smallest node, or NULL when empty. */
struct min_heap_node *min_heap_top(const struct min_heap *h);
/* The smallest node after the top (one of the top's two children), or NULL. */
struct min_heap_node *min_heap_second(const struct min_heap *h);
struct min_heap_node *min_heap_pop(struct min_heap *h);

static inline size_t min_heap_len(const struct min_heap *h) { return h->len; }

#endif
