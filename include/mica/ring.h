/*
 * The byte-ring protocol of mica's PV devices, version 1: free-running
 * 32-bit indices, as in Xen's console. The producer owns prod, the consumer
 * owns cons, both only ever increase, and an index is masked only when it is
 * used; ring sizes are powers of two. A consumer that wants to hear about
 * new bytes publishes an event index; the producer kicks when prod passes
 * it (mica_ring_need_kick). Shared by the hypervisor and the guest kit; the
 * side that does not own an index must treat it as hostile:
 * mica_ring_used() > size means the other side corrupted the ring.
 * The rings themselves are laid out by each device's contract (mica/io/).
 */
#ifndef MICA_RING_H
#define MICA_RING_H

#include <stdint.h>

static inline uint32_t mica_ring_used(uint32_t prod, uint32_t cons) { return prod - cons; }

/* Copies n bytes from a ring of `size` (a power of two) starting at index
 * `from`, handling the wrap. The caller has checked n against the fill. */
static inline void mica_ring_copy_out(const volatile char *ring, uint32_t size, uint32_t from,
                                      char *dst, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        dst[i] = ring[(from + i) & (size - 1)];
}

static inline void mica_ring_copy_in(volatile char *ring, uint32_t size, uint32_t at,
                                     const char *src, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        ring[(at + i) & (size - 1)] = src[i];
}

/* Whether a producer that moved prod from old to new must notify a consumer
 * that asked to hear when prod passes `event` (Xen's notification rule). */
static inline int mica_ring_need_kick(uint32_t old_prod, uint32_t new_prod, uint32_t event)
{
    return (uint32_t)(new_prod - event) < (uint32_t)(new_prod - old_prod);
}

#endif
