#include "ctl/console_history.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int console_history_init(struct console_history *r, size_t size)
{
    r->buf = malloc(size);
    r->size = size;
    r->total = 0;
    return r->buf ? 0 : -ENOMEM;
}

void console_history_free(struct console_history *r)
{
    free(r->buf);
    r->buf = NULL;
}

void console_history_append(struct console_history *r, const void *data, size_t len)
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

size_t console_history_used(const struct console_history *r)
{
    return r->total < r->size ? (size_t)r->total : r->size;
}

void console_history_copy(const struct console_history *r, char *out)
{
    size_t used = console_history_used(r);
    size_t start = (size_t)((r->total - used) % r->size);
    size_t first = used < r->size - start ? used : r->size - start;
    memcpy(out, r->buf + start, first);
    memcpy(out + first, r->buf, used - first);
}
