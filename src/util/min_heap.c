#include "util/min_heap.h"

#include <errno.h>
#include <stdlib.h>

void min_heap_init(struct min_heap *h, size_t limit)
{
    *h = (struct min_heap){.limit = limit ? limit : 1};
}

void min_heap_destroy(struct min_heap *h)
{
    for (size_t i = 0; i < h->len; i++)
        h->v[i].node->pos = MIN_HEAP_ABSENT;
    free(h->v);
    size_t limit = h->limit;
    *h = (struct min_heap){.limit = limit};
}

void min_heap_node_init(struct min_heap_node *n) { *n = (struct min_heap_node){.pos = MIN_HEAP_ABSENT}; }

bool min_heap_contains(const struct min_heap_node *n) { return n->pos != MIN_HEAP_ABSENT; }

static bool before(const struct min_heap_slot *a, const struct min_heap_slot *b)
{
    return a->key != b->key ? a->key < b->key : a->seq < b->seq;
}

static void place(struct min_heap *h, size_t i, struct min_heap_slot slot)
{
    h->v[i] = slot;
    slot.node->pos = i;
}

/* Both sifts run at most log2(len) rounds: i halves or doubles each time. */
static void sift_up(struct min_heap *h, size_t i)
{
    struct min_heap_slot n = h->v[i];
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!before(&n, &h->v[parent]))
            break;
        place(h, i, h->v[parent]);
        i = parent;
    }
    place(h, i, n);
}

static void sift_down(struct min_heap *h, size_t i)
{
    struct min_heap_slot n = h->v[i];
    for (;;) {
        size_t child = 2 * i + 1;
        if (child >= h->len)
            break;
        if (child + 1 < h->len && before(&h->v[child + 1], &h->v[child]))
            child++;
        if (!before(&h->v[child], &n))
            break;
        place(h, i, h->v[child]);
        i = child;
    }
    place(h, i, n);
}

int min_heap_reserve(struct min_heap *h, size_t n)
{
    if (n <= h->cap)
        return 0;
    if (n > h->limit)
        return -ENOSPC;
    size_t cap = h->cap ? h->cap : 16;
    while (cap < n) /* at most log2(limit) doublings */
        cap *= 2;
    if (cap > h->limit)
        cap = h->limit;
    struct min_heap_slot *v = realloc(h->v, cap * sizeof *v);
    if (!v)
        return -ENOMEM;
    h->v = v;
    h->cap = cap;
    return 0;
}

static int grow(struct min_heap *h) { return h->len < h->cap ? 0 : min_heap_reserve(h, h->len + 1); }

int min_heap_insert(struct min_heap *h, struct min_heap_node *n, uint64_t key)
{
    if (min_heap_contains(n))
        return -EEXIST;
    int rc = grow(h);
    if (rc)
        return rc;
    n->key = key;
    n->seq = h->next_seq++;
    place(h, h->len++, (struct min_heap_slot){.key = key, .seq = n->seq, .node = n});
    sift_up(h, n->pos);
    return 0;
}

void min_heap_remove(struct min_heap *h, struct min_heap_node *n)
{
    if (!min_heap_contains(n))
        return;
    size_t i = n->pos;
    struct min_heap_slot last = h->v[--h->len];
    n->pos = MIN_HEAP_ABSENT;
    if (last.node == n)
        return;
    place(h, i, last);
    sift_up(h, i);
    sift_down(h, last.node->pos);
}

void min_heap_rekey(struct min_heap *h, struct min_heap_node *n, uint64_t key)
{
    if (!min_heap_contains(n) || n->key == key)
        return;
    n->key = key;
    n->seq = h->next_seq++;
    h->v[n->pos].key = key;
    h->v[n->pos].seq = n->seq;
    sift_up(h, n->pos);
    sift_down(h, n->pos);
}

struct min_heap_node *min_heap_top(const struct min_heap *h) { return h->len ? h->v[0].node : NULL; }

struct min_heap_node *min_heap_second(const struct min_heap *h)
{
    if (h->len < 2)
        return NULL;
    if (h->len == 2 || before(&h->v[1], &h->v[2]))
        return h->v[1].node;
    return h->v[2].node;
}

struct min_heap_node *min_heap_pop(struct min_heap *h)
{
    struct min_heap_node *top = min_heap_top(h);
    if (top)
        min_heap_remove(h, top);
    return top;
}
