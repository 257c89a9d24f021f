/* libFuzzer: hostile guests of three domains drive MICA_HC_EVENT_OP and
 * MICA_HC_GRANT_OP with any command, struct bytes and struct address, and
 * a back end in mica binds, sends, copies and holds grants, and a domain
 * dies and comes back. mica must answer with codes, never crash, and the
 * two ends of every interdomain channel must keep naming each other. */
#include <stdint.h>
#include <string.h>

#include "../support/pv_testbed.h"
#include "pv/xdom.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define DOMAINS 3
#define SCRATCH 0x1ff000ull

struct fuzz_op {
    uint8_t kind, dom, where;
    uint8_t cmd;
    uint32_t value; /* a port, ref or domain index for the back end's ops */
    uint8_t arg[32];
};

static struct pv_domain *doms[DOMAINS];

static void reset(struct pv_domain *d)
{
    pv_xdom_lock();
    pv_evtchn_close_all_locked(d);
    pv_evtchn_init(d);
    memset(&d->gnt, 0, sizeof d->gnt);
    pv_xdom_unlock();
}

static void backend_heard(void *ctx, mica_port_t port) { (void)ctx, (void)port; }

/* Where the struct goes: the scratch page, or an address that is not
 * the guest's to hand over. */
static mica_gva_t arg_address(uint8_t where)
{
    static const mica_gva_t bad[] = {0, PV_HV_VA, MICA_SPECIAL_VA, SCRATCH + PV_PAGE - 8, UINT64_MAX - 8};
    return where < 200 ? SCRATCH : bad[where % (sizeof bad / sizeof bad[0])];
}

static void guest_op(struct pv_domain *d, const struct fuzz_op *op)
{
    memcpy(d->ram.host + SCRATCH, op->arg, sizeof op->arg);
    struct kvm_regs r = {.rdi = op->cmd % 12, .rsi = arg_address(op->where)};
    struct pv_iret_frame f = {0};
    uint64_t deadline;
    pv_hypercall(&d->vcpus[0], (op->kind & 1) ? MICA_HC_GRANT_OP : MICA_HC_EVENT_OP, &r, &f, &deadline);
}

static void backend_op(struct pv_domain *d, const struct fuzz_op *op)
{
    uint8_t buf[PV_PAGE + 16];
    switch (op->cmd % 6) {
    case 0: pv_evtchn_bind_backend(d, op->value, backend_heard, NULL); break;
    case 1: pv_evtchn_backend_send(d, op->value); break;
    case 2: pv_gnttab_copy(d, op->value, op->arg[0] * 17u, buf, op->arg[1] * 17u, op->arg[2] & 1); break;
    case 3: pv_gnttab_hold(d, op->value, op->arg[0] & 1); break;
    case 4: pv_gnttab_release(d, op->value); break;
    default: pv_evtchn_raise_virq(d, op->value % MICA_VIRQS); break;
    }
}

/* The two ends of every interdomain channel between VMs name each other. */
static void check_channels(void)
{
    pv_xdom_lock();
    for (int i = 0; i < DOMAINS; i++)
        for (mica_port_t p = 0; p < MICA_EVTCHN_PORTS; p++) {
            const struct pv_evtchn *c = &doms[i]->evt.port[p];
            if (c->state != MICA_EVTCHN_INTERDOMAIN || c->remote_dom == MICA_DOMID_MICA)
                continue;
            struct pv_domain *r = pv_xdom_find(doms[i], c->remote_dom);
            if (!r || c->remote_port >= MICA_EVTCHN_PORTS ||
                r->evt.port[c->remote_port].state != MICA_EVTCHN_INTERDOMAIN ||
                r->evt.port[c->remote_port].remote_dom != doms[i]->id ||
                r->evt.port[c->remote_port].remote_port != p)
                abort();
        }
    pv_xdom_unlock();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    for (int i = 0; i < DOMAINS; i++) {
        if (!doms[i])
            doms[i] = testbed_domain(2);
        reset(doms[i]);
    }
    struct fuzz_op op;
    while (size >= sizeof op) {
        memcpy(&op, data, sizeof op);
        data += sizeof op;
        size -= sizeof op;
        struct pv_domain *d = doms[op.dom % DOMAINS];
        if ((op.kind & 0x1e) == 0x1e) { /* the domain dies; a new one takes its place */
            pv_domain_destroy(d);
            doms[op.dom % DOMAINS] = testbed_domain(2);
        } else if (op.kind & 0x80) {
            backend_op(d, &op);
        } else {
            /* Domain ids in the struct: often a real one, so ops get deep. */
            if (op.kind & 0x40)
                memcpy(op.arg, &doms[op.value % DOMAINS]->id, 4);
            guest_op(d, &op);
        }
    }
    check_channels();
    return 0;
}
