/*
 * virtio-balloon (virtio 1.1, 5.5), for Linux's virtio_balloon driver: the
 * host sets how many pages the driver should hold in its balloon
 * (num_pages = RAM - target), the driver gives those pages' frame numbers
 * on the inflate queue (the host discards them: MADV_DONTNEED) and takes
 * them back on the deflate queue, reports how many it holds (actual), and,
 * with VIRTIO_BALLOON_F_STATS_VQ, its memory statistics on the stats queue.
 *
 * Every frame number and stats buffer comes from the guest: frames outside
 * RAM are skipped and counted, stats buffers are read up to
 * VIRTIO_BALLOON_S_NR entries, and each queue's work per kick is bounded by
 * the transport (virtio_mmio_serve_queue).
 */
#ifndef MICA_VIRTIO_VIRTIO_BALLOON_H
#define MICA_VIRTIO_VIRTIO_BALLOON_H

#include <linux/virtio_balloon.h>
#include <stdbool.h>
#include <stdint.h>

#include "virtio/virtio_mmio.h"
#include "vmm/guest_mem.h"

#define VIRTIO_BALLOON_Q_INFLATE 0
#define VIRTIO_BALLOON_Q_DEFLATE 1
#define VIRTIO_BALLOON_Q_STATS 2
#define VIRTIO_BALLOON_FLOOR_PAGES (32u << 8) /* a Linux guest keeps 32 MiB */

struct virtio_balloon {
    const struct guest_mem *ram;
    uint64_t ram_pages;
    uint32_t num_pages;     /* config: pages the driver should hold ballooned */
    uint32_t actual;        /* config: pages it says it holds                 */
    uint64_t inflated, deflated, bad_frames; /* frames seen, for statistics   */
    uint64_t stats[VIRTIO_BALLOON_S_NR];     /* the guest's last report       */
    uint32_t stats_seen;    /* bit per tag present in that report             */
    uint64_t stats_reports;
    bool stats_held;        /* the driver's stats buffer waits in the ring    */
    bool stats_wanted;      /* give it back so the driver refills it          */
};

extern const struct virtio_backend_ops virtio_balloon_ops;

/* A balloon for a guest with `ram` (every frame the guest's at start). */
void virtio_balloon_init(struct virtio_balloon *b, const struct guest_mem *ram);

/* From the control thread: the guest should hold `pages`; 0, or -ERANGE
 * below VIRTIO_BALLOON_FLOOR_PAGES (or RAM, if smaller) or above RAM.
 * Raises a configuration change. Takes dev->lock. */
int virtio_balloon_set_target(struct virtio_mmio_dev *dev, struct virtio_balloon *b,
                              uint64_t pages);

/* Asks the driver for fresh statistics (returns its buffer). dev->lock. */
void virtio_balloon_request_stats(struct virtio_mmio_dev *dev, struct virtio_balloon *b);

/* Pages the guest holds, its target, under dev->lock. */
uint64_t virtio_balloon_current(struct virtio_mmio_dev *dev, const struct virtio_balloon *b);
uint64_t virtio_balloon_target(struct virtio_mmio_dev *dev, const struct virtio_balloon *b);

/* The queue handlers (for tests): bytes written (0), or VIRTIO_CHAIN_WAIT
 * for a stats buffer kept until fresh statistics are wanted. */
uint32_t virtio_balloon_inflate(void *b, const struct virtq_chain *c);
uint32_t virtio_balloon_deflate(void *b, const struct virtq_chain *c);
uint32_t virtio_balloon_stats(void *b, const struct virtq_chain *c);

#endif
