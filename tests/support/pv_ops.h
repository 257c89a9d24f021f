/*
 * Drives MICA_HC_EVENT_OP and MICA_HC_GRANT_OP on testbed domains as their
 * guests would: the op's struct goes into the guest's RAM at a scratch
 * address, the hypercall runs on the domain's vCPU, and the struct (with
 * its OUT fields) comes back. Header-only, next to pv_testbed.h.
 */
#ifndef MICA_TESTS_PV_OPS_H
#define MICA_TESTS_PV_OPS_H

#include "mica/event.h"
#include "mica/grant.h"
#include "support/pv_testbed.h"

#define PV_OPS_SCRATCH 0x1ff000ull /* in RAM (the last page of 2 MiB), user-writable */

/* Hypercall nr(cmd, struct at the scratch address); returns rax. */
static inline long pv_ops_call(struct pv_domain *d, int nr, uint64_t cmd, void *arg, size_t size)
{
    struct kvm_regs r = {.rdi = cmd, .rsi = PV_OPS_SCRATCH};
    struct pv_iret_frame f = {.rip = MICA_IMAGE_BASE, .cs = PV_SEL_UCODE, .rflags = 0x202,
                              .rsp = 0x80000, .ss = PV_SEL_UDATA};
    uint64_t deadline;
    memcpy(d->ram.host + PV_OPS_SCRATCH, arg, size);
    pv_hypercall(&d->vcpus[0], nr, &r, &f, &deadline);
    memcpy(arg, d->ram.host + PV_OPS_SCRATCH, size);
    return (long)r.rax;
}

/* The two domains each test of these ops starts with (cmocka setup and
 * teardown), and a domain's id as its guest names it. */
static struct pv_domain *a, *b;

static inline int ops_setup_pair(void **state)
{
    (void)state;
    a = testbed_domain(2);
    b = testbed_domain(2);
    return 0;
}

static inline int ops_teardown_pair(void **state)
{
    (void)state;
    pv_domain_destroy(a);
    pv_domain_destroy(b);
    return 0;
}

static inline mica_domid_t id(struct pv_domain *d) { return (mica_domid_t)d->id; }

#define pv_event_op(d, cmd, s) pv_ops_call((d), MICA_HC_EVENT_OP, (cmd), (s), sizeof *(s))
#define pv_grant_op(d, cmd, s) pv_ops_call((d), MICA_HC_GRANT_OP, (cmd), (s), sizeof *(s))

/* The common ops, returning the port (or ref) or -MICA_E*. */
static inline long ops_alloc_unbound(struct pv_domain *d, mica_domid_t remote)
{
    struct mica_evtchn_alloc_unbound a = {.remote_dom = remote};
    long rc = pv_event_op(d, MICA_EVTCHNOP_ALLOC_UNBOUND, &a);
    return rc < 0 ? rc : (long)a.port;
}

static inline long ops_bind_interdomain(struct pv_domain *d, mica_domid_t remote, mica_port_t port)
{
    struct mica_evtchn_bind_interdomain b = {.remote_dom = remote, .remote_port = port};
    long rc = pv_event_op(d, MICA_EVTCHNOP_BIND_INTERDOMAIN, &b);
    return rc < 0 ? rc : (long)b.local_port;
}

static inline long ops_port(struct pv_domain *d, enum mica_evtchnop cmd, mica_port_t port)
{
    struct mica_evtchn_port p = {.port = port};
    return pv_event_op(d, cmd, &p);
}

static inline struct mica_evtchn_status ops_status(struct pv_domain *d, mica_port_t port)
{
    struct mica_evtchn_status s = {.port = port};
    long rc = pv_event_op(d, MICA_EVTCHNOP_STATUS, &s);
    if (rc < 0)
        s.state = 0xdead;
    return s;
}

static inline long ops_bind_virq_balloon(struct pv_domain *d)
{
    struct mica_evtchn_bind_virq b = {.virq = MICA_VIRQ_BALLOON};
    long rc = pv_event_op(d, MICA_EVTCHNOP_BIND_VIRQ, &b);
    return rc < 0 ? rc : (long)b.port;
}

static inline long ops_grant(struct pv_domain *d, mica_domid_t to, uint64_t frame, uint32_t flags)
{
    struct mica_gnttab_grant g = {.domid = to, .frame = frame, .flags = flags};
    long rc = pv_grant_op(d, MICA_GNTTABOP_GRANT, &g);
    return rc < 0 ? rc : (long)g.ref;
}

static inline long ops_revoke(struct pv_domain *d, mica_grant_ref_t ref)
{
    struct mica_gnttab_revoke r = {.ref = ref};
    return pv_grant_op(d, MICA_GNTTABOP_REVOKE, &r);
}

/* The guest d copies len bytes between its own buf and granter's ref. */
static inline long ops_copy(struct pv_domain *d, mica_domid_t granter, mica_grant_ref_t ref,
                            uint32_t offset, uint32_t len, mica_gva_t buf, uint32_t flags)
{
    struct mica_gnttab_copy c = {.ref = ref, .domid = granter, .offset = offset, .len = len,
                                 .buf = buf, .flags = flags};
    return pv_grant_op(d, MICA_GNTTABOP_COPY, &c);
}

#endif
