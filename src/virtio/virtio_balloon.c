#include "virtio/virtio_balloon.h"

#include <errno.h>
#include <linux/virtio_ids.h>
#include <string.h>
#include <sys/mman.h>

#define PAGE 4096u

void virtio_balloon_init(struct virtio_balloon *b, const struct guest_mem *ram)
{
    memset(b, 0, sizeof *b);
    b->ram = ram;
    b->ram_pages = ram->size / PAGE;
}

static uint32_t le32_at(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Calls fn for every frame number (le32) in the chain's readable part. */
static void for_each_frame(struct virtio_balloon *b, const struct virtq_chain *c,
                           void (*fn)(struct virtio_balloon *b, uint64_t gpa))
{
    for (unsigned i = 0; i < c->n_readable; i++)
        for (uint32_t off = 0; off + 4 <= c->seg[i].len; off += 4)
            fn(b, (uint64_t)le32_at(c->seg[i].host + off) << VIRTIO_BALLOON_PFN_SHIFT);
}

static void discard(struct virtio_balloon *b, uint64_t gpa)
{
    uint8_t *p = guest_mem_ptr(b->ram, gpa, PAGE);
    if (!p) {
        b->bad_frames++;
        return;
    }
    madvise(p, PAGE, MADV_DONTNEED);
    b->inflated++;
}

static void take_back(struct virtio_balloon *b, uint64_t gpa)
{
    if (!guest_mem_ptr(b->ram, gpa, PAGE))
        b->bad_frames++;
    else
        b->deflated++; /* nothing to do: the page comes back on first touch */
}

uint32_t virtio_balloon_inflate(void *be, const struct virtq_chain *c)
{
    for_each_frame(be, c, discard);
    return 0;
}

uint32_t virtio_balloon_deflate(void *be, const struct virtq_chain *c)
{
    for_each_frame(be, c, take_back);
    return 0;
}

/* struct virtio_balloon_stat: le16 tag, le64 value, packed (10 bytes). */
static void read_stats(struct virtio_balloon *b, const struct virtq_chain *c)
{
    uint8_t buf[VIRTIO_BALLOON_S_NR * 10];
    uint32_t len = 0;
    for (unsigned i = 0; i < c->n_readable && len < sizeof buf; i++) {
        uint32_t n = c->seg[i].len < sizeof buf - len ? c->seg[i].len : (uint32_t)sizeof buf - len;
        memcpy(buf + len, c->seg[i].host, n);
        len += n;
    }
    b->stats_seen = 0;
    for (uint32_t off = 0; off + 10 <= len; off += 10) {
        uint16_t tag = (uint16_t)(buf[off] | buf[off + 1] << 8);
        uint64_t v = 0;
        for (int k = 7; k >= 0; k--)
            v = v << 8 | buf[off + 2 + k];
        if (tag < VIRTIO_BALLOON_S_NR) {
            b->stats[tag] = v;
            b->stats_seen |= 1u << tag;
        }
    }
    b->stats_reports++;
}

/* The driver keeps one stats buffer in the ring: the host reads it and
 * keeps it until it wants fresh figures (virtio 1.1, 5.5.6.3). */
uint32_t virtio_balloon_stats(void *be, const struct virtq_chain *c)
{
    struct virtio_balloon *b = be;
    if (b->stats_wanted) {
        b->stats_wanted = false;
        b->stats_held = false;
        return 0; /* used: the driver refills and adds it again */
    }
    read_stats(b, c);
    b->stats_held = true;
    return VIRTIO_CHAIN_WAIT;
}

static void balloon_notify(void *be, struct virtio_mmio_dev *dev, unsigned q)
{
    static const virtio_chain_handler handlers[] = {
        [VIRTIO_BALLOON_Q_INFLATE] = virtio_balloon_inflate,
        [VIRTIO_BALLOON_Q_DEFLATE] = virtio_balloon_deflate,
        [VIRTIO_BALLOON_Q_STATS] = virtio_balloon_stats,
    };
    (void)be;
    if (q < sizeof handlers / sizeof handlers[0])
        virtio_mmio_serve_queue(dev, q, handlers[q]);
}

static void balloon_config_read(void *be, uint32_t off, uint8_t *data, uint32_t size)
{
    struct virtio_balloon *b = be;
    uint8_t cfg[8];
    for (int i = 0; i < 4; i++) {
        cfg[i] = (uint8_t)(b->num_pages >> (8 * i));
        cfg[4 + i] = (uint8_t)(b->actual >> (8 * i));
    }
    memcpy(data, cfg + off, size);
}

/* The driver writes `actual` (bytes 4..7) only; num_pages is the host's. */
static void balloon_config_write(void *be, uint32_t off, const uint8_t *data, uint32_t size)
{
    struct virtio_balloon *b = be;
    uint8_t cfg[8];
    balloon_config_read(be, 0, cfg, sizeof cfg);
    if (off < 4)
        return;
    memcpy(cfg + off, data, size);
    uint32_t actual = le32_at(cfg + 4);
    b->actual = actual <= b->ram_pages ? actual : (uint32_t)b->ram_pages;
}

static void balloon_reset(void *be)
{
    struct virtio_balloon *b = be;
    b->actual = 0;
    b->stats_held = b->stats_wanted = false;
}

const struct virtio_backend_ops virtio_balloon_ops = {
    .name = "virtio-balloon",
    .device_id = VIRTIO_ID_BALLOON,
    .features = 1ull << VIRTIO_BALLOON_F_STATS_VQ,
    .num_queues = 3,
    .queue_max = VIRTQ_MAX_SIZE,
    .config_size = 8,
    .config_read = balloon_config_read,
    .config_write = balloon_config_write,
    .queue_notify = balloon_notify,
    .reset = balloon_reset,
};

int virtio_balloon_set_target(struct virtio_mmio_dev *dev, struct virtio_balloon *b,
                              uint64_t pages)
{
    uint64_t floor = b->ram_pages < VIRTIO_BALLOON_FLOOR_PAGES ? b->ram_pages
                                                               : VIRTIO_BALLOON_FLOOR_PAGES;
    if (pages < floor || pages > b->ram_pages)
        return -ERANGE;
    pthread_mutex_lock(&dev->lock);
    b->num_pages = (uint32_t)(b->ram_pages - pages);
    virtio_mmio_config_changed(dev);
    pthread_mutex_unlock(&dev->lock);
    return 0;
}

void virtio_balloon_request_stats(struct virtio_mmio_dev *dev, struct virtio_balloon *b)
{
    pthread_mutex_lock(&dev->lock);
    bool kick = b->stats_held;
    b->stats_wanted = kick;
    pthread_mutex_unlock(&dev->lock);
    if (kick)
        virtio_mmio_kick(dev, VIRTIO_BALLOON_Q_STATS);
}

uint64_t virtio_balloon_current(struct virtio_mmio_dev *dev, const struct virtio_balloon *b)
{
    pthread_mutex_lock(&dev->lock);
    uint64_t pages = b->ram_pages - b->actual;
    pthread_mutex_unlock(&dev->lock);
    return pages;
}

uint64_t virtio_balloon_target(struct virtio_mmio_dev *dev, const struct virtio_balloon *b)
{
    pthread_mutex_lock(&dev->lock);
    uint64_t pages = b->ram_pages - b->num_pages;
    pthread_mutex_unlock(&dev->lock);
    return pages;
}
