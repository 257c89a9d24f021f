/* Fuzzes virtio-console's transmit path through the MMIO transport: the
 * input becomes the guest's descriptor table, avail ring and buffers, and
 * picks how much room the sink (stdout) has on each turn, so chains are
 * left in the ring, resumed part-way and re-read after the guest's data
 * changed under them. Every turn must stay within its budget, and every
 * byte handed to the sink must be guest RAM (ASan). */
#include <linux/virtio_config.h>
#include <stdlib.h>
#include <string.h>

#include "virtio/virtio_console.h"

#define RAM (4u << 20)
#define TXQ_DESC 0x4000u
#define TXQ_AVAIL 0x5000u
#define TXQ_USED 0x6000u

volatile unsigned fuzz_console_sum;
static size_t room;
static uint64_t turn_bytes;

static size_t sink(void *ctx, const uint8_t *buf, size_t len)
{
    (void)ctx;
    size_t n = len < room ? len : room;
    for (size_t i = 0; i < n; i++)
        fuzz_console_sum += buf[i]; /* touch every byte: ASan checks the range */
    room -= n;
    turn_bytes += n;
    return n;
}

static void quiet(void *ctx, const char *line)
{
    (void)ctx;
    (void)line;
}

static void w32(struct virtio_mmio_dev *d, uint64_t off, uint32_t v)
{
    virtio_mmio_write(d, off, (uint8_t *)&v, 4);
}

static void driver_init(struct virtio_mmio_dev *d, uint32_t qsize, uint32_t features)
{
    w32(d, 0x70, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
    w32(d, 0x24, 0);
    w32(d, 0x20, features);
    w32(d, 0x24, 1);
    w32(d, 0x20, 1); /* VERSION_1 */
    w32(d, 0x70, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER | VIRTIO_CONFIG_S_FEATURES_OK);
    w32(d, 0x30, VIRTIO_CONSOLE_TXQ);
    w32(d, 0x38, qsize);
    w32(d, 0x80, TXQ_DESC);
    w32(d, 0x90, TXQ_AVAIL);
    w32(d, 0xa0, TXQ_USED);
    w32(d, 0x44, 1);
    w32(d, 0x70, 0xf & ~VIRTIO_CONFIG_S_FAILED);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct guest_mem mem;
    if (!mem.host && guest_mem_alloc(&mem, 0, RAM))
        return 0;
    if (size < 8)
        return 0;
    uint32_t qsize = 1u << (data[0] % 9);
    uint32_t features = data[1] & 1 ? 1u << 28 /* INDIRECT_DESC */ : 0;
    features |= data[1] & 2 ? 1u << 29 : 0; /* EVENT_IDX */
    const uint8_t *rooms = data + 2;
    data += 8, size -= 8;
    memset(mem.host, 0, 0x10000);
    /* The input is the avail ring (0x5000), then the descriptor table
     * (0x4000), then buffer bytes (0x7000 on). */
    size_t avail = 6 + 2 * qsize, desc = 16 * qsize, n;
    n = size < avail ? size : avail;
    memcpy(mem.host + TXQ_AVAIL, data, n);
    data += n, size -= n;
    n = size < desc ? size : desc;
    memcpy(mem.host + TXQ_DESC, data, n);
    data += n, size -= n;
    memcpy(mem.host + 0x7000, data, size < 0x9000 ? size : 0x9000);
    static struct virtio_mmio_dev dev;
    struct virtio_console con = {.output = sink};
    char err[256];
    if (virtio_mmio_init(&dev, &mem, 0xd0000000, 5, &virtio_console_ops, &con, false, err, sizeof err))
        return 0;
    dev.log = quiet;
    driver_init(&dev, qsize, features);
    for (int turn = 0; turn < 6; turn++) {
        room = rooms[turn] == 0xff ? SIZE_MAX : (size_t)rooms[turn] << (rooms[turn] & 7);
        turn_bytes = 0;
        virtio_mmio_process(&dev, VIRTIO_CONSOLE_TXQ);
        if (turn_bytes > 2 * VIRTIO_SERVE_MAX_BYTES)
            abort(); /* one turn's budget, plus at most that much of the chain in progress */
    }
    virtio_mmio_destroy(&dev);
    return 0;
}
