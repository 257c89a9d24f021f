#include "virtio/virtio_console.h"

#include <linux/virtio_console.h>
#include <linux/virtio_ids.h>
#include <string.h>

/* Output of the transmit chain at the head of the queue. The sink takes
 * what it has room for and never blocks: when it is full the chain stays in
 * the ring (the guest's driver waits, as for a slow line) and the sink's
 * owner kicks the queue when room appears. con->tx_done remembers how much
 * of the head chain is out already. */
static uint32_t tx_handle(void *opaque, const struct virtq_chain *c)
{
    struct virtio_console *con = opaque;
    uint64_t budget = VIRTIO_SERVE_MAX_BYTES, skip = con->tx_done;
    for (unsigned i = 0; con->output && i < c->n_readable; i++) {
        const struct virtq_seg *s = &c->seg[i];
        if (skip >= s->len) {
            skip -= s->len;
            continue;
        }
        size_t left = s->len - skip, want = left < budget ? left : (size_t)budget;
        if (!want)
            return VIRTIO_CHAIN_AGAIN; /* this turn's budget is spent */
        size_t took = con->output(con->output_ctx, s->host + skip, want);
        con->tx_done += took;
        budget -= took;
        if (took < want)
            return VIRTIO_CHAIN_WAIT; /* the sink is full: it kicks us */
        if (took < left)
            return VIRTIO_CHAIN_AGAIN;
        skip = 0;
    }
    con->tx_done = 0;
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
    for (unsigned chains = 0; con->in_len; chains++) {
        if (chains == VIRTIO_SERVE_MAX_CHAINS) { /* empty buffers, posted as fast as taken */
            virtio_mmio_kick(dev, VIRTIO_CONSOLE_RXQ);
            break;
        }
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

static void console_reset(void *opaque)
{
    struct virtio_console *con = opaque;
    con->tx_done = 0;
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
    .reset = console_reset,
    .driver_ok = console_driver_ok,
};
