/* virtio-console (virtio 1.1, 5.3), a single port: output goes to a
 * callback with backpressure, input is buffered here until the driver posts
 * receive buffers. */
#ifndef MICA_VIRTIO_VIRTIO_CONSOLE_H
#define MICA_VIRTIO_VIRTIO_CONSOLE_H

#include <stddef.h>
#include <stdint.h>

#include "virtio/virtio_mmio.h"

#define VIRTIO_CONSOLE_RXQ 0
#define VIRTIO_CONSOLE_TXQ 1
#define VIRTIO_CONSOLE_INBUF 4096

struct virtio_console {
    /* Takes what it has room for now and returns how much; when that is
     * less than offered, it calls virtio_mmio_kick() on the transmit queue
     * once it has room again. Never blocks. */
    size_t (*output)(void *ctx, const uint8_t *buf, size_t len);
    void *output_ctx;
    uint64_t tx_done;                 /* bytes of the head transmit chain already output */
    uint8_t in[VIRTIO_CONSOLE_INBUF]; /* ring buffer of pending input */
    size_t in_head, in_len;
};

extern const struct virtio_backend_ops virtio_console_ops;

/* Queues host input (e.g. from stdin) for the guest and delivers what the
 * driver has buffers for. Returns bytes accepted (less when the buffer is
 * full: try again after the guest reads). Takes dev->lock. */
size_t virtio_console_input(struct virtio_console *con, struct virtio_mmio_dev *dev,
                            const uint8_t *buf, size_t len);

#endif
