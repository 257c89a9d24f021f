/*
 * Saved event channels: every open port's state (pending and mask bits are
 * in shared_info, saved with it). A restored domain has no peers yet, so an
 * interdomain port comes back unbound for the same remote domain, and a
 * back end's port comes back unbound for mica: the back end binds it again
 * when it restores (pv_evtchn_bind_backend), as at its first attach.
 */
#include "pv/evtchn.h"

#include "pv/domain.h"
#include "pv/xdom.h"
#include "util/errmsg.h"
#include "util/wire.h"

#define STATE_MAGIC 0x54564550u /* "PEVT" */
#define STATE_VERSION 1u

size_t pv_evtchn_save(const struct pv_domain *d, void *buf, size_t len)
{
    struct wire_out o = wire_out(buf, len);
    uint32_t open = 0;
    for (mica_port_t p = 0; p < MICA_EVTCHN_PORTS; p++)
        open += d->evt.port[p].state != MICA_EVTCHN_CLOSED;
    wire_put_u32(&o, STATE_MAGIC), wire_put_u32(&o, STATE_VERSION), wire_put_u32(&o, open);
    for (mica_port_t p = 0; p < MICA_EVTCHN_PORTS; p++) {
        const struct pv_evtchn *c = &d->evt.port[p];
        if (c->state == MICA_EVTCHN_CLOSED)
            continue;
        wire_put_u32(&o, p), wire_put_u8(&o, c->state), wire_put_u8(&o, c->virq);
        wire_put_u32(&o, c->remote_dom), wire_put_u32(&o, c->remote_port);
    }
    return o.len;
}

/* One saved port, checked; fills *c. NULL, or what is wrong with it. */
static const char *port_fault(struct pv_evtchn_table *t, mica_port_t port, uint8_t state,
                              uint8_t virq, mica_domid_t remote, mica_port_t remote_port,
                              struct pv_evtchn *c)
{
    switch (state) {
    case MICA_EVTCHN_VIRQ:
        if (virq >= MICA_VIRQS)
            return "a port bound to an unknown virtual IRQ";
        if (t->virq_port[virq])
            return "a virtual IRQ bound to two ports";
        t->virq_port[virq] = port + 1;
        *c = (struct pv_evtchn){.state = state, .virq = virq};
        return NULL;
    case MICA_EVTCHN_UNBOUND:
    case MICA_EVTCHN_INTERDOMAIN:
        if (remote == MICA_DOMID_SELF || remote_port >= MICA_EVTCHN_PORTS)
            return "an interdomain port with a bad remote end";
        *c = (struct pv_evtchn){.state = MICA_EVTCHN_UNBOUND, .remote_dom = remote};
        return NULL;
    default:
        return "a port in an unknown state";
    }
}

static const char *parse(struct wire_in *in, struct pv_evtchn_table *t)
{
    if (wire_get_u32(in) != STATE_MAGIC || wire_get_u32(in) != STATE_VERSION)
        return "not an event channel state of this version";
    uint32_t open = wire_get_u32(in);
    if (open > MICA_EVTCHN_PORTS)
        return "more ports than a domain has";
    long last = -1;
    for (uint32_t i = 0; i < open && !in->short_read; i++) {
        mica_port_t port = wire_get_u32(in);
        uint8_t state = wire_get_u8(in), virq = wire_get_u8(in);
        mica_domid_t remote = wire_get_u32(in);
        mica_port_t remote_port = wire_get_u32(in);
        if (port >= MICA_EVTCHN_PORTS || (long)port <= last)
            return "ports out of order or out of range";
        last = port;
        const char *why = port_fault(t, port, state, virq, remote, remote_port, &t->port[port]);
        if (why)
            return why;
    }
    return wire_in_done(in) ? NULL : "its length does not match its ports";
}

int pv_evtchn_load(struct pv_domain *d, const void *buf, size_t len, char *err, size_t errlen)
{
    static struct pv_evtchn_table t; /* 24 KiB: not on the stack; under the lock */
    struct wire_in in = wire_in(buf, len);
    pv_xdom_lock();
    memset(&t, 0, sizeof t);
    const char *why = parse(&in, &t);
    if (!why)
        d->evt = t;
    pv_xdom_unlock();
    return why ? errmsg(err, errlen, -1, "event channel state refused: %s", why) : 0;
}
