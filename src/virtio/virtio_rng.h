/* virtio-rng (virtio 1.1, 5.4): entropy from the host's getrandom(). */
#ifndef MICA_VIRTIO_VIRTIO_RNG_H
#define MICA_VIRTIO_VIRTIO_RNG_H

#include <stdint.h>

#include "virtio/virtio_mmio.h"

struct virtio_rng {
    uint64_t bytes; /* delivered, for statistics */
};

extern const struct virtio_backend_ops virtio_rng_ops;

/* Fills the chain's writable buffers; returns bytes written. */
uint32_t virtio_rng_handle(void *rng, const struct virtq_chain *c);

#endif
