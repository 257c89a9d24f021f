#include "pvio/console/console.h"

#include <stdio.h>
#include <string.h>

#include "mica/ring.h"
#include "util/log.h"

static const struct pvio_backend_ops console_ops;

void pvio_console_init(struct pvio_console *c, pvio_console_sink sink, void *ctx)
{
    memset(c, 0, sizeof *c);
    c->base.ops = &console_ops;
    pthread_mutex_init(&c->out_lock, NULL);
    pthread_mutex_init(&c->in_lock, NULL);
    c->sink = sink;
    c->sink_ctx = ctx;
}

static struct pvio_console *console_of(struct pvio_backend *b)
{
    return (struct pvio_console *)((char *)b - offsetof(struct pvio_console, base));
}

static int console_attach(struct pvio_backend *b, const struct pvio_attach *at, char *err,
                          size_t errlen)
{
    struct pvio_console *c = console_of(b);
    if (!at->shared || at->shared_len < sizeof *c->ring) {
        snprintf(err, errlen, "guest %s: the console needs %zu bytes of shared pages, got %zu",
                 at->domain_name ? at->domain_name : "?", sizeof *c->ring, at->shared_len);
        return -1;
    }
    c->ring = at->shared;
    c->ring->out_event = 1; /* kick on the first byte */
    return 0;
}

static void console_detach(struct pvio_backend *b)
{
    struct pvio_console *c = console_of(b);
    pthread_mutex_destroy(&c->out_lock);
    pthread_mutex_destroy(&c->in_lock);
    c->ring = NULL;
}

static void console_notify(struct pvio_backend *b) { pvio_console_drain(console_of(b)); }

static void report_corrupt(struct pvio_console *c, const char *which, uint32_t used)
{
    if (!c->corrupt_reported)
        mica_warn("console: guest corrupted its %s ring (%u bytes claimed in a ring of %u); "
                  "dropping them",
                  which, used, MICA_CONS_OUT_SIZE);
    c->corrupt_reported = true;
}

/* A guest that keeps producing cannot keep the draining thread here: after
 * this many passes the rest waits for its next kick. */
#define DRAIN_PASSES_MAX 8

static long drain_locked(struct pvio_console *c)
{
    long moved = 0;
    for (int pass = 0;; pass++) {
        uint32_t prod = __atomic_load_n(&c->ring->out_prod, __ATOMIC_ACQUIRE);
        uint32_t used = mica_ring_used(prod, c->out_cons);
        if (used > MICA_CONS_OUT_SIZE) {
            report_corrupt(c, "output", used);
            c->out_cons = prod;
            moved = -1;
        } else if (used) {
            char buf[MICA_CONS_OUT_SIZE];
            mica_ring_copy_out(c->ring->out, MICA_CONS_OUT_SIZE, c->out_cons, buf, used);
            c->out_cons = prod;
            if (c->sink)
                c->sink(c->sink_ctx, buf, used);
            if (moved >= 0)
                moved += used;
        }
        c->ring->out_cons = c->out_cons;
        __atomic_store_n(&c->ring->out_event, c->out_cons + 1, __ATOMIC_SEQ_CST);
        /* The guest may have produced after our read of prod and before it
         * could see out_event: look once more so no byte waits for a kick. */
        if (__atomic_load_n(&c->ring->out_prod, __ATOMIC_SEQ_CST) == c->out_cons ||
            pass + 1 == DRAIN_PASSES_MAX)
            return moved;
    }
}

long pvio_console_drain(struct pvio_console *c)
{
    pthread_mutex_lock(&c->out_lock);
    long moved = drain_locked(c);
    pthread_mutex_unlock(&c->out_lock);
    return moved;
}

void pvio_console_write_direct(struct pvio_console *c, const char *buf, size_t len)
{
    pthread_mutex_lock(&c->out_lock);
    drain_locked(c); /* what the ring holds was written first */
    if (c->sink)
        c->sink(c->sink_ctx, buf, len);
    pthread_mutex_unlock(&c->out_lock);
}

size_t pvio_console_queue_input(struct pvio_console *c, const char *buf, size_t len)
{
    pthread_mutex_lock(&c->in_lock);
    size_t room = sizeof c->pending - c->pending_len;
    size_t n = len < room ? len : room;
    memcpy(c->pending + c->pending_len, buf, n);
    c->pending_len += n;
    pthread_mutex_unlock(&c->in_lock);
    return n;
}

static uint32_t in_ring_free(struct pvio_console *c)
{
    uint32_t used = mica_ring_used(c->in_prod, __atomic_load_n(&c->ring->in_cons, __ATOMIC_ACQUIRE));
    if (used > MICA_CONS_IN_SIZE) {
        report_corrupt(c, "input", used);
        return 0;
    }
    return MICA_CONS_IN_SIZE - used;
}

static void mark_eof_if_done(struct pvio_console *c)
{
    if (c->input_ended && c->pending_len == 0)
        __atomic_or_fetch(&c->ring->in_flags, MICA_CONS_IN_EOF, __ATOMIC_RELEASE);
}

bool pvio_console_flush_input(struct pvio_console *c)
{
    pthread_mutex_lock(&c->in_lock);
    uint32_t n = in_ring_free(c);
    if (n > c->pending_len)
        n = (uint32_t)c->pending_len;
    if (n) {
        mica_ring_copy_in(c->ring->in, MICA_CONS_IN_SIZE, c->in_prod, c->pending, n);
        c->in_prod += n;
        __atomic_store_n(&c->ring->in_prod, c->in_prod, __ATOMIC_RELEASE);
        memmove(c->pending, c->pending + n, c->pending_len - n);
        c->pending_len -= n;
    }
    mark_eof_if_done(c);
    pthread_mutex_unlock(&c->in_lock);
    return n > 0;
}

size_t pvio_console_pending_input(struct pvio_console *c)
{
    pthread_mutex_lock(&c->in_lock);
    size_t n = c->pending_len;
    pthread_mutex_unlock(&c->in_lock);
    return n;
}

void pvio_console_end_input(struct pvio_console *c)
{
    pthread_mutex_lock(&c->in_lock);
    c->input_ended = true;
    mark_eof_if_done(c);
    pthread_mutex_unlock(&c->in_lock);
}

long pvio_console_take_input(struct pvio_console *c, char *dst, uint32_t len)
{
    pthread_mutex_lock(&c->in_lock);
    uint32_t cons = __atomic_load_n(&c->ring->in_cons, __ATOMIC_ACQUIRE);
    uint32_t used = mica_ring_used(c->in_prod, cons);
    long rc;
    if (used > MICA_CONS_IN_SIZE) {
        rc = -MICA_EINVAL;
    } else {
        uint32_t n = used < len ? used : len;
        mica_ring_copy_out(c->ring->in, MICA_CONS_IN_SIZE, cons, dst, n);
        __atomic_store_n(&c->ring->in_cons, cons + n, __ATOMIC_RELEASE);
        rc = n;
    }
    pthread_mutex_unlock(&c->in_lock);
    return rc;
}

/* ---- save and restore ---------------------------------------------------
 * The host-owned half of the console (the ring itself is guest memory),
 * little-endian: magic, version, flags, out_cons, in_prod, pending_len, then
 * the pending input bytes.                                                */
#define STATE_MAGIC 0x4e4f434du /* "MCON" */
#define STATE_VERSION 1u
#define FLAG_INPUT_ENDED 0x1u
#define FLAG_CORRUPT_REPORTED 0x2u

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static size_t console_save(struct pvio_backend *b, void *buf, size_t len)
{
    struct pvio_console *c = console_of(b);
    pthread_mutex_lock(&c->out_lock);
    pthread_mutex_lock(&c->in_lock);
    size_t need = PVIO_CONSOLE_STATE_HEADER + c->pending_len;
    if (buf && len >= need) {
        uint8_t *p = buf;
        uint32_t flags = (c->input_ended ? FLAG_INPUT_ENDED : 0) |
                         (c->corrupt_reported ? FLAG_CORRUPT_REPORTED : 0);
        put32(p, STATE_MAGIC);
        put32(p + 4, STATE_VERSION | flags << 16);
        put32(p + 8, c->out_cons);
        put32(p + 12, c->in_prod);
        put32(p + 16, (uint32_t)c->pending_len);
        memcpy(p + PVIO_CONSOLE_STATE_HEADER, c->pending, c->pending_len);
    }
    pthread_mutex_unlock(&c->in_lock);
    pthread_mutex_unlock(&c->out_lock);
    return need;
}

static int refuse(char *err, size_t errlen, const char *why)
{
    snprintf(err, errlen, "console state refused: %s", why);
    return -1;
}

static int console_restore(struct pvio_backend *b, const void *buf, size_t len, char *err,
                           size_t errlen)
{
    struct pvio_console *c = console_of(b);
    const uint8_t *p = buf;
    if (!buf || len < PVIO_CONSOLE_STATE_HEADER)
        return refuse(err, errlen, "shorter than its header");
    uint32_t word = get32(p + 4), flags = word >> 16, pending = get32(p + 16);
    if (get32(p) != STATE_MAGIC)
        return refuse(err, errlen, "not a console state (bad magic)");
    if ((word & 0xffffu) != STATE_VERSION)
        return refuse(err, errlen, "unknown version");
    if (flags & ~(FLAG_INPUT_ENDED | FLAG_CORRUPT_REPORTED))
        return refuse(err, errlen, "unknown flags");
    if (pending > PVIO_CONSOLE_PENDING_MAX)
        return refuse(err, errlen, "more pending input than the console holds");
    if (len != PVIO_CONSOLE_STATE_HEADER + (size_t)pending)
        return refuse(err, errlen, "its length does not match its pending input");
    pthread_mutex_lock(&c->out_lock);
    pthread_mutex_lock(&c->in_lock);
    c->out_cons = get32(p + 8);
    c->in_prod = get32(p + 12);
    c->pending_len = pending;
    memcpy(c->pending, p + PVIO_CONSOLE_STATE_HEADER, pending);
    c->input_ended = flags & FLAG_INPUT_ENDED;
    c->corrupt_reported = flags & FLAG_CORRUPT_REPORTED;
    pthread_mutex_unlock(&c->in_lock);
    pthread_mutex_unlock(&c->out_lock);
    return 0;
}

static const struct pvio_backend_ops console_ops = {
    .name = "console",
    .attach = console_attach,
    .notify = console_notify,
    .save = console_save,
    .restore = console_restore,
    .detach = console_detach,
};
