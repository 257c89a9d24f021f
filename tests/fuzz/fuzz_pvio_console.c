/* libFuzzer: a guest that writes arbitrary values into its console ring
 * between the host's operations, and hostile saved states handed to
 * restore. The host must never read or write outside the ring or the
 * state, whatever the indices and lengths say. */
#include <stdint.h>
#include <string.h>

#include "pvio/console/console.h"

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
    struct pvio_console c;
    memset(&ring, 0, sizeof ring);
    pvio_console_init(&c, sink, NULL);
    struct pvio_attach at = {.domain_name = "fuzz", .shared = &ring, .shared_len = sizeof ring};
    char err[128];
    if (pvio_attach(&c.base, &at, err, sizeof err) < 0)
        __builtin_trap();
    while (size) {
        uint8_t op = *data++;
        size--;
        uint32_t v = take32(&data, &size);
        char buf[64];
        switch (op % 10) {
        case 0: ring.out_prod = v; break;
        case 1: ring.in_cons = v; break;
        case 2: pvio_console_drain(&c); break;
        case 3: pvio_console_queue_input(&c, (const char *)data, size < (v & 4095) ? size : (v & 4095)); break;
        case 4: pvio_console_flush_input(&c); break;
        case 5: pvio_console_take_input(&c, buf, v % sizeof buf); break;
        case 6: pvio_console_end_input(&c); break;
        case 8: pvio_restore(&c.base, data, size < (v & 8191) ? size : (v & 8191), err, sizeof err); break;
        case 9: {
            static uint8_t saved[PVIO_CONSOLE_STATE_MAX];
            size_t n = pvio_save(&c.base, saved, sizeof saved);
            if (n > sizeof saved || pvio_restore(&c.base, saved, n, err, sizeof err) < 0)
                __builtin_trap(); /* its own state must always load */
            break;
        }
        default: ring.out_prod += v & 8191; break;
        }
    }
    pvio_detach(&c.base);
    return 0;
}
