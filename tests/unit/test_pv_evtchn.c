/* Event channels on domains without KVM: every op's happy path and its
 * hostile inputs, interdomain channels between two domains, the fixed
 * ports as virtual IRQs, mask/unmask/pending, one wake for many ports. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <unistd.h>

#include "pv/domain_table.h"
#include "support/pv_ops.h"

static bool pending(struct pv_domain *d, mica_port_t p)
{
    return *mica_evtchn_word(d->shared, 0, p) & MICA_PORT_BIT(p);
}

static uint64_t wakes(struct pv_domain *d) { return d->vcpus[0].stats.wakes; }

static enum pv_outcome block(struct pv_domain *d, uint64_t ports)
{
    struct kvm_regs r = {.rdi = 0, .rsi = ports};
    struct pv_iret_frame f = {0};
    uint64_t deadline;
    return pv_hypercall(&d->vcpus[0], MICA_HC_BLOCK, &r, &f, &deadline);
}

static void fixed_ports_are_virqs(void **state)
{
    (void)state;
    struct mica_evtchn_status s = ops_status(a, MICA_EVT_CONSOLE);
    assert_int_equal(s.state, MICA_EVTCHN_VIRQ);
    assert_int_equal(s.virq, MICA_VIRQ_CONSOLE);
    s = ops_status(a, MICA_EVT_TIMER);
    assert_int_equal(s.state, MICA_EVTCHN_VIRQ);
    assert_int_equal(s.virq, MICA_VIRQ_TIMER);
    pv_evtchn_raise_virq(a, MICA_VIRQ_TIMER);
    assert_true(pending(a, MICA_EVT_TIMER));
    assert_true(ops_status(a, MICA_EVT_TIMER).pending);
    /* Bound already; then closed and bound again: an ordinary port. */
    struct mica_evtchn_bind_virq bv = {.virq = MICA_VIRQ_TIMER};
    assert_int_equal(pv_event_op(a, MICA_EVTCHNOP_BIND_VIRQ, &bv), -MICA_EEXIST);
    assert_int_equal(ops_port(a, MICA_EVTCHNOP_CLOSE, MICA_EVT_TIMER), 0);
    assert_false(pending(a, MICA_EVT_TIMER)); /* closing clears it */
    pv_evtchn_raise_virq(a, MICA_VIRQ_TIMER); /* bound nowhere: nothing */
    assert_false(pending(a, MICA_EVT_TIMER));
    assert_int_equal(pv_event_op(a, MICA_EVTCHNOP_BIND_VIRQ, &bv), 0);
    assert_int_equal(bv.port, MICA_EVT_TIMER); /* the lowest free port */
    bv.virq = MICA_VIRQS;
    assert_int_equal(pv_event_op(a, MICA_EVTCHNOP_BIND_VIRQ, &bv), -MICA_EINVAL);
    bv.virq = UINT32_MAX;
    assert_int_equal(pv_event_op(a, MICA_EVTCHNOP_BIND_VIRQ, &bv), -MICA_EINVAL);
    /* A virq port is not sent on. */
    assert_int_equal(ops_port(a, MICA_EVTCHNOP_SEND, MICA_EVT_CONSOLE), -MICA_EINVAL);
}

static void virq_moves_with_its_port(void **state)
{
    (void)state;
    long p = ops_alloc_unbound(a, id(b)); /* port 2 taken, so the virq goes above */
    assert_int_equal(p, 2);
    assert_int_equal(ops_port(a, MICA_EVTCHNOP_CLOSE, MICA_EVT_CONSOLE), 0);
    assert_int_equal(ops_port(a, MICA_EVTCHNOP_CLOSE, MICA_EVT_TIMER), 0);
    assert_int_equal(ops_alloc_unbound(a, id(b)), 0);
    assert_int_equal(ops_alloc_unbound(a, id(b)), 1);
    struct mica_evtchn_bind_virq bv = {.virq = MICA_VIRQ_CONSOLE};
    assert_int_equal(pv_event_op(a, MICA_EVTCHNOP_BIND_VIRQ, &bv), 0);
    assert_int_equal(bv.port, 3);
    pv_evtchn_raise_virq(a, MICA_VIRQ_CONSOLE);
    assert_true(pending(a, 3));
    assert_false(pending(a, MICA_EVT_CONSOLE));
}

static void ports_run_out_at_1024(void **state)
{
    (void)state;
    unsigned got = 2; /* the fixed ports */
    long p;
    while ((p = ops_alloc_unbound(a, MICA_DOMID_SELF)) >= 0) {
        assert_int_equal(p, got);
        got++;
        assert_true(got <= MICA_EVTCHN_PORTS);
    }
    assert_int_equal(p, -MICA_ENOSPC); /* the 1,025th */
    assert_int_equal(got, MICA_EVTCHN_PORTS);
    struct mica_evtchn_bind_virq bv = {.virq = MICA_VIRQ_CONSOLE};
    assert_int_equal(ops_port(a, MICA_EVTCHNOP_CLOSE, 0), 0);
    assert_int_equal(ops_alloc_unbound(a, id(b)), 0); /* freed, reused */
    assert_int_equal(ops_bind_interdomain(a, MICA_DOMID_SELF, 700), -MICA_ENOSPC);
    assert_int_equal(pv_event_op(a, MICA_EVTCHNOP_BIND_VIRQ, &bv), -MICA_ENOSPC);
    assert_int_equal(ops_status(a, 1023).state, MICA_EVTCHN_UNBOUND);
}

static void hostile_ports_and_pointers(void **state)
{
    (void)state;
    static const mica_port_t bad[] = {MICA_EVTCHN_PORTS, MICA_EVTCHN_PORTS + 1, UINT32_MAX, 77};
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(ops_port(a, MICA_EVTCHNOP_SEND, bad[i]), -MICA_EINVAL);
        assert_int_equal(ops_port(a, MICA_EVTCHNOP_MASK, bad[i]), -MICA_EINVAL);
        assert_int_equal(ops_port(a, MICA_EVTCHNOP_UNMASK, bad[i]), -MICA_EINVAL);
        assert_int_equal(ops_port(a, MICA_EVTCHNOP_CLOSE, bad[i]), -MICA_EINVAL);
    }
    assert_int_equal(ops_status(a, UINT32_MAX).state, 0xdead);
    assert_int_equal(ops_status(a, 77).state, MICA_EVTCHN_CLOSED); /* in range, closed */
    /* Double close. */
    long p = ops_alloc_unbound(a, id(b));
    assert_int_equal(ops_port(a, MICA_EVTCHNOP_CLOSE, (mica_port_t)p), 0);
    assert_int_equal(ops_port(a, MICA_EVTCHNOP_CLOSE, (mica_port_t)p), -MICA_EINVAL);
    /* Unknown commands, unmapped and read-only structs. */
    struct mica_evtchn_port pp = {0};
    assert_int_equal(pv_event_op(a, MICA_EVTCHNOP_COUNT, &pp), -MICA_EINVAL);
    assert_int_equal(pv_event_op(a, UINT64_MAX, &pp), -MICA_EINVAL);
    struct kvm_regs r = {.rdi = MICA_EVTCHNOP_ALLOC_UNBOUND, .rsi = 0};
    struct pv_iret_frame f = {0};
    uint64_t deadline;
    pv_hypercall(&a->vcpus[0], MICA_HC_EVENT_OP, &r, &f, &deadline);
    assert_int_equal((int64_t)r.rax, -MICA_EFAULT);
    r = (struct kvm_regs){.rdi = MICA_EVTCHNOP_ALLOC_UNBOUND, .rsi = pv_special_va(PV_PG_START_INFO)};
    pv_hypercall(&a->vcpus[0], MICA_HC_EVENT_OP, &r, &f, &deadline);
    assert_int_equal((int64_t)r.rax, -MICA_EFAULT); /* OUT field not writable: nothing done */
    assert_int_equal(ops_status(a, (mica_port_t)p).state, MICA_EVTCHN_CLOSED);
    r = (struct kvm_regs){.rdi = MICA_EVTCHNOP_SEND, .rsi = PV_HV_VA};
    pv_hypercall(&a->vcpus[0], MICA_HC_EVENT_OP, &r, &f, &deadline);
    assert_int_equal((int64_t)r.rax, -MICA_EFAULT);
    /* Unknown domains. */
    assert_int_equal(ops_alloc_unbound(a, 9999), -MICA_ESRCH);
    assert_int_equal(ops_alloc_unbound(a, PV_DOMAINS_MAX), -MICA_ESRCH);
    assert_int_equal(ops_bind_interdomain(a, 9999, 0), -MICA_ESRCH);
    assert_int_equal(ops_bind_interdomain(a, MICA_DOMID_MICA, 0), -MICA_EINVAL);
}

static void interdomain_channel(void **state)
{
    (void)state;
    long pa = ops_alloc_unbound(a, id(b));
    assert_true(pa >= 2);
    struct mica_evtchn_status s = ops_status(a, (mica_port_t)pa);
    assert_int_equal(s.state, MICA_EVTCHN_UNBOUND);
    assert_int_equal(s.remote_dom, id(b));
    assert_int_equal(ops_port(a, MICA_EVTCHNOP_SEND, (mica_port_t)pa), 0); /* nobody yet: dropped */
    long pb = ops_bind_interdomain(b, id(a), (mica_port_t)pa);
    assert_true(pb >= 2);
    s = ops_status(b, (mica_port_t)pb);
    assert_int_equal(s.state, MICA_EVTCHN_INTERDOMAIN);
    assert_int_equal(s.remote_dom, id(a));
    assert_int_equal(s.remote_port, pa);
    s = ops_status(a, (mica_port_t)pa);
    assert_int_equal(s.state, MICA_EVTCHN_INTERDOMAIN);
    assert_int_equal(s.remote_port, pb);
    assert_int_equal(ops_port(a, MICA_EVTCHNOP_SEND, (mica_port_t)pa), 0);
    assert_true(pending(b, (mica_port_t)pb));
    assert_false(pending(a, (mica_port_t)pa));
    assert_int_equal(ops_port(b, MICA_EVTCHNOP_SEND, (mica_port_t)pb), 0);
    assert_true(pending(a, (mica_port_t)pa));
    /* Bound once only; a's port is not b's to send on. */
    assert_int_equal(ops_bind_interdomain(b, id(a), (mica_port_t)pa), -MICA_EINVAL);
    assert_int_equal(ops_port(a, MICA_EVTCHNOP_SEND, 900), -MICA_EINVAL);
    /* Closing one end leaves the other unbound, waiting for a new peer. */
    assert_int_equal(ops_port(a, MICA_EVTCHNOP_CLOSE, (mica_port_t)pa), 0);
    s = ops_status(b, (mica_port_t)pb);
    assert_int_equal(s.state, MICA_EVTCHN_UNBOUND);
    assert_int_equal(s.remote_dom, id(a));
    assert_int_equal(ops_port(b, MICA_EVTCHNOP_SEND, (mica_port_t)pb), 0);
    long again = ops_bind_interdomain(a, id(b), (mica_port_t)pb);
    assert_true(again >= 0);
    assert_int_equal(ops_status(b, (mica_port_t)pb).remote_port, again);
}

static void ports_of_other_domains_are_not_yours(void **state)
{
    (void)state;
    struct pv_domain *c = testbed_domain(2);
    long pa = ops_alloc_unbound(a, id(b)); /* for b, not for c */
    assert_int_equal(ops_bind_interdomain(c, id(a), (mica_port_t)pa), -MICA_EINVAL);
    assert_int_equal(ops_bind_interdomain(c, id(a), MICA_EVT_CONSOLE), -MICA_EINVAL); /* a virq */
    assert_int_equal(ops_bind_interdomain(c, id(a), 500), -MICA_EINVAL);            /* closed */
    assert_int_equal(ops_bind_interdomain(c, id(a), UINT32_MAX), -MICA_EINVAL);
    long pc = ops_alloc_unbound(c, id(a));
    long pac = ops_bind_interdomain(a, id(c), (mica_port_t)pc);
    assert_true(pac >= 0);
    /* c dies: a's end falls back to unbound, and c is gone for binding. */
    mica_domid_t cid = id(c);
    pv_domain_destroy(c);
    assert_int_equal(ops_status(a, (mica_port_t)pac).state, MICA_EVTCHN_UNBOUND);
    assert_int_equal(ops_port(a, MICA_EVTCHNOP_SEND, (mica_port_t)pac), 0);
    assert_int_equal(ops_bind_interdomain(a, cid, (mica_port_t)pc), -MICA_ESRCH);
    assert_int_equal(ops_alloc_unbound(a, cid), -MICA_ESRCH);
}

static void loopback_channel(void **state)
{
    (void)state;
    long p = ops_alloc_unbound(a, MICA_DOMID_SELF);
    assert_int_equal(ops_status(a, (mica_port_t)p).remote_dom, id(a));
    long q = ops_bind_interdomain(a, MICA_DOMID_SELF, (mica_port_t)p);
    assert_true(q >= 0 && q != p);
    assert_int_equal(ops_port(a, MICA_EVTCHNOP_SEND, (mica_port_t)q), 0);
    assert_true(pending(a, (mica_port_t)p));
    assert_false(pending(a, (mica_port_t)q));
}

static void mask_unmask_pending(void **state)
{
    (void)state;
    long pa = ops_alloc_unbound(a, id(b));
    long pb = ops_bind_interdomain(b, id(a), (mica_port_t)pa);
    assert_int_equal(ops_port(b, MICA_EVTCHNOP_MASK, (mica_port_t)pb), 0);
    assert_true(ops_status(b, (mica_port_t)pb).masked);
    assert_int_equal(block(b, 0), PV_BLOCK);
    uint64_t w = wakes(b);
    assert_int_equal(ops_port(a, MICA_EVTCHNOP_SEND, (mica_port_t)pa), 0);
    assert_true(pending(b, (mica_port_t)pb)); /* pending, but masked: */
    assert_int_equal(wakes(b), w);            /* no wake */
    assert_int_equal(block(b, 0), PV_BLOCK);
    assert_int_equal(ops_port(b, MICA_EVTCHNOP_UNMASK, (mica_port_t)pb), 0);
    assert_int_equal(wakes(b), w + 1); /* the unmask delivers the wake it missed */
    assert_false(ops_status(b, (mica_port_t)pb).masked);
    assert_int_equal(block(b, 0), PV_RESUME);
    /* Unmasking a port that is not pending wakes nobody. */
    __atomic_and_fetch(mica_evtchn_word(b->shared, 0, (mica_port_t)pb), ~MICA_PORT_BIT(pb),
                       __ATOMIC_SEQ_CST);
    assert_int_equal(block(b, 0), PV_BLOCK);
    w = wakes(b);
    assert_int_equal(ops_port(b, MICA_EVTCHNOP_MASK, (mica_port_t)pb), 0);
    assert_int_equal(ops_port(b, MICA_EVTCHNOP_UNMASK, (mica_port_t)pb), 0);
    assert_int_equal(wakes(b), w);
    /* A closed port cannot be masked. */
    assert_int_equal(ops_port(b, MICA_EVTCHNOP_MASK, 600), -MICA_EINVAL);
}

static uint64_t drain_wake_fd(struct pv_domain *d)
{
    uint64_t n = 0;
    (void)!read(d->vcpus[0].wake_fd, &n, sizeof n);
    return n;
}

static void one_wake_for_many_ports(void **state)
{
    (void)state;
    enum { CHANNELS = 100 }; /* across the first and the added words */
    mica_port_t pa[CHANNELS], pb[CHANNELS];
    for (int i = 0; i < CHANNELS; i++) {
        pa[i] = (mica_port_t)ops_alloc_unbound(a, id(b));
        pb[i] = (mica_port_t)ops_bind_interdomain(b, id(a), pa[i]);
    }
    drain_wake_fd(b);
    assert_int_equal(block(b, 0), PV_BLOCK);
    uint64_t w = wakes(b);
    for (int i = 0; i < CHANNELS; i++)
        assert_int_equal(ops_port(a, MICA_EVTCHNOP_SEND, pa[i]), 0);
    for (int i = 0; i < CHANNELS; i++)
        assert_true(pending(b, pb[i]));
    assert_int_equal(wakes(b), w + 1);
    assert_int_equal(drain_wake_fd(b), 1);
    assert_int_equal(block(b, 0), PV_RESUME);
    /* Sending again to pending ports is no news: no wake. */
    assert_int_equal(ops_port(a, MICA_EVTCHNOP_SEND, pa[5]), 0);
    assert_int_equal(wakes(b), w + 1);
}

static void block_any_covers_every_port(void **state)
{
    (void)state;
    mica_port_t high = 0;
    for (int i = 0; i < 200; i++)
        high = (mica_port_t)ops_alloc_unbound(a, MICA_DOMID_SELF);
    assert_true(high >= 128);
    long q = ops_bind_interdomain(a, MICA_DOMID_SELF, high);
    assert_int_equal(block(a, 0), PV_BLOCK);
    assert_int_equal(ops_port(a, MICA_EVTCHNOP_SEND, (mica_port_t)q), 0);
    assert_true(pending(a, high));
    assert_int_equal(block(a, MICA_PORT_BIT(MICA_EVT_TIMER)), PV_BLOCK); /* a mask: ports 0-63 */
    assert_int_equal(block(a, 0), PV_RESUME);
    assert_int_equal(block(a, ~0ull), PV_RESUME);
    assert_int_equal(ops_port(a, MICA_EVTCHNOP_MASK, high), 0);
    assert_int_equal(block(a, 0), PV_BLOCK);
}

static int backend_heard;
static mica_port_t backend_port;
static void backend_hears(void *ctx, mica_port_t port)
{
    (void)ctx;
    backend_heard++;
    backend_port = port;
}

static void backend_end_of_a_channel(void **state)
{
    (void)state;
    long p = ops_alloc_unbound(a, MICA_DOMID_MICA);
    long other = ops_alloc_unbound(a, id(b));
    assert_int_equal(pv_evtchn_bind_backend(a, (mica_port_t)other, backend_hears, NULL), -MICA_EINVAL);
    assert_int_equal(pv_evtchn_bind_backend(a, 5000, backend_hears, NULL), -MICA_EINVAL);
    assert_int_equal(pv_evtchn_backend_send(a, (mica_port_t)p), -MICA_EINVAL); /* not bound yet */
    assert_int_equal(pv_evtchn_bind_backend(a, (mica_port_t)p, backend_hears, NULL), 0);
    assert_int_equal(pv_evtchn_bind_backend(a, (mica_port_t)p, backend_hears, NULL), -MICA_EINVAL);
    struct mica_evtchn_status s = ops_status(a, (mica_port_t)p);
    assert_int_equal(s.state, MICA_EVTCHN_INTERDOMAIN);
    assert_int_equal(s.remote_dom, MICA_DOMID_MICA);
    backend_heard = 0;
    assert_int_equal(ops_port(a, MICA_EVTCHNOP_SEND, (mica_port_t)p), 0);
    assert_int_equal(backend_heard, 1);
    assert_int_equal(backend_port, p);
    assert_int_equal(pv_evtchn_backend_send(a, (mica_port_t)p), 0);
    assert_true(pending(a, (mica_port_t)p));
    assert_int_equal(ops_port(a, MICA_EVTCHNOP_CLOSE, (mica_port_t)p), 0);
    assert_int_equal(pv_evtchn_backend_send(a, (mica_port_t)p), -MICA_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(fixed_ports_are_virqs, ops_setup_pair, ops_teardown_pair),
        cmocka_unit_test_setup_teardown(virq_moves_with_its_port, ops_setup_pair, ops_teardown_pair),
        cmocka_unit_test_setup_teardown(ports_run_out_at_1024, ops_setup_pair, ops_teardown_pair),
        cmocka_unit_test_setup_teardown(hostile_ports_and_pointers, ops_setup_pair, ops_teardown_pair),
        cmocka_unit_test_setup_teardown(interdomain_channel, ops_setup_pair, ops_teardown_pair),
        cmocka_unit_test_setup_teardown(ports_of_other_domains_are_not_yours, ops_setup_pair, ops_teardown_pair),
        cmocka_unit_test_setup_teardown(loopback_channel, ops_setup_pair, ops_teardown_pair),
        cmocka_unit_test_setup_teardown(mask_unmask_pending, ops_setup_pair, ops_teardown_pair),
        cmocka_unit_test_setup_teardown(one_wake_for_many_ports, ops_setup_pair, ops_teardown_pair),
        cmocka_unit_test_setup_teardown(block_any_covers_every_port, ops_setup_pair, ops_teardown_pair),
        cmocka_unit_test_setup_teardown(backend_end_of_a_channel, ops_setup_pair, ops_teardown_pair),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
