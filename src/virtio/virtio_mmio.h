/*
 * The virtio-mmio transport, version 2 (virtio 1.1, 4.2): a 4 KiB register
 * window per device, trapped as MMIO. Everything the driver writes is a
 * request the device checks; a driver that breaks the ring protocol gets
 * DEVICE_NEEDS_RESET, never a crash or an access outside its RAM.
 *
 * Threads: vCPU threads call virtio_mmio_read/write; the I/O thread calls
 * virtio_mmio_process() when a queue's notify eventfd fires and device
 * backends call their input functions. Every entry point takes dev->lock.
 */
#ifndef MICA_VIRTIO_VIRTIO_MMIO_H
#define MICA_VIRTIO_VIRTIO_MMIO_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "virtio/virtqueue.h"
#include "vmm/guest_mem.h"

#define VIRTIO_MMIO_MAGIC        0x74726976u /* "virt" */
#define VIRTIO_MMIO_VERSION      2u
#define VIRTIO_MMIO_VENDOR       0x4143494du /* "MICA" */
#define VIRTIO_MMIO_WINDOW       0x1000u
#define VIRTIO_MMIO_CONFIG_OFF   0x100u
#define VIRTIO_MMIO_MAX_QUEUES   4
#define VIRTIO_MMIO_NOTIFY_OFF   0x050u      /* QueueNotify: KVM_IOEVENTFD address */

#define VIRTIO_INT_USED_BUFFER   1u
#define VIRTIO_INT_CONFIG_CHANGE 2u

struct virtio_mmio_dev;

/* What a device type supplies. Callbacks run with dev->lock held. */
struct virtio_backend_ops {
    const char *name;          /* "virtio-blk": for messages */
    uint32_t device_id;        /* virtio 1.1, 5: 2 blk, 3 console, 4 rng */
    uint64_t features;         /* device-specific feature bits offered */
    uint16_t num_queues;
    uint16_t queue_max;        /* <= VIRTQ_MAX_SIZE */
    size_t config_size;        /* bytes of device config space */
    /* Reads/writes config space [off, off+size); off+size <= config_size. */
    void (*config_read)(void *be, uint32_t off, uint8_t *data, uint32_t size);
    void (*config_write)(void *be, uint32_t off, const uint8_t *data, uint32_t size); /* may be NULL */
    /* The driver notified queue q (or it became ready): serve it. */
    void (*queue_notify)(void *be, struct virtio_mmio_dev *dev, unsigned q);
    /* The driver reset the device or set DRIVER_OK. May be NULL. */
    void (*reset)(void *be);
    void (*driver_ok)(void *be, struct virtio_mmio_dev *dev);
};

struct virtio_mmio_queue {
    uint16_t num;
    uint64_t desc, driver, device;
    struct virtq vq;
    int notify_fd;             /* eventfd for KVM_IOEVENTFD, or -1 */
};

struct virtio_mmio_dev {
    pthread_mutex_t lock;
    const struct virtio_backend_ops *ops;
    void *be;
    const struct guest_mem *mem;
    uint64_t base;             /* guest-physical window */
    unsigned irq;              /* GSI */
    uint32_t status;
    uint32_t device_features_sel, driver_features_sel, queue_sel;
    uint64_t driver_features;
    uint32_t interrupt_status;
    uint32_t config_generation;
    struct virtio_mmio_queue q[VIRTIO_MMIO_MAX_QUEUES];
    struct virtq_chain chain;  /* scratch for backends (under lock) */
    /* Interrupt delivery: an irqfd (KVM_IRQFD) if >= 0, else the callback. */
    int irq_fd;
    void (*irq_raise)(void *ctx, unsigned irq);
    void *irq_ctx;
    /* One line per event (queue errors, refused features); NULL: stderr. */
    void (*log)(void *ctx, const char *line);
    void *log_ctx;
};

/* Sets up a device at `base` with interrupt `irq`. With `notify_eventfds`,
 * one eventfd per queue is created for the VMM to bind to QueueNotify with
 * KVM_IOEVENTFD (datamatch = queue index). 0 or -errno. */
int virtio_mmio_init(struct virtio_mmio_dev *dev, const struct guest_mem *mem, uint64_t base,
                     unsigned irq, const struct virtio_backend_ops *ops, void *be,
                     bool notify_eventfds, char *err, size_t errlen);
void virtio_mmio_destroy(struct virtio_mmio_dev *dev);

/* MMIO accesses at `off` within the window (KVM_EXIT_MMIO, len 1/2/4/8). */
void virtio_mmio_read(struct virtio_mmio_dev *dev, uint64_t off, uint8_t *data, uint32_t size);
void virtio_mmio_write(struct virtio_mmio_dev *dev, uint64_t off, const uint8_t *data, uint32_t size);

/* Queue q's notify eventfd fired (the VMM has read it): serve the queue. */
void virtio_mmio_process(struct virtio_mmio_dev *dev, unsigned q);

/* For backends (lock held): interrupt the driver if queue q wants it. */
void virtio_mmio_signal_used(struct virtio_mmio_dev *dev, unsigned q);
/* For backends (lock held): the driver broke queue q; log, NEEDS_RESET. */
void virtio_mmio_queue_error(struct virtio_mmio_dev *dev, unsigned q, const char *why);
/* For backends (lock held): config space changed. */
void virtio_mmio_config_changed(struct virtio_mmio_dev *dev);

/* Serves the available chains on queue q with `handle` (which returns the
 * bytes it wrote into the chain), re-arming notifications, then interrupts
 * if the driver wants it. For backends (lock held).
 *
 * A hostile driver can keep a queue full forever, and the thread that
 * serves it also watches --timeout and signals: one call stops serving
 * after VIRTIO_SERVE_MAX_CHAINS chains or VIRTIO_SERVE_MAX_BYTES bytes (a
 * handler bounds one chain's work itself: virtio-console outputs at most
 * VIRTIO_SERVE_MAX_BYTES of it per call, virtio-rng 64 KiB; a virtio-blk
 * request is one preadv/pwritev, bounded by guest RAM), then
 * kicks the queue's notify eventfd so the rest is served on the I/O loop's
 * next turn, without a new kick from the guest. A handler may leave a chain
 * in the ring: VIRTIO_CHAIN_WAIT (it cannot take it now and will call
 * virtio_mmio_kick() when it can) or VIRTIO_CHAIN_AGAIN (it took part of
 * it and wants the rest next turn). Returns true when work was left. */
#define VIRTIO_SERVE_MAX_CHAINS 64u
#define VIRTIO_SERVE_MAX_BYTES  (1ull << 20)
#define VIRTIO_CHAIN_WAIT  UINT32_MAX
#define VIRTIO_CHAIN_AGAIN (UINT32_MAX - 1)
typedef uint32_t (*virtio_chain_handler)(void *be, const struct virtq_chain *c);
bool virtio_mmio_serve_queue(struct virtio_mmio_dev *dev, unsigned q, virtio_chain_handler handle);

/* Makes queue q's notify eventfd readable, as a guest kick would: the I/O
 * loop serves the queue on its next turn. No-op without eventfds. Any
 * thread, no lock needed. */
void virtio_mmio_kick(struct virtio_mmio_dev *dev, unsigned q);

#endif
