/* Fuzzes the split virtqueue parser: the input becomes the guest's
 * descriptor table, avail ring and buffers in a 64 KiB guest; every chain
 * popped is also copied from, written to and pushed back. */
#include <stdlib.h>
#include <string.h>

#include "virtio/virtqueue.h"

#define RAM (64u << 10)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct guest_mem mem;
    static struct virtq_chain chain;
    if (!mem.host && guest_mem_alloc(&mem, 0, RAM))
        return 0;
    if (size < 2)
        return 0;
    uint16_t qsize = (uint16_t)(1u << (data[0] % 9)); /* 1..256 */
    bool event_idx = data[1] & 1, indirect = data[1] & 2;
    data += 2, size -= 2;
    memset(mem.host, 0, RAM);
    /* rings at fixed places; the input overwrites memory from 0 upward so
     * it controls descriptors (0x0), avail (0x1000), used stays ours */
    memcpy(mem.host, data, size < RAM / 2 ? size : RAM / 2);
    struct virtq q;
    char err[256];
    if (virtq_start(&q, &mem, qsize, 0, 0x1000, 0x8000, event_idx, indirect, err, sizeof(err)))
        return 0;
    for (int n = 0; n < 512; n++) {
        int rc = virtq_pop(&q, &chain, err, sizeof(err));
        if (rc <= 0)
            break;
        uint8_t buf[64];
        virtq_chain_read(&chain, 3, buf, sizeof(buf));
        virtq_chain_write(&chain, 1, buf, sizeof(buf));
        struct iovec iov[8];
        virtq_chain_iov(&chain, true, 0, chain.writable_len, iov, 8);
        virtq_push(&q, chain.head, (uint32_t)chain.writable_len);
        virtq_should_interrupt(&q);
        virtq_rearm(&q);
    }
    return 0;
}
