#include "virtio/virtio_mmio.h"

#include <errno.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "util/errmsg.h"

/* Register offsets (virtio 1.1, 4.2.2). */
enum {
    REG_MAGIC = 0x000, REG_VERSION = 0x004, REG_DEVICE_ID = 0x008, REG_VENDOR_ID = 0x00c,
    REG_DEVICE_FEATURES = 0x010, REG_DEVICE_FEATURES_SEL = 0x014,
    REG_DRIVER_FEATURES = 0x020, REG_DRIVER_FEATURES_SEL = 0x024,
    REG_QUEUE_SEL = 0x030, REG_QUEUE_NUM_MAX = 0x034, REG_QUEUE_NUM = 0x038,
    REG_QUEUE_READY = 0x044, REG_QUEUE_NOTIFY = 0x050,
    REG_INTERRUPT_STATUS = 0x060, REG_INTERRUPT_ACK = 0x064, REG_STATUS = 0x070,
    REG_QUEUE_DESC_LOW = 0x080, REG_QUEUE_DESC_HIGH = 0x084,
    REG_QUEUE_DRIVER_LOW = 0x090, REG_QUEUE_DRIVER_HIGH = 0x094,
    REG_QUEUE_DEVICE_LOW = 0x0a0, REG_QUEUE_DEVICE_HIGH = 0x0a4,
    REG_CONFIG_GENERATION = 0x0fc,
};

/* Offered by the transport for every device. */
#define TRANSPORT_FEATURES ((1ull << VIRTIO_F_VERSION_1) | (1ull << VIRTIO_RING_F_EVENT_IDX) | \
                            (1ull << VIRTIO_RING_F_INDIRECT_DESC))

static void logf_(struct virtio_mmio_dev *dev, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void logf_(struct virtio_mmio_dev *dev, const char *fmt, ...)
{
    char line[320];
    int n = snprintf(line, sizeof(line), "%s@0x%llx: ", dev->ops->name, (unsigned long long)dev->base);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
    va_end(ap);
    if (dev->log)
        dev->log(dev->log_ctx, line);
    else
        fprintf(stderr, "%s\n", line);
}

static uint64_t device_features(const struct virtio_mmio_dev *dev)
{
    return dev->ops->features | TRANSPORT_FEATURES;
}

static void raise_irq(struct virtio_mmio_dev *dev, uint32_t why)
{
    dev->interrupt_status |= why;
    if (dev->irq_fd >= 0) {
        uint64_t one = 1;
        if (write(dev->irq_fd, &one, sizeof(one)) < 0)
            logf_(dev, "irqfd write failed: %s", strerror(errno));
    } else if (dev->irq_raise) {
        dev->irq_raise(dev->irq_ctx, dev->irq);
    }
}

static void reset_device(struct virtio_mmio_dev *dev)
{
    dev->status = 0;
    dev->device_features_sel = dev->driver_features_sel = dev->queue_sel = 0;
    dev->driver_features = 0;
    dev->interrupt_status = 0;
    for (unsigned i = 0; i < VIRTIO_MMIO_MAX_QUEUES; i++) {
        struct virtio_mmio_queue *q = &dev->q[i];
        q->num = 0;
        q->desc = q->driver = q->device = 0;
        virtq_reset(&q->vq);
    }
    if (dev->ops->reset)
        dev->ops->reset(dev->be);
}

int virtio_mmio_init(struct virtio_mmio_dev *dev, const struct guest_mem *mem, uint64_t base,
                     unsigned irq, const struct virtio_backend_ops *ops, void *be,
                     bool notify_eventfds, char *err, size_t errlen)
{
    memset(dev, 0, sizeof(*dev));
    if (ops->num_queues > VIRTIO_MMIO_MAX_QUEUES || ops->queue_max > VIRTQ_MAX_SIZE)
        return errmsg(err, errlen, -EINVAL, "%s: too many or too large queues", ops->name);
    pthread_mutex_init(&dev->lock, NULL);
    dev->ops = ops;
    dev->be = be;
    dev->mem = mem;
    dev->base = base;
    dev->irq = irq;
    dev->irq_fd = -1;
    for (unsigned i = 0; i < VIRTIO_MMIO_MAX_QUEUES; i++)
        dev->q[i].notify_fd = -1;
    for (unsigned i = 0; notify_eventfds && i < ops->num_queues; i++) {
        dev->q[i].notify_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        if (dev->q[i].notify_fd < 0) {
            int e = -errno;
            virtio_mmio_destroy(dev);
            return errmsg(err, errlen, e, "%s: eventfd: %s", ops->name, strerror(-e));
        }
    }
    reset_device(dev);
    return 0;
}

void virtio_mmio_destroy(struct virtio_mmio_dev *dev)
{
    for (unsigned i = 0; i < VIRTIO_MMIO_MAX_QUEUES; i++) {
        if (dev->q[i].notify_fd >= 0)
            close(dev->q[i].notify_fd);
        dev->q[i].notify_fd = -1;
    }
    pthread_mutex_destroy(&dev->lock);
}

static struct virtio_mmio_queue *selected_queue(struct virtio_mmio_dev *dev)
{
    return dev->queue_sel < dev->ops->num_queues ? &dev->q[dev->queue_sel] : NULL;
}

static uint32_t read_register(struct virtio_mmio_dev *dev, uint64_t off)
{
    struct virtio_mmio_queue *q = selected_queue(dev);
    uint64_t f = device_features(dev);
    switch (off) {
    case REG_MAGIC:             return VIRTIO_MMIO_MAGIC;
    case REG_VERSION:           return VIRTIO_MMIO_VERSION;
    case REG_DEVICE_ID:         return dev->ops->device_id;
    case REG_VENDOR_ID:         return VIRTIO_MMIO_VENDOR;
    case REG_DEVICE_FEATURES:   return dev->device_features_sel < 2 ? (uint32_t)(f >> (32 * dev->device_features_sel)) : 0;
    case REG_QUEUE_NUM_MAX:     return q ? dev->ops->queue_max : 0;
    case REG_QUEUE_READY:       return q ? q->vq.ready : 0;
    case REG_INTERRUPT_STATUS:  return dev->interrupt_status;
    case REG_STATUS:            return dev->status;
    case REG_CONFIG_GENERATION: return dev->config_generation;
    default:                    return 0; /* write-only or reserved */
    }
}

static void write_driver_features(struct virtio_mmio_dev *dev, uint32_t v)
{
    /* Features may change only between DRIVER and FEATURES_OK. */
    if (!(dev->status & VIRTIO_CONFIG_S_DRIVER) || (dev->status & VIRTIO_CONFIG_S_FEATURES_OK))
        return;
    if (dev->driver_features_sel >= 2)
        return;
    unsigned shift = 32 * dev->driver_features_sel;
    dev->driver_features = (dev->driver_features & ~(0xffffffffull << shift)) | ((uint64_t)v << shift);
}

static bool features_acceptable(struct virtio_mmio_dev *dev)
{
    uint64_t extra = dev->driver_features & ~device_features(dev);
    if (extra) {
        logf_(dev, "driver accepted features 0x%llx the device did not offer; refusing FEATURES_OK",
              (unsigned long long)extra);
        return false;
    }
    if (!(dev->driver_features & (1ull << VIRTIO_F_VERSION_1))) {
        logf_(dev, "driver did not accept VIRTIO_F_VERSION_1 (legacy drivers are not supported)");
        return false;
    }
    return true;
}

static void write_status(struct virtio_mmio_dev *dev, uint32_t v)
{
    if (v == 0) {
        reset_device(dev);
        return;
    }
    uint32_t added = v & ~dev->status;
    if ((added & VIRTIO_CONFIG_S_FEATURES_OK) && !features_acceptable(dev))
        v &= ~(uint32_t)VIRTIO_CONFIG_S_FEATURES_OK;
    /* DRIVER_OK without FEATURES_OK is a driver bug: do not start. */
    if ((added & VIRTIO_CONFIG_S_DRIVER_OK) && !(v & VIRTIO_CONFIG_S_FEATURES_OK)) {
        logf_(dev, "driver set DRIVER_OK before FEATURES_OK");
        v &= ~(uint32_t)VIRTIO_CONFIG_S_DRIVER_OK;
    }
    dev->status = v | (dev->status & VIRTIO_CONFIG_S_NEEDS_RESET);
    if ((added & VIRTIO_CONFIG_S_DRIVER_OK) && (dev->status & VIRTIO_CONFIG_S_DRIVER_OK) &&
        dev->ops->driver_ok)
        dev->ops->driver_ok(dev->be, dev);
}

static void set_queue_ready(struct virtio_mmio_dev *dev, struct virtio_mmio_queue *q, uint32_t v)
{
    if (!v) {
        virtq_reset(&q->vq);
        return;
    }
    if (q->vq.ready)
        return;
    char why[160];
    bool ev = dev->driver_features & (1ull << VIRTIO_RING_F_EVENT_IDX);
    bool ind = dev->driver_features & (1ull << VIRTIO_RING_F_INDIRECT_DESC);
    if (q->num > dev->ops->queue_max) {
        logf_(dev, "queue %u: size %u exceeds QueueNumMax %u", dev->queue_sel, q->num, dev->ops->queue_max);
        return;
    }
    if (virtq_start(&q->vq, dev->mem, q->num, q->desc, q->driver, q->device, ev, ind, why, sizeof(why)))
        logf_(dev, "queue %u not enabled: %s", dev->queue_sel, why);
}

static void set_addr_half(uint64_t *addr, uint32_t v, bool high)
{
    *addr = high ? (*addr & 0xffffffffull) | (uint64_t)v << 32 : (*addr & ~0xffffffffull) | v;
}

/* Queue layout registers are writable only while the queue is not ready. */
static void write_queue_register(struct virtio_mmio_dev *dev, uint64_t off, uint32_t v)
{
    struct virtio_mmio_queue *q = selected_queue(dev);
    if (!q)
        return;
    if (off == REG_QUEUE_READY) {
        set_queue_ready(dev, q, v);
        return;
    }
    if (q->vq.ready)
        return;
    switch (off) {
    case REG_QUEUE_NUM:         q->num = (uint16_t)(v > 0xffff ? 0 : v); break;
    case REG_QUEUE_DESC_LOW:    set_addr_half(&q->desc, v, false); break;
    case REG_QUEUE_DESC_HIGH:   set_addr_half(&q->desc, v, true); break;
    case REG_QUEUE_DRIVER_LOW:  set_addr_half(&q->driver, v, false); break;
    case REG_QUEUE_DRIVER_HIGH: set_addr_half(&q->driver, v, true); break;
    case REG_QUEUE_DEVICE_LOW:  set_addr_half(&q->device, v, false); break;
    case REG_QUEUE_DEVICE_HIGH: set_addr_half(&q->device, v, true); break;
    }
}

static void process_locked(struct virtio_mmio_dev *dev, unsigned qi)
{
    if (qi >= dev->ops->num_queues || !(dev->status & VIRTIO_CONFIG_S_DRIVER_OK) ||
        (dev->status & VIRTIO_CONFIG_S_NEEDS_RESET) || !dev->q[qi].vq.ready)
        return;
    dev->ops->queue_notify(dev->be, dev, qi);
}

static void write_register(struct virtio_mmio_dev *dev, uint64_t off, uint32_t v)
{
    switch (off) {
    case REG_DEVICE_FEATURES_SEL: dev->device_features_sel = v; break;
    case REG_DRIVER_FEATURES:     write_driver_features(dev, v); break;
    case REG_DRIVER_FEATURES_SEL: dev->driver_features_sel = v; break;
    case REG_QUEUE_SEL:           dev->queue_sel = v; break;
    case REG_QUEUE_NOTIFY:        process_locked(dev, v); break;
    case REG_INTERRUPT_ACK:       dev->interrupt_status &= ~v; break;
    case REG_STATUS:              write_status(dev, v); break;
    default:                      write_queue_register(dev, off, v); break;
    }
}

static bool config_access_ok(const struct virtio_mmio_dev *dev, uint64_t off, uint32_t size)
{
    return off >= VIRTIO_MMIO_CONFIG_OFF && size <= 8 &&
           off - VIRTIO_MMIO_CONFIG_OFF + size <= dev->ops->config_size;
}

void virtio_mmio_read(struct virtio_mmio_dev *dev, uint64_t off, uint8_t *data, uint32_t size)
{
    memset(data, 0, size);
    pthread_mutex_lock(&dev->lock);
    if (off >= VIRTIO_MMIO_CONFIG_OFF) {
        if (config_access_ok(dev, off, size) && dev->ops->config_read)
            dev->ops->config_read(dev->be, (uint32_t)(off - VIRTIO_MMIO_CONFIG_OFF), data, size);
    } else if (size == 4 && !(off & 3)) { /* registers: aligned 32-bit only */
        uint32_t v = read_register(dev, off);
        memcpy(data, &v, 4);
    }
    pthread_mutex_unlock(&dev->lock);
}

void virtio_mmio_write(struct virtio_mmio_dev *dev, uint64_t off, const uint8_t *data, uint32_t size)
{
    pthread_mutex_lock(&dev->lock);
    if (off >= VIRTIO_MMIO_CONFIG_OFF) {
        if (config_access_ok(dev, off, size) && dev->ops->config_write)
            dev->ops->config_write(dev->be, (uint32_t)(off - VIRTIO_MMIO_CONFIG_OFF), data, size);
    } else if (size == 4 && !(off & 3)) {
        uint32_t v;
        memcpy(&v, data, 4);
        write_register(dev, off, v);
    }
    pthread_mutex_unlock(&dev->lock);
}

void virtio_mmio_process(struct virtio_mmio_dev *dev, unsigned q)
{
    pthread_mutex_lock(&dev->lock);
    process_locked(dev, q);
    pthread_mutex_unlock(&dev->lock);
}

void virtio_mmio_signal_used(struct virtio_mmio_dev *dev, unsigned q)
{
    if (q < dev->ops->num_queues && virtq_should_interrupt(&dev->q[q].vq))
        raise_irq(dev, VIRTIO_INT_USED_BUFFER);
}

void virtio_mmio_queue_error(struct virtio_mmio_dev *dev, unsigned q, const char *why)
{
    logf_(dev, "queue %u: %s; device needs reset", q, why);
    dev->status |= VIRTIO_CONFIG_S_NEEDS_RESET;
    if (dev->status & VIRTIO_CONFIG_S_DRIVER_OK)
        virtio_mmio_config_changed(dev);
}

void virtio_mmio_config_changed(struct virtio_mmio_dev *dev)
{
    dev->config_generation++;
    raise_irq(dev, VIRTIO_INT_CONFIG_CHANGE);
}

void virtio_mmio_kick(struct virtio_mmio_dev *dev, unsigned q)
{
    uint64_t one = 1;
    if (q < VIRTIO_MMIO_MAX_QUEUES && dev->q[q].notify_fd >= 0)
        (void)!write(dev->q[q].notify_fd, &one, sizeof one);
}

/* Serves chains until the queue is empty, the handler asks to stop, or this
 * turn's budget is spent. True when work was left for a later turn. */
static bool serve_some(struct virtio_mmio_dev *dev, unsigned q, virtio_chain_handler handle)
{
    struct virtq *vq = &dev->q[q].vq;
    char why[160];
    unsigned chains = 0;
    uint64_t bytes = 0;
    do {
        for (;;) {
            int rc = virtq_pop(vq, &dev->chain, why, sizeof(why));
            if (rc < 0)
                virtio_mmio_queue_error(dev, q, why);
            if (rc <= 0)
                break;
            bool spent = chains >= VIRTIO_SERVE_MAX_CHAINS || bytes >= VIRTIO_SERVE_MAX_BYTES;
            uint32_t written = spent ? VIRTIO_CHAIN_AGAIN : handle(dev->be, &dev->chain);
            if (written == VIRTIO_CHAIN_WAIT || written == VIRTIO_CHAIN_AGAIN) {
                virtq_unpop(vq); /* still the driver's: served again later */
                if (written == VIRTIO_CHAIN_AGAIN)
                    virtio_mmio_kick(dev, q); /* on the I/O loop's next turn */
                return true;
            }
            virtq_push(vq, dev->chain.head, written);
            chains++;
            bytes += dev->chain.readable_len + dev->chain.writable_len;
        }
    } while (virtq_rearm(vq));
    return false;
}

bool virtio_mmio_serve_queue(struct virtio_mmio_dev *dev, unsigned q, virtio_chain_handler handle)
{
    bool more = serve_some(dev, q, handle);
    virtio_mmio_signal_used(dev, q);
    return more;
}
