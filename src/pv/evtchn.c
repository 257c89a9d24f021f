/*
 * Event channels: every value the guest passes (command, struct pointer,
 * port, domain id, virq) is checked here, and a bad one is an error code
 * for that guest alone. Cross-domain work happens under pv/xdom.h's lock.
 */
#include "pv/evtchn.h"

#include "pv/domain.h"
#include "pv/guest_copy.h"
#include "pv/xdom.h"

static bool port_ok(mica_port_t port) { return port < MICA_EVTCHN_PORTS; }

static uint64_t port_bit(mica_port_t port) { return MICA_PORT_BIT(port); }

static void clear_bit(struct pv_domain *d, int mask, mica_port_t port)
{
    __atomic_and_fetch(mica_evtchn_word(d->shared, mask, port), ~port_bit(port), __ATOMIC_SEQ_CST);
}

static bool test_bit(const struct pv_domain *d, int mask, mica_port_t port)
{
    return __atomic_load_n(mica_evtchn_word(d->shared, mask, port), __ATOMIC_ACQUIRE) &
           port_bit(port);
}

/* The lowest closed port, or -1. */
static long alloc_port(struct pv_domain *d)
{
    for (mica_port_t p = 0; p < MICA_EVTCHN_PORTS; p++)
        if (d->evt.port[p].state == MICA_EVTCHN_CLOSED)
            return p;
    return -1;
}

/* A port of d that is open (not closed), or NULL. */
static struct pv_evtchn *open_port(struct pv_domain *d, mica_port_t port)
{
    if (!port_ok(port) || d->evt.port[port].state == MICA_EVTCHN_CLOSED)
        return NULL;
    return &d->evt.port[port];
}

static void close_locked(struct pv_domain *d, mica_port_t port)
{
    struct pv_evtchn *c = &d->evt.port[port];
    if (c->state == MICA_EVTCHN_INTERDOMAIN && c->remote_dom != MICA_DOMID_MICA) {
        struct pv_domain *r = pv_xdom_find(d, c->remote_dom);
        struct pv_evtchn *peer = r ? &r->evt.port[c->remote_port] : NULL;
        if (peer && peer->state == MICA_EVTCHN_INTERDOMAIN && peer->remote_dom == d->id &&
            peer->remote_port == port) {
            /* The peer's port waits to be bound again, as in Xen. */
            peer->state = MICA_EVTCHN_UNBOUND;
            peer->remote_port = 0;
        }
    }
    if (c->state == MICA_EVTCHN_VIRQ)
        __atomic_store_n(&d->evt.virq_port[c->virq], 0, __ATOMIC_RELEASE);
    *c = (struct pv_evtchn){0};
    clear_bit(d, 0, port);
    clear_bit(d, 1, port);
}

void pv_evtchn_close_all_locked(struct pv_domain *d)
{
    if (!d->shared)
        return; /* never built: no port was ever open */
    for (mica_port_t p = 0; p < MICA_EVTCHN_PORTS; p++)
        if (d->evt.port[p].state != MICA_EVTCHN_CLOSED)
            close_locked(d, p);
}

static void bind_virq_locked(struct pv_domain *d, mica_port_t port, unsigned virq)
{
    d->evt.port[port] = (struct pv_evtchn){.state = MICA_EVTCHN_VIRQ, .virq = (uint8_t)virq};
    __atomic_store_n(&d->evt.virq_port[virq], port + 1, __ATOMIC_RELEASE);
}

void pv_evtchn_init(struct pv_domain *d)
{
    bind_virq_locked(d, MICA_EVT_CONSOLE, MICA_VIRQ_CONSOLE);
    bind_virq_locked(d, MICA_EVT_TIMER, MICA_VIRQ_TIMER);
}

void pv_evtchn_raise_virq(struct pv_domain *d, enum mica_virq virq)
{
    mica_port_t p = __atomic_load_n(&d->evt.virq_port[virq], __ATOMIC_ACQUIRE);
    if (p)
        pv_domain_raise_event(d, p - 1);
}

bool pv_evtchn_ready(const struct pv_domain *d, uint64_t wait)
{
    struct mica_shared_info *s = d->shared;
    unsigned words = wait == ~0ull ? MICA_EVTCHN_WORDS : 1;
    for (unsigned w = 0; w < words; w++) {
        mica_port_t first = w * MICA_EVENT_PORTS;
        uint64_t ready = __atomic_load_n(mica_evtchn_word(s, 0, first), __ATOMIC_SEQ_CST) &
                         ~__atomic_load_n(mica_evtchn_word(s, 1, first), __ATOMIC_SEQ_CST);
        if (ready & (w ? ~0ull : wait))
            return true;
    }
    return false;
}

/* ---- the ops: each with the lock held, on the struct copied in -------- */

static int op_alloc_unbound(struct pv_domain *d, struct mica_evtchn_alloc_unbound *a)
{
    mica_domid_t remote = a->remote_dom == MICA_DOMID_SELF ? (mica_domid_t)d->id : a->remote_dom;
    if (remote != MICA_DOMID_MICA && !pv_xdom_find(d, remote))
        return -MICA_ESRCH;
    long p = alloc_port(d);
    if (p < 0)
        return -MICA_ENOSPC;
    d->evt.port[p] = (struct pv_evtchn){.state = MICA_EVTCHN_UNBOUND, .remote_dom = remote};
    a->port = (mica_port_t)p;
    return 0;
}

static int op_bind_interdomain(struct pv_domain *d, struct mica_evtchn_bind_interdomain *b)
{
    if (b->remote_dom == MICA_DOMID_MICA)
        return -MICA_EINVAL; /* mica's back ends bind, they are not bound to */
    struct pv_domain *r = pv_xdom_find(d, b->remote_dom);
    if (!r)
        return -MICA_ESRCH;
    struct pv_evtchn *rc = open_port(r, b->remote_port);
    if (!rc || rc->state != MICA_EVTCHN_UNBOUND || rc->remote_dom != d->id)
        return -MICA_EINVAL;
    long p = alloc_port(d);
    if (p < 0)
        return -MICA_ENOSPC;
    d->evt.port[p] = (struct pv_evtchn){.state = MICA_EVTCHN_INTERDOMAIN,
                                        .remote_dom = (mica_domid_t)r->id,
                                        .remote_port = b->remote_port};
    rc->state = MICA_EVTCHN_INTERDOMAIN;
    rc->remote_port = (mica_port_t)p;
    b->local_port = (mica_port_t)p;
    return 0;
}

static int op_bind_virq(struct pv_domain *d, struct mica_evtchn_bind_virq *b)
{
    if (b->virq >= MICA_VIRQS)
        return -MICA_EINVAL;
    if (d->evt.virq_port[b->virq])
        return -MICA_EEXIST;
    long p = alloc_port(d);
    if (p < 0)
        return -MICA_ENOSPC;
    bind_virq_locked(d, (mica_port_t)p, b->virq);
    b->port = (mica_port_t)p;
    return 0;
}

/* Send: what to raise is found under the lock; a back end hears it after. */
struct send_to_backend {
    pv_evtchn_backend_fn fn;
    void *ctx;
    mica_port_t port;
};

static int op_send(struct pv_domain *d, mica_port_t port, struct send_to_backend *later)
{
    struct pv_evtchn *c = open_port(d, port);
    if (!c || c->state == MICA_EVTCHN_VIRQ)
        return -MICA_EINVAL;
    if (c->state == MICA_EVTCHN_UNBOUND)
        return 0; /* nobody listens yet: dropped, as in Xen */
    if (c->remote_dom == MICA_DOMID_MICA) {
        *later = (struct send_to_backend){c->backend, c->backend_ctx, port};
        return 0;
    }
    struct pv_domain *r = pv_xdom_find(d, c->remote_dom);
    if (r)
        pv_domain_raise_event(r, c->remote_port);
    return 0;
}

static int op_mask(struct pv_domain *d, mica_port_t port, bool mask)
{
    if (!open_port(d, port))
        return -MICA_EINVAL;
    if (mask) {
        __atomic_or_fetch(mica_evtchn_word(d->shared, 1, port), port_bit(port), __ATOMIC_SEQ_CST);
        return 0;
    }
    clear_bit(d, 1, port);
    if (test_bit(d, 0, port)) /* pending while masked: the wake it missed */
        pv_domain_wake(d);
    return 0;
}

static int op_close(struct pv_domain *d, mica_port_t port)
{
    if (!open_port(d, port))
        return -MICA_EINVAL;
    close_locked(d, port);
    return 0;
}

static int op_status(struct pv_domain *d, struct mica_evtchn_status *s)
{
    if (!port_ok(s->port))
        return -MICA_EINVAL;
    const struct pv_evtchn *c = &d->evt.port[s->port];
    *s = (struct mica_evtchn_status){
        .port = s->port, .state = c->state, .remote_dom = c->remote_dom,
        .remote_port = c->remote_port, .virq = c->virq,
        .pending = test_bit(d, 0, s->port), .masked = test_bit(d, 1, s->port),
    };
    return 0;
}

/* ---- the hypercall ------------------------------------------------------ */

union op_args {
    struct mica_evtchn_alloc_unbound alloc;
    struct mica_evtchn_bind_interdomain inter;
    struct mica_evtchn_bind_virq virq;
    struct mica_evtchn_port port;
    struct mica_evtchn_status status;
};

/* The size of cmd's struct, and whether it has OUT fields. */
static size_t op_size(uint64_t cmd, bool *out)
{
    static const struct { size_t size; bool out; } ops[MICA_EVTCHNOP_COUNT] = {
        [MICA_EVTCHNOP_ALLOC_UNBOUND] = {sizeof(struct mica_evtchn_alloc_unbound), true},
        [MICA_EVTCHNOP_BIND_INTERDOMAIN] = {sizeof(struct mica_evtchn_bind_interdomain), true},
        [MICA_EVTCHNOP_BIND_VIRQ] = {sizeof(struct mica_evtchn_bind_virq), true},
        [MICA_EVTCHNOP_SEND] = {sizeof(struct mica_evtchn_port), false},
        [MICA_EVTCHNOP_MASK] = {sizeof(struct mica_evtchn_port), false},
        [MICA_EVTCHNOP_UNMASK] = {sizeof(struct mica_evtchn_port), false},
        [MICA_EVTCHNOP_CLOSE] = {sizeof(struct mica_evtchn_port), false},
        [MICA_EVTCHNOP_STATUS] = {sizeof(struct mica_evtchn_status), true},
    };
    if (cmd >= MICA_EVTCHNOP_COUNT)
        return 0;
    *out = ops[cmd].out;
    return ops[cmd].size;
}

static int run_op(struct pv_domain *d, uint64_t cmd, union op_args *a, struct send_to_backend *later)
{
    switch (cmd) {
    case MICA_EVTCHNOP_ALLOC_UNBOUND:
        return op_alloc_unbound(d, &a->alloc);
    case MICA_EVTCHNOP_BIND_INTERDOMAIN:
        return op_bind_interdomain(d, &a->inter);
    case MICA_EVTCHNOP_BIND_VIRQ:
        return op_bind_virq(d, &a->virq);
    case MICA_EVTCHNOP_SEND:
        return op_send(d, a->port.port, later);
    case MICA_EVTCHNOP_MASK:
    case MICA_EVTCHNOP_UNMASK:
        return op_mask(d, a->port.port, cmd == MICA_EVTCHNOP_MASK);
    case MICA_EVTCHNOP_CLOSE:
        return op_close(d, a->port.port);
    default:
        return op_status(d, &a->status);
    }
}

int pv_evtchn_op(struct pv_domain *d, uint64_t cmd, mica_gva_t arg)
{
    bool out = false;
    size_t size = op_size(cmd, &out);
    union op_args a;
    if (!size)
        return -MICA_EINVAL;
    if (pv_copy_from_guest(&d->mmu, &a, arg, size) < 0 ||
        (out && pv_guest_range_ok(&d->mmu, arg, size, PV_WRITE) < 0))
        return -MICA_EFAULT;
    struct send_to_backend later = {0};
    pv_xdom_lock();
    int rc = run_op(d, cmd, &a, &later);
    pv_xdom_unlock();
    if (later.fn)
        later.fn(later.ctx, later.port);
    if (rc == 0 && out && pv_copy_to_guest(&d->mmu, arg, &a, size) < 0)
        return -MICA_EFAULT; /* the guest unmapped it meanwhile */
    return rc;
}

/* ---- a back end's end ----------------------------------------------------- */

int pv_evtchn_bind_backend(struct pv_domain *d, mica_port_t port, pv_evtchn_backend_fn fn,
                           void *ctx)
{
    int rc = -MICA_EINVAL;
    pv_xdom_lock();
    struct pv_evtchn *c = open_port(d, port);
    if (c && c->state == MICA_EVTCHN_UNBOUND && c->remote_dom == MICA_DOMID_MICA) {
        *c = (struct pv_evtchn){.state = MICA_EVTCHN_INTERDOMAIN, .remote_dom = MICA_DOMID_MICA,
                                .backend = fn, .backend_ctx = ctx};
        rc = 0;
    }
    pv_xdom_unlock();
    return rc;
}

void pv_evtchn_unbind_backend(struct pv_domain *d, mica_port_t port, void *ctx)
{
    pv_xdom_lock();
    struct pv_evtchn *c = open_port(d, port);
    if (c && c->state == MICA_EVTCHN_INTERDOMAIN && c->remote_dom == MICA_DOMID_MICA &&
        c->backend && c->backend_ctx == ctx)
        *c = (struct pv_evtchn){.state = MICA_EVTCHN_UNBOUND, .remote_dom = MICA_DOMID_MICA};
    pv_xdom_unlock();
}

int pv_evtchn_backend_send(struct pv_domain *d, mica_port_t port)
{
    int rc = -MICA_EINVAL;
    pv_xdom_lock();
    struct pv_evtchn *c = open_port(d, port);
    if (c && c->state == MICA_EVTCHN_INTERDOMAIN && c->remote_dom == MICA_DOMID_MICA) {
        pv_domain_raise_event(d, port);
        rc = 0;
    }
    pv_xdom_unlock();
    return rc;
}
