/*
 * Little-endian byte streams for saved state (snapshots, migration): a
 * writer that counts what it would write when it has no room (so a caller
 * can size its buffer with a first pass), and a reader that never reads
 * past its end and remembers that it tried. Each stateful piece of mica
 * writes and reads its own state with these, next to its code.
 */
#ifndef MICA_UTIL_WIRE_H
#define MICA_UTIL_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct wire_out {
    uint8_t *buf; /* NULL: count only */
    size_t cap, len; /* len counts every byte put, even past cap */
};

struct wire_in {
    const uint8_t *buf;
    size_t len, pos;
    bool short_read; /* a get ran past the end: what it returned is 0 */
};

static inline struct wire_out wire_out(void *buf, size_t cap)
{
    return (struct wire_out){.buf = buf, .cap = buf ? cap : 0};
}

static inline struct wire_in wire_in(const void *buf, size_t len)
{
    return (struct wire_in){.buf = buf, .len = buf ? len : 0};
}

static inline void wire_put_bytes(struct wire_out *w, const void *p, size_t n)
{
    if (w->buf && w->len <= w->cap && n <= w->cap - w->len)
        memcpy(w->buf + w->len, p, n);
    w->len += n;
}

static inline void wire_put_u64(struct wire_out *w, uint64_t v)
{
    uint8_t b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    wire_put_bytes(w, b, sizeof b);
}

static inline void wire_put_u32(struct wire_out *w, uint32_t v)
{
    uint8_t b[4];
    for (int i = 0; i < 4; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    wire_put_bytes(w, b, sizeof b);
}

static inline void wire_put_u8(struct wire_out *w, uint8_t v) { wire_put_bytes(w, &v, 1); }

/* Whether everything put fitted in the buffer. */
static inline bool wire_out_fits(const struct wire_out *w) { return w->buf && w->len <= w->cap; }

static inline bool wire_get_bytes(struct wire_in *r, void *p, size_t n)
{
    if (r->short_read || n > r->len - r->pos) {
        r->short_read = true;
        memset(p, 0, n);
        return false;
    }
    memcpy(p, r->buf + r->pos, n);
    r->pos += n;
    return true;
}

static inline uint64_t wire_get_u64(struct wire_in *r)
{
    uint8_t b[8];
    uint64_t v = 0;
    wire_get_bytes(r, b, sizeof b);
    for (int i = 7; i >= 0; i--)
        v = v << 8 | b[i];
    return v;
}

static inline uint32_t wire_get_u32(struct wire_in *r)
{
    uint8_t b[4];
    wire_get_bytes(r, b, sizeof b);
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static inline uint8_t wire_get_u8(struct wire_in *r)
{
    uint8_t v;
    wire_get_bytes(r, &v, 1);
    return v;
}

/* True when every byte was read, no more and no less. */
static inline bool wire_in_done(const struct wire_in *r) { return !r->short_read && r->pos == r->len; }

#endif
