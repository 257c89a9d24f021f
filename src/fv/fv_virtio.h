/*
 * The machine's virtio-mmio devices (--disk, --rng, --console virtio): one 4 KiB window each
 * from X86_VIRTIO_MMIO_BASE, each with its own interrupt line, announced on
 * the kernel command line. Queue notifications arrive on ioeventfds (no exit
 * to mica), interrupts leave on irqfds; the I/O thread serves the queues.
 */
#ifndef MICA_FV_FV_VIRTIO_H
#define MICA_FV_FV_VIRTIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fv/fv_options.h"
#include "virtio/virtio_balloon.h"
#include "virtio/virtio_blk.h"
#include "virtio/virtio_console.h"
#include "virtio/virtio_mmio.h"
#include "virtio/virtio_rng.h"
#include "vmm/vm.h"

#define FV_MAX_VIRTIO (FV_MAX_DISKS + 3)

struct fv_virtio {
    unsigned n;
    struct virtio_mmio_dev dev[FV_MAX_VIRTIO];
    bool live[FV_MAX_VIRTIO];
    struct virtio_blk blk[FV_MAX_DISKS];
    unsigned nblk;
    struct virtio_rng rng;
    struct virtio_console con;
    struct virtio_mmio_dev *con_dev; /* NULL without --console virtio */
    struct virtio_balloon balloon;
    struct virtio_mmio_dev *balloon_dev; /* NULL without --balloon */
};

/* With --console virtio, set con.output/output_ctx before the guest runs.
 * Opens the disks, creates the devices, binds their eventfds and appends
 * "virtio_mmio.device=..." for each to `cmdline` (capacity `cap`).
 * 0 or -1 with one line in err. */
int fv_virtio_create(struct fv_virtio *v, struct vm *vm, const struct guest_mem *mem,
                     const struct fv_options *o, char *cmdline, size_t cap, char *err, size_t errlen);
void fv_virtio_destroy(struct fv_virtio *v);

/* Input for virtio-console (an fv_console_sink: ctx is the fv_virtio). */
size_t fv_virtio_console_input(void *ctx, const uint8_t *buf, size_t len);

/* The device whose window holds guest-physical `gpa`, or NULL. */
struct virtio_mmio_dev *fv_virtio_find(struct fv_virtio *v, uint64_t gpa);

/* virtio-blk requests served, over all disks. */
uint64_t fv_virtio_blk_requests(const struct fv_virtio *v);

#endif
