/* virtio-blk (virtio 1.1, 5.2) over a raw image file. */
#ifndef MICA_VIRTIO_VIRTIO_BLK_H
#define MICA_VIRTIO_VIRTIO_BLK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "disk/disk_image.h"
#include "virtio/virtio_mmio.h"

#define VIRTIO_BLK_SECTOR 512u
#include <linux/virtio_blk.h> /* VIRTIO_BLK_ID_BYTES, request types */
#define VIRTIO_BLK_MAX_IOV 1024

struct virtio_blk {
    struct disk_image disk;        /* the raw image (disk/disk_image.h) */
    char id[VIRTIO_BLK_ID_BYTES];  /* serial reported by GET_ID */
    uint64_t requests;             /* served, for statistics */
    struct virtio_backend_ops ops; /* pass to virtio_mmio_init (RO set per image) */
};

/* Opens `path` (read-only if `read_only`); its size must be a non-zero
 * multiple of 512. 0 or -errno with "disk image PATH: ..." in err. */
int virtio_blk_open(struct virtio_blk *blk, const char *path, bool read_only, char *err, size_t errlen);
void virtio_blk_close(struct virtio_blk *blk);

/* Serves one request chain; returns bytes written into it (data + status).
 * Exposed for tests; the transport calls it through virtio_blk_ops. */
uint32_t virtio_blk_handle(void *blk, const struct virtq_chain *c);

#endif
