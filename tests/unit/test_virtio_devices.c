/* The virtio-mmio transport driven like Linux's virtio_mmio driver, with
 * the blk, rng and console backends behind it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <linux/virtio_blk.h>
#include <linux/virtio_config.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "unit/virtio_fixtures.h"
#include "virtio/virtio_blk.h"
#include "virtio/virtio_cmdline.h"
#include "virtio/virtio_console.h"
#include "virtio/virtio_rng.h"

#define RAM (1ull << 20)

static int irqs;
static void on_irq(void *ctx, unsigned irq) { (void)ctx; (void)irq; irqs++; }
static void quiet(void *ctx, const char *line) { (void)ctx; (void)line; }

static void w32(struct virtio_mmio_dev *d, uint64_t off, uint32_t v) { virtio_mmio_write(d, off, (uint8_t *)&v, 4); }
static uint32_t r32(struct virtio_mmio_dev *d, uint64_t off)
{
    uint32_t v;
    virtio_mmio_read(d, off, (uint8_t *)&v, 4);
    return v;
}

/* The driver's side of initialisation (virtio 1.1, 3.1.1), queues of qsize. */
static void driver_init_sized(struct virtio_mmio_dev *d, unsigned nq, uint32_t qsize)
{
    w32(d, 0x70, 0);
    w32(d, 0x70, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
    w32(d, 0x24, 1);
    w32(d, 0x20, 1); /* VERSION_1 */
    w32(d, 0x70, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER | VIRTIO_CONFIG_S_FEATURES_OK);
    assert_true(r32(d, 0x70) & VIRTIO_CONFIG_S_FEATURES_OK);
    for (unsigned q = 0; q < nq; q++) { /* each queue gets its own 0x4000 slice */
        w32(d, 0x30, q);
        assert_int_equal(r32(d, 0x34), VIRTQ_MAX_SIZE);
        w32(d, 0x38, qsize);
        w32(d, 0x80, (uint32_t)(FX_DESC + q * 0x4000));
        w32(d, 0x90, (uint32_t)(FX_AVAIL + q * 0x4000));
        w32(d, 0xa0, (uint32_t)(FX_USED + q * 0x4000));
        w32(d, 0x44, 1);
        assert_int_equal(r32(d, 0x44), 1);
    }
    w32(d, 0x70, 0xf & ~VIRTIO_CONFIG_S_FAILED);
    assert_true(r32(d, 0x70) & VIRTIO_CONFIG_S_DRIVER_OK);
}

static void driver_init(struct virtio_mmio_dev *d, unsigned nq)
{
    driver_init_sized(d, nq, 8);
}

struct fixture {
    struct guest_mem mem;
    struct virtio_mmio_dev dev;
    struct fx_ring ring;
    char path[64];
    struct virtio_blk blk;
    char err[256];
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    if (!f || guest_mem_alloc(&f->mem, 0, RAM))
        return -1;
    fx_ring_init(&f->ring, &f->mem, 8);
    irqs = 0;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    virtio_mmio_destroy(&f->dev);
    if (f->path[0]) {
        virtio_blk_close(&f->blk);
        unlink(f->path);
    }
    guest_mem_free(&f->mem);
    free(f);
    return 0;
}

static void open_disk(struct fixture *f, size_t bytes, bool ro)
{
    snprintf(f->path, sizeof(f->path), "/tmp/mica-blk-XXXXXX");
    int fd = mkstemp(f->path);
    assert_true(fd >= 0);
    char *buf = calloc(1, bytes);
    for (size_t i = 0; i < bytes; i++)
        buf[i] = (char)(i / 512);
    assert_int_equal(write(fd, buf, bytes), (ssize_t)bytes);
    close(fd);
    free(buf);
    assert_int_equal(virtio_blk_open(&f->blk, f->path, ro, f->err, sizeof(f->err)), 0);
    assert_int_equal(virtio_mmio_init(&f->dev, &f->mem, 0xd0000000, 5, &f->blk.ops, &f->blk, false,
                                      f->err, sizeof(f->err)), 0);
    f->dev.irq_raise = on_irq;
    f->dev.log = quiet;
    driver_init(&f->dev, 1);
}

/* Posts header / data / status as three descriptors and kicks. */
static uint8_t blk_request(struct fixture *f, uint32_t type, uint64_t sector, uint32_t data_len,
                           bool data_writable, uint32_t *used_len)
{
    struct virtio_blk_outhdr h = { .type = type, .sector = sector };
    memcpy(fx_buf(&f->ring, FX_BUF, sizeof(h)), &h, sizeof(h));
    *(uint8_t *)fx_buf(&f->ring, FX_BUF + 0x8000, 1) = 0xee;
    fx_desc(&f->ring, 0, FX_BUF, sizeof(h), VRING_DESC_F_NEXT, 1);
    fx_desc(&f->ring, 1, FX_BUF + 0x1000, data_len, VRING_DESC_F_NEXT | (data_writable ? VRING_DESC_F_WRITE : 0), 2);
    fx_desc(&f->ring, 2, FX_BUF + 0x8000, 1, VRING_DESC_F_WRITE, 0);
    fx_post(&f->ring, 0);
    uint16_t before = fx_used_idx(&f->ring);
    w32(&f->dev, 0x50, 0);
    assert_int_equal(fx_used_idx(&f->ring), (uint16_t)(before + 1));
    uint32_t id;
    fx_used_elem(&f->ring, before, &id, used_len);
    assert_int_equal(id, 0);
    return *(uint8_t *)fx_buf(&f->ring, FX_BUF + 0x8000, 1);
}

static void test_registers_identify_the_device(void **state)
{
    struct fixture *f = *state;
    open_disk(f, 8 * 512, false);
    assert_int_equal(r32(&f->dev, 0x000), 0x74726976);
    assert_int_equal(r32(&f->dev, 0x004), 2);
    assert_int_equal(r32(&f->dev, 0x008), 2);
    uint64_t cap;
    virtio_mmio_read(&f->dev, 0x100, (uint8_t *)&cap, 8);
    assert_int_equal(cap, 8);
    uint8_t b = 0x55;
    virtio_mmio_read(&f->dev, 0x100 + 4096, &b, 1); /* beyond config: zero */
    assert_int_equal(b, 0);
    w32(&f->dev, 0x30, 1);
    assert_int_equal(r32(&f->dev, 0x34), 0); /* no queue 1 */
}

static void test_blk_read_write_flush_id(void **state)
{
    struct fixture *f = *state;
    open_disk(f, 8 * 512, false);
    uint32_t used;
    assert_int_equal(blk_request(f, VIRTIO_BLK_T_IN, 3, 1024, true, &used), VIRTIO_BLK_S_OK);
    assert_int_equal(used, 1025);
    assert_int_equal(*(uint8_t *)fx_buf(&f->ring, FX_BUF + 0x1000, 1), 3);
    assert_int_equal(*(uint8_t *)fx_buf(&f->ring, FX_BUF + 0x1000 + 600, 1), 4);
    assert_true(irqs > 0);
    assert_int_equal(r32(&f->dev, 0x60) & 1, 1);
    w32(&f->dev, 0x64, 1);
    assert_int_equal(r32(&f->dev, 0x60), 0);

    memset(fx_buf(&f->ring, FX_BUF + 0x1000, 512), 0xab, 512);
    assert_int_equal(blk_request(f, VIRTIO_BLK_T_OUT, 7, 512, false, &used), VIRTIO_BLK_S_OK);
    assert_int_equal(used, 1);
    memset(fx_buf(&f->ring, FX_BUF + 0x1000, 512), 0, 512);
    assert_int_equal(blk_request(f, VIRTIO_BLK_T_IN, 7, 512, true, &used), VIRTIO_BLK_S_OK);
    assert_int_equal(*(uint8_t *)fx_buf(&f->ring, FX_BUF + 0x11ff, 1), 0xab);

    assert_int_equal(blk_request(f, VIRTIO_BLK_T_FLUSH, 0, 0, true, &used), VIRTIO_BLK_S_OK);
    assert_int_equal(blk_request(f, VIRTIO_BLK_T_GET_ID, 0, 20, true, &used), VIRTIO_BLK_S_OK);
    assert_int_equal(used, 21);
    assert_memory_equal(fx_buf(&f->ring, FX_BUF + 0x1000, 5), "mica-", 5);
    assert_int_equal(blk_request(f, 99, 0, 512, true, &used), VIRTIO_BLK_S_UNSUPP);
}

static void test_blk_bounds_and_read_only(void **state)
{
    struct fixture *f = *state;
    open_disk(f, 8 * 512, true);
    uint32_t feat;
    w32(&f->dev, 0x14, 0);
    feat = r32(&f->dev, 0x10);
    assert_true(feat & (1u << VIRTIO_BLK_F_RO));
    uint32_t used;
    assert_int_equal(blk_request(f, VIRTIO_BLK_T_OUT, 0, 512, false, &used), VIRTIO_BLK_S_IOERR);
    assert_int_equal(blk_request(f, VIRTIO_BLK_T_IN, 7, 1024, true, &used), VIRTIO_BLK_S_IOERR);
    assert_int_equal(blk_request(f, VIRTIO_BLK_T_IN, UINT64_MAX, 512, true, &used), VIRTIO_BLK_S_IOERR);
    assert_int_equal(blk_request(f, VIRTIO_BLK_T_IN, 0, 100, true, &used), VIRTIO_BLK_S_IOERR);
    assert_int_equal(blk_request(f, VIRTIO_BLK_T_IN, 7, 512, true, &used), VIRTIO_BLK_S_OK);
}

static void test_blk_open_errors(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(virtio_blk_open(&f->blk, "/nonexistent/disk.img", false, f->err, sizeof(f->err)), -ENOENT);
    assert_non_null(strstr(f->err, "disk image /nonexistent/disk.img"));
    char path[] = "/tmp/mica-odd-XXXXXX";
    int fd = mkstemp(path);
    assert_int_equal(write(fd, "x", 1), 1);
    close(fd);
    assert_int_equal(virtio_blk_open(&f->blk, path, false, f->err, sizeof(f->err)), -EINVAL);
    assert_non_null(strstr(f->err, "multiple of 512"));
    unlink(path);
    /* A FIFO must be refused, not waited on in open() for a writer. */
    assert_int_equal(mkfifo(path, 0600), 0);
    assert_int_equal(virtio_blk_open(&f->blk, path, true, f->err, sizeof(f->err)), -EINVAL);
    assert_non_null(strstr(f->err, "not a regular file"));
    unlink(path);
}

static void test_features_without_version_1_are_refused(void **state)
{
    struct fixture *f = *state;
    open_disk(f, 512, false);
    w32(&f->dev, 0x70, 0);
    assert_int_equal(r32(&f->dev, 0x70), 0);
    w32(&f->dev, 0x70, 3);
    w32(&f->dev, 0x24, 0);
    w32(&f->dev, 0x20, 1u << VIRTIO_BLK_F_FLUSH);
    w32(&f->dev, 0x70, 3 | VIRTIO_CONFIG_S_FEATURES_OK);
    assert_int_equal(r32(&f->dev, 0x70) & VIRTIO_CONFIG_S_FEATURES_OK, 0);
    w32(&f->dev, 0x24, 1);
    w32(&f->dev, 0x20, 1 | 0x80000000u); /* a bit the device never offered */
    w32(&f->dev, 0x70, 3 | VIRTIO_CONFIG_S_FEATURES_OK);
    assert_int_equal(r32(&f->dev, 0x70) & VIRTIO_CONFIG_S_FEATURES_OK, 0);
}

static void test_broken_queue_needs_reset(void **state)
{
    struct fixture *f = *state;
    open_disk(f, 512, false);
    fx_desc(&f->ring, 0, FX_BUF, 16, VRING_DESC_F_NEXT, 0); /* loop */
    fx_post(&f->ring, 0);
    w32(&f->dev, 0x50, 0);
    assert_true(r32(&f->dev, 0x70) & VIRTIO_CONFIG_S_NEEDS_RESET);
    assert_true(r32(&f->dev, 0x60) & VIRTIO_INT_CONFIG_CHANGE);
    w32(&f->dev, 0x70, 0); /* reset recovers */
    assert_int_equal(r32(&f->dev, 0x70), 0);
    assert_int_equal(r32(&f->dev, 0x44), 0);
}

static void test_queue_outside_ram_is_not_enabled(void **state)
{
    struct fixture *f = *state;
    open_disk(f, 512, false);
    w32(&f->dev, 0x70, 0);
    w32(&f->dev, 0x70, 3);
    w32(&f->dev, 0x30, 0);
    w32(&f->dev, 0x38, 8);
    w32(&f->dev, 0x80, 0);
    w32(&f->dev, 0x84, 0x10); /* desc at 64 GiB */
    w32(&f->dev, 0x44, 1);
    assert_int_equal(r32(&f->dev, 0x44), 0);
}

static void test_rng_fills_buffers(void **state)
{
    struct fixture *f = *state;
    struct virtio_rng rng = { 0 };
    assert_int_equal(virtio_mmio_init(&f->dev, &f->mem, 0xd0001000, 6, &virtio_rng_ops, &rng, true,
                                      f->err, sizeof(f->err)), 0);
    assert_true(f->dev.q[0].notify_fd >= 0);
    f->dev.irq_raise = on_irq;
    driver_init(&f->dev, 1);
    fx_desc(&f->ring, 0, FX_BUF, 64, VRING_DESC_F_WRITE, 0);
    fx_post(&f->ring, 0);
    virtio_mmio_process(&f->dev, 0); /* as after the notify eventfd fired */
    uint32_t id, len;
    fx_used_elem(&f->ring, 0, &id, &len);
    assert_int_equal(len, 64);
    assert_int_equal(rng.bytes, 64);
}

static char console_out[64];
static size_t console_len;
static size_t console_sink(void *ctx, const uint8_t *b, size_t n)
{
    (void)ctx;
    memcpy(console_out + console_len, b, n);
    console_len += n;
    return n;
}

static void test_console_output_and_input(void **state)
{
    struct fixture *f = *state;
    struct virtio_console con = { .output = console_sink };
    console_len = 0;
    assert_int_equal(virtio_mmio_init(&f->dev, &f->mem, 0xd0002000, 7, &virtio_console_ops, &con, false,
                                      f->err, sizeof(f->err)), 0);
    /* input before the driver is up is kept */
    assert_int_equal(virtio_console_input(&con, &f->dev, (const uint8_t *)"ls\n", 3), 3);
    driver_init(&f->dev, 2);
    /* transmit queue (1) lives at +0x4000 */
    struct fx_ring tx = { &f->mem, 8, 0 };
    memcpy(fx_buf(&tx, FX_BUF + 0x100, 5), "hello", 5);
    struct vring_desc d = { FX_BUF + 0x100, 5, 0, 0 };
    memcpy(fx_buf(&tx, FX_DESC + 0x4000, 16), &d, 16);
    uint16_t *ring = fx_buf(&tx, FX_AVAIL + 0x4000 + 4, 2);
    ring[0] = 0;
    *(uint16_t *)fx_buf(&tx, FX_AVAIL + 0x4000 + 2, 2) = 1;
    w32(&f->dev, 0x50, 1);
    assert_int_equal(console_len, 5);
    assert_memory_equal(console_out, "hello", 5);
    /* the driver posts a receive buffer: pending input arrives */
    fx_desc(&f->ring, 0, FX_BUF + 0x200, 16, VRING_DESC_F_WRITE, 0);
    fx_post(&f->ring, 0);
    w32(&f->dev, 0x50, 0);
    uint32_t id, len;
    fx_used_elem(&f->ring, 0, &id, &len);
    assert_int_equal(len, 3);
    assert_memory_equal(fx_buf(&f->ring, FX_BUF + 0x200, 3), "ls\n", 3);
}

/* ---- bounded work per notification (a guest that keeps queues full) ---- */

/* A console sink that takes at most `room` more bytes, like a stdout whose
 * reader stopped; it counts and keeps the first bytes. */
static size_t sink_room;
static uint64_t sink_total;
static uint8_t sink_copy[4096];
static size_t bounded_sink(void *ctx, const uint8_t *b, size_t n)
{
    (void)ctx;
    if (n > sink_room)
        n = sink_room;
    for (size_t i = 0; i < n && sink_total + i < sizeof sink_copy; i++)
        sink_copy[sink_total + i] = b[i];
    sink_room -= n;
    sink_total += n;
    return n;
}

static bool kicked(int fd)
{
    uint64_t v;
    return read(fd, &v, sizeof v) == sizeof v && v > 0;
}

/* The transmit ring lives at queue 1's slice (+0x4000). */
static void console_up(struct fixture *f, struct virtio_console *con, struct fx_ring *tx, uint16_t qsize)
{
    assert_int_equal(virtio_mmio_init(&f->dev, &f->mem, 0xd0002000, 7, &virtio_console_ops, con, true,
                                      f->err, sizeof(f->err)), 0);
    f->dev.irq_raise = on_irq;
    driver_init_sized(&f->dev, 2, qsize);
    *tx = (struct fx_ring){&f->mem, qsize, 0};
}

static uint16_t tx_used(struct fx_ring *tx)
{
    return *(uint16_t *)fx_buf(tx, FX_USED + 0x4000 + 2, 2);
}

/* fx_* helpers address queue 0; shift them to queue 1 by offsetting gpa. */
static void tx_post_q1(struct fx_ring *tx, uint16_t i, uint64_t gpa, uint32_t len)
{
    struct vring_desc d = {gpa, len, 0, 0};
    memcpy(fx_buf(tx, FX_DESC + 0x4000 + 16ull * i, 16), &d, 16);
    uint16_t *ring = fx_buf(tx, FX_AVAIL + 0x4000 + 4, 2ull * tx->size);
    ring[tx->avail_idx % tx->size] = i;
    tx->avail_idx++;
    __atomic_store_n((uint16_t *)fx_buf(tx, FX_AVAIL + 0x4000 + 2, 2), tx->avail_idx, __ATOMIC_RELEASE);
}

static void test_tx_queue_full_of_large_buffers_is_served_in_bounded_turns(void **state)
{
    struct fixture *f = *state;
    struct virtio_console con = {.output = bounded_sink};
    struct fx_ring tx;
    console_up(f, &con, &tx, 8);
    sink_room = SIZE_MAX, sink_total = 0;
    /* 8 chains of 256 KiB (all naming the same guest buffer): 2 MiB queued. */
    for (uint16_t i = 0; i < 8; i++)
        tx_post_q1(&tx, i, 0x40000, 256 << 10);
    int notify = f->dev.q[VIRTIO_CONSOLE_TXQ].notify_fd;
    virtio_mmio_process(&f->dev, VIRTIO_CONSOLE_TXQ);
    assert_int_equal(sink_total, VIRTIO_SERVE_MAX_BYTES); /* one turn's budget, no more */
    assert_int_equal(tx_used(&tx), VIRTIO_SERVE_MAX_BYTES / (256 << 10));
    assert_true(kicked(notify)); /* the rest is picked up without a guest kick */
    virtio_mmio_process(&f->dev, VIRTIO_CONSOLE_TXQ);
    assert_int_equal(sink_total, 2u << 20);
    assert_int_equal(tx_used(&tx), 8);
    assert_false(kicked(notify)); /* nothing left: no busy loop */
}

static void test_one_huge_tx_buffer_is_split_across_turns(void **state)
{
    struct fixture *f = *state;
    struct virtio_console con = {.output = bounded_sink};
    struct fx_ring tx;
    console_up(f, &con, &tx, 8);
    sink_room = SIZE_MAX, sink_total = 0;
    /* One chain of 3 segments of 768 KiB each (indirect is not needed:
     * descriptors chained in the ring). */
    for (uint16_t i = 0; i < 3; i++) {
        struct vring_desc d = {0x10000, 768 << 10, (uint16_t)(i < 2 ? VRING_DESC_F_NEXT : 0), (uint16_t)(i + 1)};
        memcpy(fx_buf(&tx, FX_DESC + 0x4000 + 16ull * i, 16), &d, 16);
    }
    uint16_t *ring = fx_buf(&tx, FX_AVAIL + 0x4000 + 4, 2);
    ring[0] = 0;
    __atomic_store_n((uint16_t *)fx_buf(&tx, FX_AVAIL + 0x4000 + 2, 2), 1, __ATOMIC_RELEASE);
    int notify = f->dev.q[VIRTIO_CONSOLE_TXQ].notify_fd;
    unsigned turns = 0;
    while (tx_used(&tx) == 0 && turns < 10) {
        virtio_mmio_process(&f->dev, VIRTIO_CONSOLE_TXQ);
        turns++;
        assert_true(sink_total <= (uint64_t)turns * VIRTIO_SERVE_MAX_BYTES);
        if (tx_used(&tx) == 0)
            assert_true(kicked(notify));
    }
    assert_int_equal(turns, 3); /* 2.25 MiB at 1 MiB a turn */
    assert_int_equal(sink_total, 3 * (768 << 10));
}

static void test_console_sink_that_would_block_leaves_descriptors(void **state)
{
    struct fixture *f = *state;
    struct virtio_console con = {.output = bounded_sink};
    struct fx_ring tx;
    console_up(f, &con, &tx, 8);
    for (unsigned i = 0; i < 300; i++)
        *(uint8_t *)fx_buf(&tx, FX_BUF + i, 1) = (uint8_t)i;
    tx_post_q1(&tx, 0, FX_BUF, 100);
    tx_post_q1(&tx, 1, FX_BUF + 100, 100);
    tx_post_q1(&tx, 2, FX_BUF + 200, 100);
    sink_room = 150, sink_total = 0; /* stdout takes 150 bytes, then is full */
    int notify = f->dev.q[VIRTIO_CONSOLE_TXQ].notify_fd;
    virtio_mmio_process(&f->dev, VIRTIO_CONSOLE_TXQ);
    assert_int_equal(sink_total, 150);
    assert_int_equal(tx_used(&tx), 1); /* the second chain is still the driver's */
    assert_false(kicked(notify));      /* waiting for the sink, not spinning */
    virtio_mmio_process(&f->dev, VIRTIO_CONSOLE_TXQ); /* a kick while still full */
    assert_int_equal(sink_total, 150);
    assert_int_equal(tx_used(&tx), 1);
    sink_room = SIZE_MAX; /* room again: the sink's owner kicks the queue */
    virtio_mmio_process(&f->dev, VIRTIO_CONSOLE_TXQ);
    assert_int_equal(tx_used(&tx), 3);
    assert_int_equal(sink_total, 300); /* every byte once, in order */
    for (unsigned i = 0; i < 300; i++)
        assert_int_equal(sink_copy[i], (uint8_t)i);
}

static void test_rng_queue_of_many_chains_is_served_in_bounded_turns(void **state)
{
    struct fixture *f = *state;
    struct virtio_rng rng = {0};
    assert_int_equal(virtio_mmio_init(&f->dev, &f->mem, 0xd0001000, 6, &virtio_rng_ops, &rng, true,
                                      f->err, sizeof(f->err)), 0);
    driver_init_sized(&f->dev, 1, VIRTQ_MAX_SIZE);
    f->ring.size = VIRTQ_MAX_SIZE;
    for (uint16_t i = 0; i < VIRTQ_MAX_SIZE; i++) {
        fx_desc(&f->ring, i, FX_BUF + 16ull * i, 16, VRING_DESC_F_WRITE, 0);
        fx_post(&f->ring, i);
    }
    int notify = f->dev.q[0].notify_fd;
    unsigned turns = 0;
    do {
        uint16_t before = fx_used_idx(&f->ring);
        virtio_mmio_process(&f->dev, 0);
        assert_true((uint16_t)(fx_used_idx(&f->ring) - before) <= VIRTIO_SERVE_MAX_CHAINS);
        turns++;
    } while (kicked(notify) && turns < 100);
    assert_int_equal(fx_used_idx(&f->ring), VIRTQ_MAX_SIZE);
    assert_int_equal(turns, VIRTQ_MAX_SIZE / VIRTIO_SERVE_MAX_CHAINS);
    assert_int_equal(rng.bytes, 16 * VIRTQ_MAX_SIZE);
}

static void test_cmdline_fragment(void **state)
{
    (void)state;
    char cmd[80] = "console=ttyS0";
    assert_int_equal(virtio_cmdline_append(cmd, sizeof(cmd), 0x1000, 0xd0000000, 5), 0);
    assert_string_equal(cmd, "console=ttyS0 virtio_mmio.device=4K@0xd0000000:5");
    char small[20] = "";
    assert_int_equal(virtio_cmdline_append(small, sizeof(small), 0x1000, 0xd0000000, 5), -E2BIG);
    assert_string_equal(small, "");
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_registers_identify_the_device), T(test_blk_read_write_flush_id),
        T(test_blk_bounds_and_read_only), T(test_blk_open_errors),
        T(test_features_without_version_1_are_refused), T(test_broken_queue_needs_reset),
        T(test_queue_outside_ram_is_not_enabled), T(test_rng_fills_buffers),
        T(test_console_output_and_input), T(test_cmdline_fragment),
        T(test_tx_queue_full_of_large_buffers_is_served_in_bounded_turns),
        T(test_one_huge_tx_buffer_is_split_across_turns),
        T(test_console_sink_that_would_block_leaves_descriptors),
        T(test_rng_queue_of_many_chains_is_served_in_bounded_turns),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
