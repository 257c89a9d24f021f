/*
 * Request/response rings of mica's PV devices, version 1 (after Xen's
 * public/io/ring.h): one shared page holds four free-running 32-bit
 * indices and a power-of-two array of fixed-size entries, each of which
 * is a request (front end -> back end) or, once served, a response (back
 * end -> front end) in the same slot. The byte rings of the console are
 * another protocol (mica/ring.h).
 *
 *   req_prod   written by the front end: requests published so far
 *   rsp_prod   written by the back end: responses published so far
 *   req_event  written by the back end: notify me when req_prod passes it
 *   rsp_event  written by the front end: notify me when rsp_prod passes it
 *
 * Each side keeps its own indices in private memory (req_prod_pvt and
 * rsp_cons in the front end; req_cons and rsp_prod_pvt in the back end)
 * and reads the other side's index once per pass. The back end trusts
 * nothing in the page: a req_prod that claims more requests than the ring
 * holds is a corrupt ring (mica_back_ring_pending() < 0), and every
 * request is copied into private memory (mica_back_ring_take()) before it
 * is checked and used, so the guest cannot change it in between.
 *
 * Shared verbatim by the hypervisor and the guest kit: freestanding C.
 */
#ifndef MICA_IO_RING_H
#define MICA_IO_RING_H

#include <stddef.h>
#include <stdint.h>

#include "mica/abi.h"
#include "mica/ring.h"

#define MICA_SRING_HEADER 64u
struct mica_sring {
    volatile uint32_t req_prod, req_event;
    volatile uint32_t rsp_prod, rsp_event;
    uint8_t reserved[MICA_SRING_HEADER - 16];
    uint8_t entries[]; /* mica_sring_entries(entry_size) slots */
};
_Static_assert(offsetof(struct mica_sring, req_event) == 4, "sring.req_event");
_Static_assert(offsetof(struct mica_sring, rsp_prod) == 8, "sring.rsp_prod");
_Static_assert(offsetof(struct mica_sring, rsp_event) == 12, "sring.rsp_event");
_Static_assert(offsetof(struct mica_sring, entries) == MICA_SRING_HEADER, "sring.entries");

/* Slots in a one-page ring of entry_size-byte entries: the largest power
 * of two that fits after the header. */
static inline uint32_t mica_sring_entries(uint32_t entry_size)
{
    uint32_t n = 1;
    while ((uint64_t)n * 2 * entry_size <= MICA_PAGE_SIZE - MICA_SRING_HEADER)
        n *= 2;
    return n;
}

static inline void mica_ring_mb(void) { __atomic_thread_fence(__ATOMIC_SEQ_CST); }
static inline void mica_ring_wmb(void) { __atomic_thread_fence(__ATOMIC_RELEASE); }
static inline void mica_ring_rmb(void) { __atomic_thread_fence(__ATOMIC_ACQUIRE); }

static inline volatile void *mica_sring_slot(struct mica_sring *s, uint32_t entry_size,
                                             uint32_t nr, uint32_t idx)
{
    return s->entries + (size_t)(idx & (nr - 1)) * entry_size;
}

/* Copies n bytes between a shared slot and private memory; volatile so the
 * compiler reads the shared bytes exactly once. */
static inline void mica_sring_read(void *dst, const volatile void *slot, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        ((uint8_t *)dst)[i] = ((const volatile uint8_t *)slot)[i];
}
static inline void mica_sring_write(volatile void *slot, const void *src, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        ((volatile uint8_t *)slot)[i] = ((const uint8_t *)src)[i];
}

/* ---- front end (the guest's driver) ------------------------------------ */
struct mica_front_ring {
    struct mica_sring *s;
    uint32_t entry_size, nr;
    uint32_t req_prod_pvt, rsp_cons;
};

/* Lays out a fresh ring in the zeroed page s. */
static inline void mica_front_ring_init(struct mica_front_ring *f, struct mica_sring *s,
                                        uint32_t entry_size)
{
    f->s = s;
    f->entry_size = entry_size;
    f->nr = mica_sring_entries(entry_size);
    f->req_prod_pvt = f->rsp_cons = 0;
    s->req_prod = s->rsp_prod = 0;
    s->req_event = s->rsp_event = 1;
}

/* Free slots: requests that may be queued now. */
static inline uint32_t mica_front_ring_free(const struct mica_front_ring *f)
{
    return f->nr - (f->req_prod_pvt - f->rsp_cons);
}

/* Queues a request (entry_size bytes at req); the caller checked free. */
static inline void mica_front_ring_put(struct mica_front_ring *f, const void *req)
{
    mica_sring_write(mica_sring_slot(f->s, f->entry_size, f->nr, f->req_prod_pvt), req,
                     f->entry_size);
    f->req_prod_pvt++;
}

/* Publishes queued requests; returns 1 when the back end must be notified. */
static inline int mica_front_ring_push(struct mica_front_ring *f)
{
    uint32_t old = f->s->req_prod, now = f->req_prod_pvt;
    mica_ring_wmb(); /* requests before the index that publishes them */
    f->s->req_prod = now;
    mica_ring_mb(); /* the index before reading req_event */
    return mica_ring_need_kick(old, now, f->s->req_event);
}

/* Responses waiting: 0 when none. */
static inline uint32_t mica_front_ring_responses(struct mica_front_ring *f)
{
    uint32_t prod = f->s->rsp_prod;
    mica_ring_rmb();
    uint32_t n = prod - f->rsp_cons;
    uint32_t outstanding = f->req_prod_pvt - f->rsp_cons;
    return n <= outstanding ? n : outstanding;
}

/* Takes the next response (entry_size bytes into rsp); the caller checked. */
static inline void mica_front_ring_take(struct mica_front_ring *f, void *rsp)
{
    mica_sring_read(rsp, mica_sring_slot(f->s, f->entry_size, f->nr, f->rsp_cons), f->entry_size);
    f->rsp_cons++;
}

/* Asks to be notified of the next response, then looks again (closing the
 * race with a back end that published meanwhile): responses waiting. */
static inline uint32_t mica_front_ring_final_check(struct mica_front_ring *f)
{
    f->s->rsp_event = f->rsp_cons + 1;
    mica_ring_mb();
    return mica_front_ring_responses(f);
}

/* ---- back end (mica) ------------------------------------------------------ */
struct mica_back_ring {
    struct mica_sring *s;
    uint32_t entry_size, nr;
    uint32_t req_cons, rsp_prod_pvt;
};

/* Attaches to a ring the front end laid out; from its published indices
 * (0 for a fresh ring), never from anything it could lie about later. */
static inline void mica_back_ring_attach(struct mica_back_ring *b, struct mica_sring *s,
                                         uint32_t entry_size)
{
    b->s = s;
    b->entry_size = entry_size;
    b->nr = mica_sring_entries(entry_size);
    b->req_cons = b->rsp_prod_pvt = s->rsp_prod;
}

/* Requests that may be taken now (bounded by free response slots), or -1
 * when req_prod claims more than the ring can hold: the guest corrupted it. */
static inline int64_t mica_back_ring_pending(struct mica_back_ring *b)
{
    uint32_t prod = b->s->req_prod;
    mica_ring_rmb(); /* the index before the requests it publishes */
    uint32_t n = prod - b->req_cons;
    if (n > b->nr)
        return -1;
    uint32_t room = b->nr - (b->req_cons - b->rsp_prod_pvt);
    return n < room ? n : room;
}

/* Copies the next request into private memory (entry_size bytes at req). */
static inline void mica_back_ring_take(struct mica_back_ring *b, void *req)
{
    mica_sring_read(req, mica_sring_slot(b->s, b->entry_size, b->nr, b->req_cons), b->entry_size);
    b->req_cons++;
}

/* Writes a response (entry_size bytes) into the next response slot. */
static inline void mica_back_ring_put(struct mica_back_ring *b, const void *rsp)
{
    mica_sring_write(mica_sring_slot(b->s, b->entry_size, b->nr, b->rsp_prod_pvt), rsp,
                     b->entry_size);
    b->rsp_prod_pvt++;
}

/* Publishes responses; returns 1 when the front end must be notified. */
static inline int mica_back_ring_push(struct mica_back_ring *b)
{
    uint32_t old = b->s->rsp_prod, now = b->rsp_prod_pvt;
    mica_ring_wmb();
    b->s->rsp_prod = now;
    mica_ring_mb();
    return mica_ring_need_kick(old, now, b->s->rsp_event);
}

/* Asks to be notified of the next request, then looks again: as
 * mica_back_ring_pending(). */
static inline int64_t mica_back_ring_final_check(struct mica_back_ring *b)
{
    b->s->req_event = b->req_cons + 1;
    mica_ring_mb();
    return mica_back_ring_pending(b);
}

#endif
