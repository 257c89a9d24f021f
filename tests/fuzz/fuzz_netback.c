/* libFuzzer: a hostile guest's VIF. The input becomes both ring pages
 * (indices and requests: sizes, offsets, grant references, ids) of a VIF
 * connected through the real DEVICE_OP on a KVM-less domain, plus frames
 * arriving from the link; netback makes a few passes. It must answer with
 * statuses and counters, never crash, read or write outside a grant, or
 * do more than its budget per pass. */
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../support/pv_testbed.h"
#include "mica/io/device.h"
#include "pvio/net/netback.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define TX_FRAME 0x150u
#define RX_FRAME 0x151u
#define DATA_FRAME 0x160u
#define SCRATCH 0x1ff000ull

static long call(struct pv_domain *d, int nr, uint64_t cmd, const void *arg, size_t len)
{
    memcpy(d->ram.host + SCRATCH, arg, len);
    struct kvm_regs r = {.rdi = cmd, .rsi = SCRATCH};
    struct pv_iret_frame f = {.cs = PV_SEL_UCODE, .ss = PV_SEL_UDATA, .rsp = 0x80000};
    uint64_t deadline;
    pv_hypercall(&d->vcpus[0], nr, &r, &f, &deadline);
    memcpy((void *)arg, d->ram.host + SCRATCH, len);
    return (long)r.rax;
}

static long grant(struct pv_domain *d, uint64_t frame, uint32_t flags)
{
    struct mica_gnttab_grant g = {.domid = MICA_DOMID_MICA, .frame = frame, .flags = flags};
    return call(d, MICA_HC_GRANT_OP, MICA_GNTTABOP_GRANT, &g, sizeof g) < 0 ? -1 : (long)g.ref;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct netback nb;
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, sv) < 0)
        return 0;
    struct pv_domain *d = testbed_domain(2);
    char err[256];
    struct mica_device_info info = {.type = MICA_DEVICE_NET};
    if (netback_init(&nb, sv[0], "fuzz", false, err, sizeof err) < 0 ||
        pv_device_add(d, &info, &nb.base, 2, err, sizeof err) < 0)
        abort();
    /* the two ring pages, then data pages granted with flags from the input */
    size_t n = size < 2 * PV_PAGE ? size : 2 * PV_PAGE;
    memcpy(d->ram.host + (uint64_t)TX_FRAME * PV_PAGE, data, n);
    data += n, size -= n;
    for (unsigned i = 0; i < 8; i++)
        grant(d, DATA_FRAME + i, size > i && (data[i] & 1) ? MICA_GNT_READONLY : 0);
    struct mica_evtchn_alloc_unbound u = {.remote_dom = MICA_DOMID_MICA};
    call(d, MICA_HC_EVENT_OP, MICA_EVTCHNOP_ALLOC_UNBOUND, &u, sizeof u);
    struct mica_devop_connect c = {.port = u.port,
                                   .ring = {(mica_grant_ref_t)grant(d, TX_FRAME, 0),
                                            (mica_grant_ref_t)grant(d, RX_FRAME, 0)}};
    if (call(d, MICA_HC_DEVICE_OP, MICA_DEVOP_CONNECT, &c, sizeof c) == 0) {
        /* frames from the link: the rest of the input, cut in pieces */
        for (size_t off = 8; off < size; off += 700) {
            size_t len = size - off < 1600 ? size - off : 1600;
            (void)!write(sv[1], data + off, len);
        }
        for (int pass = 0; pass < 8 && netback_pass(&nb); pass++)
            ;
    }
    pv_domain_destroy(d); /* disconnects and detaches: closes sv[0] */
    close(sv[1]);
    return 0;
}
