/* libFuzzer: a guest that writes arbitrary values into its console ring
 * between the host's operations. The host must never read or write outside
 * the ring, whatever the indices say. */
#include <stdint.h>
#include <string.h>

#include "pv/console.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

volatile unsigned fuzz_console_sum;

static void sink(void *ctx, const char *buf, size_t len)
{
    (void)ctx;
    for (size_t i = 0; i < len; i++)
        fuzz_console_sum += (unsigned char)buf[i]; /* touch every byte: ASan checks the copy */
}

static uint32_t take32(const uint8_t **p, size_t *n)
{
    uint32_t v = 0;
    size_t k = *n < 4 ? *n : 4;
    memcpy(&v, *p, k);
    *p += k;
    *n -= k;
    return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct mica_console_ring ring;
    struct pv_console c;
    memset(&ring, 0, sizeof ring);
    pv_console_init(&c, &ring, sink, NULL);
    while (size) {
        uint8_t op = *data++;
        size--;
        uint32_t v = take32(&data, &size);
        char buf[64];
        switch (op % 8) {
        case 0: ring.out_prod = v; break;
        case 1: ring.in_cons = v; break;
        case 2: pv_console_drain(&c); break;
        case 3: pv_console_queue_input(&c, (const char *)data, size < (v & 4095) ? size : (v & 4095)); break;
        case 4: pv_console_flush_input(&c); break;
        case 5: pv_console_take_input(&c, buf, v % sizeof buf); break;
        case 6: pv_console_end_input(&c); break;
        default: ring.out_prod += v & 8191; break;
        }
    }
    pv_console_destroy(&c);
    return 0;
}
