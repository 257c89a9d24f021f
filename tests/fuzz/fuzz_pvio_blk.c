/* libFuzzer: a hostile front end writes anything into its block ring (the
 * requests, req_prod, the event indices) and blkback serves a few passes.
 * mica must answer with statuses, never crash, touch no byte outside the
 * granted frames' ranges, and hold no data grant once a pass is over. */
#include <stdint.h>
#include <string.h>

#include "../support/pv_blk_fixture.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define PASSES 4

static struct blk_fixture fx;

static void setup_once(void)
{
    if (fx.d)
        return;
    blk_fixture_image(&fx, 64);
    if (blk_fixture_connect(&fx, testbed_domain(2), false, false) != 0)
        abort();
}

/* A fresh connection (a broken ring is served again only after one). */
static void reconnect(void)
{
    struct mica_devop_disconnect dc = {.device = 0};
    struct mica_devop_connect c = {.device = 0, .port = (mica_port_t)fx.port,
                                   .ring = {(mica_grant_ref_t)fx.ring_ref}};
    memset(fx.sring, 0, PV_PAGE);
    if (pv_ops_call(fx.d, MICA_HC_DEVICE_OP, MICA_DEVOP_DISCONNECT, &dc, sizeof dc) != 0 ||
        pv_ops_call(fx.d, MICA_HC_DEVICE_OP, MICA_DEVOP_CONNECT, &c, sizeof c) != 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    setup_once();
    reconnect();
    uint32_t req_prod = 0;
    if (size >= 4) {
        memcpy(&req_prod, data, 4);
        data += 4, size -= 4;
    }
    size_t ring_bytes = (size_t)mica_sring_entries(MICA_BLK_RING_ENTRY) * MICA_BLK_RING_ENTRY;
    memcpy(fx.sring->entries, data, size < ring_bytes ? size : ring_bytes);
    fx.sring->req_prod = req_prod;
    for (int i = 0; i < PASSES && pvio_blk_serve(fx.blk); i++)
        fx.sring->req_prod = req_prod + (uint32_t)i; /* the guest keeps moving it */
    for (unsigned i = 0; i < BLK_FRAMES; i++)
        if (fx.d->gnt.ref[fx.data_ref[i]].holds)
            abort(); /* a grant outlived its request */
    if (fx.d->gnt.ref[fx.ring_ref].holds != 1)
        abort();
    return 0;
}
