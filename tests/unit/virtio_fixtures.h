/* A tiny in-test virtio driver: lays out a split ring in guest memory and
 * posts descriptor chains, as a (possibly hostile) guest would. */
#ifndef MICA_TESTS_VIRTIO_FIXTURES_H
#define MICA_TESTS_VIRTIO_FIXTURES_H

#include <linux/virtio_ring.h>
#include <stdint.h>
#include <string.h>

#include "vmm/guest_mem.h"

#define FX_DESC  0x1000ull
#define FX_AVAIL 0x2000ull
#define FX_USED  0x3000ull
#define FX_BUF   0x10000ull

struct fx_ring {
    const struct guest_mem *mem;
    uint16_t size;
    uint16_t avail_idx;
};

static inline void fx_ring_init(struct fx_ring *r, const struct guest_mem *mem, uint16_t size)
{
    r->mem = mem;
    r->size = size;
    r->avail_idx = 0;
    memset(guest_mem_ptr(mem, FX_DESC, 0x3000), 0, 0x3000);
}

static inline void fx_desc(struct fx_ring *r, uint16_t i, uint64_t addr, uint32_t len, uint16_t flags,
                           uint16_t next)
{
    struct vring_desc d = { addr, len, flags, next };
    memcpy(guest_mem_ptr(r->mem, FX_DESC + 16ull * i, 16), &d, 16);
}

static inline void fx_post(struct fx_ring *r, uint16_t head)
{
    uint16_t *ring = guest_mem_ptr(r->mem, FX_AVAIL + 4, 2ull * r->size);
    ring[r->avail_idx % r->size] = head;
    r->avail_idx++;
    uint16_t *idx = guest_mem_ptr(r->mem, FX_AVAIL + 2, 2);
    __atomic_store_n(idx, r->avail_idx, __ATOMIC_RELEASE);
}

static inline uint16_t fx_used_idx(struct fx_ring *r)
{
    return *(uint16_t *)guest_mem_ptr(r->mem, FX_USED + 2, 2);
}

static inline void fx_used_elem(struct fx_ring *r, uint16_t n, uint32_t *id, uint32_t *len)
{
    uint32_t *e = guest_mem_ptr(r->mem, FX_USED + 4 + 8ull * (n % r->size), 8);
    *id = e[0];
    *len = e[1];
}

static inline void *fx_buf(struct fx_ring *r, uint64_t gpa, size_t len)
{
    return guest_mem_ptr(r->mem, gpa, len);
}

#endif
