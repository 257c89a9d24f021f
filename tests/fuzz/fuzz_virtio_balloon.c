/* libFuzzer: a hostile virtio_balloon driver hands any bytes to the
 * inflate, deflate and stats queues (frame numbers anywhere, torn and
 * oversized stats buffers) and writes config space anywhere: the device
 * must skip what is not RAM, never write outside RAM, and keep actual
 * within RAM. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "virtio/virtio_balloon.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define RAM (256u * 4096u)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct guest_mem mem;
    static struct virtio_mmio_dev dev;
    static struct virtio_balloon b;
    if (!mem.host) {
        char err[256];
        if (guest_mem_alloc(&mem, 0, RAM) < 0 ||
            virtio_mmio_init(&dev, &mem, 0xd0001000, 3, &virtio_balloon_ops, &b, false, err,
                             sizeof err) < 0)
            abort();
    }
    virtio_balloon_init(&b, &mem);
    uint8_t buf[8192];
    size_t at = 0;
    while (at + 3 <= size) {
        uint8_t op = data[at], n = data[at + 1];
        size_t len = n * 8u < size - at - 2 ? n * 8u : size - at - 2;
        memcpy(buf, data + at + 2, len);
        struct virtq_chain c = {.n_readable = 1, .readable_len = len};
        c.seg[0] = (struct virtq_seg){.host = buf, .len = (uint32_t)len};
        switch (op % 5) {
        case 0: virtio_balloon_inflate(&b, &c); break;
        case 1: virtio_balloon_deflate(&b, &c); break;
        case 2: virtio_balloon_stats(&b, &c); break;
        case 3: virtio_mmio_write(&dev, VIRTIO_MMIO_CONFIG_OFF + (op >> 3) % 8, buf, len >= 4 ? 4 : 1); break;
        default: virtio_balloon_set_target(&dev, &b, (uint64_t)n * 2); break;
        }
        if (b.actual > b.ram_pages || b.num_pages > b.ram_pages)
            abort();
        at += 2 + len;
    }
    return 0;
}
