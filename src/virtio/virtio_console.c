#include "virtio/virtio_console.h"

#include <linux/virtio_console.h>
#include <linux/virtio_ids.h>
#include <string.h>

static uint32_t tx_handle(void *opaque, const struct virtq_chain *c)
{
    struct virtio_console *con = opaque;
    for (unsigned i = 0; i < c->n_readable; i++)
        if (con->output && c->seg[i].len)
            con->output(con->output_ctx, c->seg[i].host, c->seg[i].len);
    return 0;
}

/* Moves buffered input into the driver's receive buffers (lock held). */
static void deliver_input(struct virtio_console *con, struct virtio_mmio_dev *dev)
{
    struct virtq *vq = &dev->q[VIRTIO_CONSOLE_RXQ].vq;
    if (!(dev->status & VIRTIO_CONFIG_S_DRIVER_OK) || (dev->status & VIRTIO_CONFIG_S_NEEDS_RESET))
        return;
    char why[160];
    bool pushed = false;
    while (con->in_len) {
        int rc = virtq_pop(vq, &dev->chain, why, sizeof(why));
        if (rc < 0)
            virtio_mmio_queue_error(dev, VIRTIO_CONSOLE_RXQ, why);
        if (rc <= 0)
            break;
        uint32_t written = 0;
        while (con->in_len && written < dev->chain.writable_len) {
            size_t run = VIRTIO_CONSOLE_INBUF - con->in_head; /* contiguous part */
            if (run > con->in_len)
                run = con->in_len;
            size_t n = virtq_chain_write(&dev->chain, written, con->in + con->in_head, run);
            if (!n)
                break;
            written += (uint32_t)n;
            con->in_head = (con->in_head + n) % VIRTIO_CONSOLE_INBUF;
            con->in_len -= n;
        }
        virtq_push(vq, dev->chain.head, written);
        pushed = true;
    }
    if (pushed)
        virtio_mmio_signal_used(dev, VIRTIO_CONSOLE_RXQ);
}

size_t virtio_console_input(struct virtio_console *con, struct virtio_mmio_dev *dev,
                            const uint8_t *buf, size_t len)
{
    pthread_mutex_lock(&dev->lock);
    size_t accepted = 0;
    while (accepted < len && con->in_len < VIRTIO_CONSOLE_INBUF) {
        con->in[(con->in_head + con->in_len) % VIRTIO_CONSOLE_INBUF] = buf[accepted++];
        con->in_len++;
    }
    deliver_input(con, dev);
    pthread_mutex_unlock(&dev->lock);
    return accepted;
}

static void console_notify(void *opaque, struct virtio_mmio_dev *dev, unsigned q)
{
    if (q == VIRTIO_CONSOLE_TXQ)
        virtio_mmio_serve_queue(dev, q, tx_handle);
    else
        deliver_input(opaque, dev); /* new receive buffers */
}

static void console_driver_ok(void *opaque, struct virtio_mmio_dev *dev)
{
    deliver_input(opaque, dev);
}

static void console_config_read(void *opaque, uint32_t off, uint8_t *data, uint32_t size)
{
    (void)opaque;
    struct virtio_console_config cfg = { .cols = 80, .rows = 25, .max_nr_ports = 1 };
    memcpy(data, (uint8_t *)&cfg + off, size);
}

const struct virtio_backend_ops virtio_console_ops = {
    .name = "virtio-console",
    .device_id = VIRTIO_ID_CONSOLE,
    .num_queues = 2,
    .queue_max = VIRTQ_MAX_SIZE,
    .config_size = sizeof(struct virtio_console_config),
    .config_read = console_config_read,
    .queue_notify = console_notify,
    .driver_ok = console_driver_ok,
};
