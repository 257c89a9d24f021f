#include "virtio/virtio_blk.h"

#include <linux/virtio_blk.h>
#include <linux/virtio_ids.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>

#define BLK_HDR_BYTES 16u /* type, reserved, sector */
#define BLK_SEG_MAX 126u  /* what we tell the driver (seg_max) */

static const struct virtio_backend_ops blk_ops_template;

int virtio_blk_open(struct virtio_blk *blk, const char *path, bool read_only, char *err, size_t errlen)
{
    memset(blk, 0, sizeof(*blk));
    int rc = disk_image_open(&blk->disk, path, read_only, err, errlen);
    if (rc < 0)
        return rc;
    blk->ops = blk_ops_template;
    if (read_only)
        blk->ops.features |= 1ull << VIRTIO_BLK_F_RO;
    snprintf(blk->id, sizeof(blk->id), "mica-%llx", (unsigned long long)blk->disk.ino);
    return 0;
}

void virtio_blk_close(struct virtio_blk *blk) { disk_image_close(&blk->disk); }

static uint8_t do_rw(struct virtio_blk *blk, const struct virtq_chain *c, bool write, uint64_t sector,
                     uint64_t len, uint32_t *written)
{
    if (len % VIRTIO_BLK_SECTOR)
        return VIRTIO_BLK_S_IOERR;
    uint64_t count = len / VIRTIO_BLK_SECTOR;
    if (!disk_image_holds(&blk->disk, sector, count))
        return VIRTIO_BLK_S_IOERR;
    if (write && blk->disk.read_only)
        return VIRTIO_BLK_S_IOERR;
    static __thread struct iovec iov[VIRTIO_BLK_MAX_IOV];
    int n = write ? virtq_chain_iov(c, false, BLK_HDR_BYTES, len, iov, VIRTIO_BLK_MAX_IOV)
                  : virtq_chain_iov(c, true, 0, len, iov, VIRTIO_BLK_MAX_IOV);
    if (n < 0 || !disk_image_transfer(&blk->disk, write, iov, n, sector * VIRTIO_BLK_SECTOR, len))
        return VIRTIO_BLK_S_IOERR;
    if (!write)
        *written = (uint32_t)len;
    return VIRTIO_BLK_S_OK;
}

uint32_t virtio_blk_handle(void *opaque, const struct virtq_chain *c)
{
    struct virtio_blk *blk = opaque;
    struct virtio_blk_outhdr hdr;
    /* The last writable byte is the status; without one, nothing to answer. */
    if (c->writable_len < 1 || virtq_chain_read(c, 0, &hdr, sizeof(hdr)) != sizeof(hdr))
        return 0;
    uint64_t status_off = c->writable_len - 1;
    uint32_t written = 0;
    uint8_t status;
    blk->requests++;
    switch (hdr.type) {
    case VIRTIO_BLK_T_IN:
        status = do_rw(blk, c, false, hdr.sector, status_off, &written);
        break;
    case VIRTIO_BLK_T_OUT:
        status = do_rw(blk, c, true, hdr.sector, c->readable_len - BLK_HDR_BYTES, &written);
        break;
    case VIRTIO_BLK_T_FLUSH:
        status = disk_image_flush(&blk->disk) == 0 ? VIRTIO_BLK_S_OK : VIRTIO_BLK_S_IOERR;
        break;
    case VIRTIO_BLK_T_GET_ID: {
        size_t n = status_off < VIRTIO_BLK_ID_BYTES ? status_off : VIRTIO_BLK_ID_BYTES;
        written = (uint32_t)virtq_chain_write(c, 0, blk->id, n);
        status = VIRTIO_BLK_S_OK;
        break;
    }
    default:
        status = VIRTIO_BLK_S_UNSUPP;
        break;
    }
    virtq_chain_write(c, status_off, &status, 1);
    return written + 1;
}

static void blk_config_read(void *opaque, uint32_t off, uint8_t *data, uint32_t size)
{
    struct virtio_blk *blk = opaque;
    struct virtio_blk_config cfg = { 0 };
    cfg.capacity = blk->disk.sectors;
    cfg.seg_max = BLK_SEG_MAX;
    cfg.blk_size = VIRTIO_BLK_SECTOR;
    memcpy(data, (uint8_t *)&cfg + off, size);
}

static void blk_notify(void *blk, struct virtio_mmio_dev *dev, unsigned q)
{
    (void)blk;
    virtio_mmio_serve_queue(dev, q, virtio_blk_handle);
}

static const struct virtio_backend_ops blk_ops_template = {
    .name = "virtio-blk",
    .device_id = VIRTIO_ID_BLOCK,
    .features = (1ull << VIRTIO_BLK_F_SEG_MAX) | (1ull << VIRTIO_BLK_F_BLK_SIZE) | (1ull << VIRTIO_BLK_F_FLUSH),
    .num_queues = 1,
    .queue_max = VIRTQ_MAX_SIZE,
    .config_size = sizeof(struct virtio_blk_config),
    .config_read = blk_config_read,
    .queue_notify = blk_notify,
};
