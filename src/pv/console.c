#include "pv/console.h"

#include <string.h>

#include "mica/ring.h"
#include "util/log.h"

void pv_console_init(struct pv_console *c, struct mica_console_ring *ring, pv_console_sink sink,
                     void *ctx)
{
    memset(c, 0, sizeof *c);
    pthread_mutex_init(&c->out_lock, NULL);
    pthread_mutex_init(&c->in_lock, NULL);
    c->ring = ring;
    c->sink = sink;
    c->sink_ctx = ctx;
    ring->out_event = 1; /* kick on the first byte */
}

void pv_console_destroy(struct pv_console *c)
{
    pthread_mutex_destroy(&c->out_lock);
    pthread_mutex_destroy(&c->in_lock);
}

static void report_corrupt(struct pv_console *c, const char *which, uint32_t used)
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

static long drain_locked(struct pv_console *c)
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

long pv_console_drain(struct pv_console *c)
{
    pthread_mutex_lock(&c->out_lock);
    long moved = drain_locked(c);
    pthread_mutex_unlock(&c->out_lock);
    return moved;
}

void pv_console_write_direct(struct pv_console *c, const char *buf, size_t len)
{
    pthread_mutex_lock(&c->out_lock);
    drain_locked(c); /* what the ring holds was written first */
    if (c->sink)
        c->sink(c->sink_ctx, buf, len);
    pthread_mutex_unlock(&c->out_lock);
}

size_t pv_console_queue_input(struct pv_console *c, const char *buf, size_t len)
{
    pthread_mutex_lock(&c->in_lock);
    size_t room = sizeof c->pending - c->pending_len;
    size_t n = len < room ? len : room;
    memcpy(c->pending + c->pending_len, buf, n);
    c->pending_len += n;
    pthread_mutex_unlock(&c->in_lock);
    return n;
}

static uint32_t in_ring_free(struct pv_console *c)
{
    uint32_t used = mica_ring_used(c->in_prod, __atomic_load_n(&c->ring->in_cons, __ATOMIC_ACQUIRE));
    if (used > MICA_CONS_IN_SIZE) {
        report_corrupt(c, "input", used);
        return 0;
    }
    return MICA_CONS_IN_SIZE - used;
}

static void mark_eof_if_done(struct pv_console *c)
{
    if (c->input_ended && c->pending_len == 0)
        __atomic_or_fetch(&c->ring->in_flags, MICA_CONS_IN_EOF, __ATOMIC_RELEASE);
}

bool pv_console_flush_input(struct pv_console *c)
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

size_t pv_console_pending_input(struct pv_console *c)
{
    pthread_mutex_lock(&c->in_lock);
    size_t n = c->pending_len;
    pthread_mutex_unlock(&c->in_lock);
    return n;
}

void pv_console_end_input(struct pv_console *c)
{
    pthread_mutex_lock(&c->in_lock);
    c->input_ended = true;
    mark_eof_if_done(c);
    pthread_mutex_unlock(&c->in_lock);
}

long pv_console_take_input(struct pv_console *c, char *dst, uint32_t len)
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
