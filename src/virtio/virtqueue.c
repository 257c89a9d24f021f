#include "virtio/virtqueue.h"

#include <errno.h>
#include <linux/virtio_ring.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/errmsg.h"

/* Split ring layout (virtio 1.1, 2.6): descriptor table of 16-byte entries;
 * avail ring = flags, idx, ring[size], used_event; used ring = flags, idx,
 * ring[size] of {id, len}, avail_event. */
#define DESC_SIZE 16u
#define AVAIL_RING_OFF 4u
#define USED_RING_OFF 4u
#define USED_ELEM_SIZE 8u

static size_t avail_bytes(uint16_t n) { return AVAIL_RING_OFF + 2u * n + 2u; }
static size_t used_bytes(uint16_t n) { return USED_RING_OFF + USED_ELEM_SIZE * n + 2u; }

/* Ring fields are naturally aligned (checked in virtq_start), so these
 * atomics are plain loads/stores with the ordering the protocol needs. */
static uint16_t load16(volatile uint8_t *p) { return __atomic_load_n((volatile uint16_t *)p, __ATOMIC_RELAXED); }
static void store16(volatile uint8_t *p, uint16_t v) { __atomic_store_n((volatile uint16_t *)p, v, __ATOMIC_RELAXED); }
static void store32(volatile uint8_t *p, uint32_t v) { __atomic_store_n((volatile uint32_t *)p, v, __ATOMIC_RELAXED); }

/* Marks the queue broken: a driver that broke the ring protocol once gets
 * no further service until it resets the device. */
__attribute__((format(printf, 4, 5)))
static int fail(struct virtq *q, char *err, size_t errlen, const char *fmt, ...)
{
    q->broken = true;
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -EINVAL;
}

int virtq_start(struct virtq *q, const struct guest_mem *mem, uint16_t size, uint64_t desc,
                uint64_t avail, uint64_t used, bool event_idx, bool indirect,
                char *err, size_t errlen)
{
    virtq_reset(q);
    if (size == 0 || size > VIRTQ_MAX_SIZE || (size & (size - 1)))
        return errmsg(err, errlen, -EINVAL, "queue size %u is not a power of two in 1..%u", size,
                      VIRTQ_MAX_SIZE);
    if ((desc & 15) || (avail & 1) || (used & 3))
        return errmsg(err, errlen, -EINVAL, "ring addresses are misaligned (desc 16, driver 2, device 4)");
    q->desc = guest_mem_ptr(mem, desc, (uint64_t)DESC_SIZE * size);
    q->avail = guest_mem_ptr(mem, avail, avail_bytes(size));
    q->used = guest_mem_ptr(mem, used, used_bytes(size));
    if (!q->desc || !q->avail || !q->used)
        return errmsg(err, errlen, -EINVAL, "ring areas lie outside guest RAM");
    q->mem = mem;
    q->size = size;
    q->desc_gpa = desc;
    q->avail_gpa = avail;
    q->used_gpa = used;
    q->event_idx = event_idx;
    q->indirect = indirect;
    q->ready = true;
    return 0;
}

void virtq_reset(struct virtq *q)
{
    memset(q, 0, sizeof(*q));
}

struct desc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags;
    uint16_t next;
};

/* One read of a descriptor from a table in guest memory. */
static struct desc read_desc(volatile uint8_t *table, unsigned i)
{
    struct vring_desc raw;
    memcpy(&raw, (const uint8_t *)table + (size_t)i * DESC_SIZE, sizeof(raw));
    struct desc d = { raw.addr, raw.len, raw.flags, raw.next };
    return d;
}

struct walk {
    struct virtq *q;
    struct virtq_chain *c;
    char *err;
    size_t errlen;
};

static int add_segment(struct walk *w, const struct desc *d)
{
    struct virtq_chain *c = w->c;
    bool writable = d->flags & VRING_DESC_F_WRITE;
    unsigned n = c->n_readable + c->n_writable;
    if (n >= VIRTQ_MAX_SEGS)
        return fail(w->q, w->err, w->errlen, "chain %u has more than %u buffers", c->head, VIRTQ_MAX_SEGS);
    if (!writable && c->n_writable)
        return fail(w->q, w->err, w->errlen, "chain %u: readable buffer %u after a writable one", c->head, n);
    uint8_t *host = guest_mem_ptr(w->q->mem, d->addr, d->len);
    if (!host)
        return fail(w->q, w->err, w->errlen, "chain %u: buffer %u lies outside guest RAM", c->head, n);
    c->seg[n].host = host;
    c->seg[n].len = d->len;
    if (writable) {
        c->n_writable++;
        c->writable_len += d->len;
    } else {
        c->n_readable++;
        c->readable_len += d->len;
    }
    return 0;
}

/* An indirect table: a chain of its own, indices relative to the table,
 * no nesting, at most len/16 descriptors (so it cannot loop). */
static int walk_indirect(struct walk *w, const struct desc *d)
{
    struct virtq *q = w->q;
    if (!q->indirect)
        return fail(q, w->err, w->errlen, "chain %u uses an indirect table without VIRTIO_F_INDIRECT_DESC",
                    w->c->head);
    if (d->flags & VRING_DESC_F_NEXT)
        return fail(q, w->err, w->errlen, "chain %u: indirect descriptor also has NEXT", w->c->head);
    if (d->len == 0 || d->len % DESC_SIZE || d->len / DESC_SIZE > VIRTQ_MAX_INDIRECT)
        return fail(q, w->err, w->errlen, "chain %u: indirect table length %u is invalid", w->c->head, d->len);
    if (d->addr & 15)
        return fail(q, w->err, w->errlen, "chain %u: indirect table is misaligned", w->c->head);
    volatile uint8_t *table = guest_mem_ptr(q->mem, d->addr, d->len);
    if (!table)
        return fail(q, w->err, w->errlen, "chain %u: indirect table lies outside guest RAM", w->c->head);
    unsigned n = d->len / DESC_SIZE, i = 0;
    for (unsigned count = 0;; count++) {
        if (count >= n)
            return fail(q, w->err, w->errlen, "chain %u: indirect table loops (more than %u entries)",
                        w->c->head, n);
        struct desc e = read_desc(table, i);
        if (e.flags & VRING_DESC_F_INDIRECT)
            return fail(q, w->err, w->errlen, "chain %u: nested indirect table at entry %u", w->c->head, i);
        int rc = add_segment(w, &e);
        if (rc)
            return rc;
        if (!(e.flags & VRING_DESC_F_NEXT))
            return 0;
        if (e.next >= n)
            return fail(q, w->err, w->errlen, "chain %u: indirect next index %u is out of the table",
                        w->c->head, e.next);
        i = e.next;
    }
}

static int walk_chain(struct walk *w, uint16_t head)
{
    struct virtq *q = w->q;
    unsigned i = head;
    for (unsigned count = 0;; count++) {
        if (count >= q->size)
            return fail(q, w->err, w->errlen, "chain %u is longer than the queue (%u): a descriptor loop",
                        head, q->size);
        struct desc d = read_desc(q->desc, i);
        int rc = (d.flags & VRING_DESC_F_INDIRECT) ? walk_indirect(w, &d) : add_segment(w, &d);
        if (rc)
            return rc;
        if (!(d.flags & VRING_DESC_F_NEXT) || (d.flags & VRING_DESC_F_INDIRECT))
            return 0;
        if (d.next >= q->size)
            return fail(q, w->err, w->errlen, "chain %u: next index %u is out of the queue", head, d.next);
        i = d.next;
    }
}

int virtq_pop(struct virtq *q, struct virtq_chain *c, char *err, size_t errlen)
{
    if (!q->ready || q->broken)
        return 0;
    uint16_t avail_idx = load16(q->avail + 2);
    if (avail_idx == q->last_avail)
        return 0;
    if ((uint16_t)(avail_idx - q->last_avail) > q->size)
        return fail(q, err, errlen, "avail idx %u is more than a queue ahead of %u", avail_idx, q->last_avail);
    /* Read the ring entry and descriptors only after seeing idx. */
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    uint16_t head = load16(q->avail + AVAIL_RING_OFF + 2u * (q->last_avail & (q->size - 1)));
    if (head >= q->size)
        return fail(q, err, errlen, "avail ring names head %u, beyond queue size %u", head, q->size);
    c->head = head;
    c->n_readable = c->n_writable = 0;
    c->readable_len = c->writable_len = 0;
    struct walk w = { q, c, err, errlen };
    int rc = walk_chain(&w, head);
    if (rc)
        return rc;
    q->last_avail++;
    return 1;
}

void virtq_unpop(struct virtq *q)
{
    q->last_avail--;
}

void virtq_push(struct virtq *q, uint16_t head, uint32_t written)
{
    if (!q->ready)
        return;
    volatile uint8_t *elem = q->used + USED_RING_OFF + USED_ELEM_SIZE * (q->used_idx & (q->size - 1));
    store32(elem, head);
    store32(elem + 4, written);
    q->used_idx++;
    /* The element must be visible before the index that publishes it. */
    __atomic_thread_fence(__ATOMIC_RELEASE);
    store16(q->used + 2, q->used_idx);
}

bool virtq_should_interrupt(struct virtq *q)
{
    if (!q->ready)
        return false;
    /* Order our used->idx store before reading the driver's suppression. */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    uint16_t old = q->signalled_used, now = q->used_idx;
    bool want;
    if (q->event_idx) {
        uint16_t used_event = load16(q->avail + AVAIL_RING_OFF + 2u * q->size);
        want = (uint16_t)(now - used_event - 1) < (uint16_t)(now - old); /* vring_need_event */
    } else {
        want = !(load16(q->avail) & VRING_AVAIL_F_NO_INTERRUPT) && now != old;
    }
    if (want)
        q->signalled_used = now;
    return want;
}

bool virtq_rearm(struct virtq *q)
{
    if (!q->ready || q->broken)
        return false;
    if (q->event_idx)
        store16(q->used + USED_RING_OFF + USED_ELEM_SIZE * q->size, q->last_avail);
    /* Publish avail_event before looking at avail idx again. */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    return load16(q->avail + 2) != q->last_avail;
}

/* Copies [off, off+len) of the segments [first, first+n) to or from buf. */
static size_t chain_copy(const struct virtq_chain *c, unsigned first, unsigned n, uint64_t off,
                         uint8_t *buf, size_t len, bool to_chain)
{
    size_t done = 0;
    for (unsigned i = first; i < first + n && done < len; i++) {
        const struct virtq_seg *s = &c->seg[i];
        if (off >= s->len) {
            off -= s->len;
            continue;
        }
        size_t take = s->len - off;
        if (take > len - done)
            take = len - done;
        if (to_chain)
            memcpy(s->host + off, buf + done, take);
        else
            memcpy(buf + done, s->host + off, take);
        done += take;
        off = 0;
    }
    return done;
}

size_t virtq_chain_read(const struct virtq_chain *c, uint64_t off, void *dst, size_t len)
{
    return chain_copy(c, 0, c->n_readable, off, dst, len, false);
}

size_t virtq_chain_write(const struct virtq_chain *c, uint64_t off, const void *src, size_t len)
{
    return chain_copy(c, c->n_readable, c->n_writable, off, (uint8_t *)src, len, true);
}

int virtq_chain_iov(const struct virtq_chain *c, bool writable, uint64_t off, uint64_t len,
                    struct iovec *iov, int max)
{
    unsigned first = writable ? c->n_readable : 0;
    unsigned n = writable ? c->n_writable : c->n_readable;
    int cnt = 0;
    for (unsigned i = first; i < first + n && len; i++) {
        const struct virtq_seg *s = &c->seg[i];
        if (off >= s->len) {
            off -= s->len;
            continue;
        }
        uint64_t take = s->len - off;
        if (take > len)
            take = len;
        if (cnt == max)
            return -1;
        iov[cnt].iov_base = s->host + off;
        iov[cnt].iov_len = take;
        cnt++;
        len -= take;
        off = 0;
    }
    return cnt;
}
