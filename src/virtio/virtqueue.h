/*
 * A virtio 1.x split virtqueue, device side, for a hostile driver: every
 * index, address and length read from guest memory is checked before use,
 * each descriptor is read once into host memory (no double fetch), chains
 * are bounded (a chain longer than the queue is a loop), indirect tables are
 * validated, and the used ring is published with release ordering.
 * A queue that breaks a rule is marked broken and serves nothing more until
 * reset; the transport then sets DEVICE_NEEDS_RESET.
 */
#ifndef MICA_VIRTIO_VIRTQUEUE_H
#define MICA_VIRTIO_VIRTQUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "vmm/guest_mem.h"

#define VIRTQ_MAX_SIZE       256  /* QueueNumMax offered by mica */
#define VIRTQ_MAX_INDIRECT   1024 /* descriptors in one indirect table */
#define VIRTQ_MAX_SEGS       (VIRTQ_MAX_SIZE + VIRTQ_MAX_INDIRECT)

/* One buffer of a chain, already translated to host memory. */
struct virtq_seg {
    uint8_t *host;
    uint32_t len;
};

/* A popped descriptor chain: readable segments first, then writable ones
 * (the spec requires that order, and this parser enforces it). */
struct virtq_chain {
    uint16_t head;
    uint16_t n_readable;
    uint16_t n_writable;
    uint64_t readable_len;
    uint64_t writable_len;
    struct virtq_seg seg[VIRTQ_MAX_SEGS];
};

struct virtq {
    const struct guest_mem *mem;
    uint16_t size;            /* power of two, <= VIRTQ_MAX_SIZE */
    uint64_t desc_gpa, avail_gpa, used_gpa;
    bool event_idx;           /* VIRTIO_F_EVENT_IDX negotiated */
    bool indirect;            /* VIRTIO_F_INDIRECT_DESC negotiated */
    bool ready;
    bool broken;
    uint16_t last_avail;      /* next avail ring slot to consume */
    uint16_t used_idx;        /* next used ring slot to fill */
    uint16_t signalled_used;  /* used_idx when the driver was last interrupted */
    /* host pointers into guest memory, valid while ready */
    volatile uint8_t *desc, *avail, *used;
};

/* Validates the ring addresses (alignment and that every ring lies wholly in
 * RAM) and makes the queue ready. 0 or -EINVAL with a reason in err. */
int virtq_start(struct virtq *q, const struct guest_mem *mem, uint16_t size, uint64_t desc,
                uint64_t avail, uint64_t used, bool event_idx, bool indirect,
                char *err, size_t errlen);
void virtq_reset(struct virtq *q);

/* Takes the next available chain. 1: got one; 0: none available;
 * -EINVAL: the driver broke a rule (queue now broken, reason in err). */
int virtq_pop(struct virtq *q, struct virtq_chain *c, char *err, size_t errlen);

/* Gives back the chain the last virtq_pop() took, unserved: the next pop
 * reads it again (from guest memory: the driver may have changed it). */
void virtq_unpop(struct virtq *q);

/* Returns a chain to the driver with `written` bytes written into it. */
void virtq_push(struct virtq *q, uint16_t head, uint32_t written);

/* Whether the driver wants an interrupt for what was pushed since the last
 * call that returned true (VRING_AVAIL_F_NO_INTERRUPT or used_event). */
bool virtq_should_interrupt(struct virtq *q);

/* With EVENT_IDX: asks to be notified at the next avail entry and reports
 * whether one arrived meanwhile (so the caller processes again instead of
 * missing a kick). Without EVENT_IDX: whether more is available. */
bool virtq_rearm(struct virtq *q);

/* Copies between the chain and a flat buffer, from byte `off` of the
 * readable (gather) or writable (scatter) part. Return bytes copied. */
size_t virtq_chain_read(const struct virtq_chain *c, uint64_t off, void *dst, size_t len);
size_t virtq_chain_write(const struct virtq_chain *c, uint64_t off, const void *src, size_t len);

/* iovecs for [off, off+len) of the readable or writable part, for preadv
 * and pwritev. Returns the count (<= max), or -1 when max is too small. */
int virtq_chain_iov(const struct virtq_chain *c, bool writable, uint64_t off, uint64_t len,
                    struct iovec *iov, int max);

#endif
