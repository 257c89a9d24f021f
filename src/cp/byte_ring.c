#include "cp/byte_ring.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int byte_ring_init(struct byte_ring *r, size_t size)
{
    r->buf = malloc(size);
    r->size = size;
    r->total = 0;
    return r->buf ? 0 : -ENOMEM;
}

void byte_ring_free(struct byte_ring *r)
{
    free(r->buf);
    r->buf = NULL;
}

void byte_ring_append(struct byte_ring *r, const void *data, size_t len)
{
    const char *p = data;
    if (len > r->size) { /* only the tail can survive */
        p += len - r->size;
        r->total += len - r->size;
        len = r->size;
    }
    size_t at = r->total % r->size;
    size_t first = len < r->size - at ? len : r->size - at;
    memcpy(r->buf + at, p, first);
    memcpy(r->buf, p + first, len - first);
    r->total += len;
}

size_t byte_ring_used(const struct byte_ring *r)
{
    return r->total < r->size ? (size_t)r->total : r->size;
}

void byte_ring_copy(const struct byte_ring *r, char *out)
{
    size_t used = byte_ring_used(r);
    size_t start = (size_t)((r->total - used) % r->size);
    size_t first = used < r->size - start ? used : r->size - start;
    memcpy(out, r->buf + start, first);
    memcpy(out + first, r->buf, used - first);
}
