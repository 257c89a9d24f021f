/* Event channels, guest side (the contract is mica/event.h): each call is
 * one MICA_HC_EVENT_OP with its struct on the stack; pending bits are
 * taken straight from shared_info. */
#include "mica/kit.h"

static long event_op(unsigned cmd, void *arg)
{
    return mica_hypercall(MICA_HC_EVENT_OP, cmd, (uint64_t)(uintptr_t)arg, 0);
}

long mica_evtchn_alloc_unbound(mica_domid_t remote_dom)
{
    struct mica_evtchn_alloc_unbound a = {.remote_dom = remote_dom};
    long rc = event_op(MICA_EVTCHNOP_ALLOC_UNBOUND, &a);
    return rc < 0 ? rc : (long)a.port;
}

long mica_evtchn_bind_interdomain(mica_domid_t remote_dom, mica_port_t remote_port)
{
    struct mica_evtchn_bind_interdomain b = {.remote_dom = remote_dom, .remote_port = remote_port};
    long rc = event_op(MICA_EVTCHNOP_BIND_INTERDOMAIN, &b);
    return rc < 0 ? rc : (long)b.local_port;
}

long mica_evtchn_bind_virq(enum mica_virq virq)
{
    struct mica_evtchn_bind_virq b = {.virq = virq};
    long rc = event_op(MICA_EVTCHNOP_BIND_VIRQ, &b);
    return rc < 0 ? rc : (long)b.port;
}

static long port_op(unsigned cmd, mica_port_t port)
{
    struct mica_evtchn_port p = {.port = port};
    return event_op(cmd, &p);
}

long mica_evtchn_send(mica_port_t port) { return port_op(MICA_EVTCHNOP_SEND, port); }
long mica_evtchn_mask(mica_port_t port) { return port_op(MICA_EVTCHNOP_MASK, port); }
long mica_evtchn_unmask(mica_port_t port) { return port_op(MICA_EVTCHNOP_UNMASK, port); }
long mica_evtchn_close(mica_port_t port) { return port_op(MICA_EVTCHNOP_CLOSE, port); }

long mica_evtchn_status(mica_port_t port, struct mica_evtchn_status *out)
{
    out->port = port;
    return event_op(MICA_EVTCHNOP_STATUS, out);
}

int mica_evtchn_take(mica_port_t port)
{
    if (port >= MICA_EVTCHN_PORTS)
        return 0;
    struct mica_shared_info *s = (struct mica_shared_info *)mica_start->shared_info;
    uint64_t bit = MICA_PORT_BIT(port);
    return (__atomic_fetch_and(mica_evtchn_word(s, 0, port), ~bit, __ATOMIC_SEQ_CST) & bit) != 0;
}
