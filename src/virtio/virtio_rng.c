#include "virtio/virtio_rng.h"

#include <errno.h>
#include <linux/virtio_ids.h>
#include <sys/random.h>

/* A request larger than this gets this much: the driver asks again. */
#define RNG_MAX_PER_REQUEST (64u << 10)

uint32_t virtio_rng_handle(void *opaque, const struct virtq_chain *c)
{
    struct virtio_rng *rng = opaque;
    uint32_t total = 0;
    for (unsigned i = c->n_readable; i < c->n_readable + c->n_writable; i++) {
        uint32_t want = c->seg[i].len;
        if (want > RNG_MAX_PER_REQUEST - total)
            want = RNG_MAX_PER_REQUEST - total;
        uint32_t got = 0;
        while (got < want) {
            ssize_t r = getrandom(c->seg[i].host + got, want - got, 0);
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0)
                break;
            got += (uint32_t)r;
        }
        total += got;
        if (got < c->seg[i].len)
            break;
    }
    rng->bytes += total;
    return total;
}

static void rng_notify(void *rng, struct virtio_mmio_dev *dev, unsigned q)
{
    (void)rng;
    virtio_mmio_serve_queue(dev, q, virtio_rng_handle);
}

const struct virtio_backend_ops virtio_rng_ops = {
    .name = "virtio-rng",
    .device_id = VIRTIO_ID_RNG,
    .num_queues = 1,
    .queue_max = VIRTQ_MAX_SIZE,
    .queue_notify = rng_notify,
};
