/* Ring devices on domains without KVM: the connect handshake of
 * mica/io/device.h with every way a guest can get it wrong, the rings of
 * mica/io/ring.h driven from both ends (and lied to by the front end), and
 * teardown with a device still connected. The back end here is a fake that
 * echoes each request back as its response. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "mica/io/device.h"
#include "mica/io/ring.h"
#include "support/pv_ops.h"

#define RING_FRAME 0x150u
#define RING_GPA ((uint64_t)RING_FRAME * PV_PAGE)
#define ENTRY 16u

struct echo_backend {
    struct pvio_backend base;
    struct pvio_connect conn;
    struct mica_back_ring ring;
    int connects, disconnects, detaches, notifies, corrupt;
    int refuse; /* connect fails */
};

static int echo_connect(struct pvio_backend *b, const struct pvio_connect *c, char *err,
                        size_t errlen)
{
    struct echo_backend *e = (struct echo_backend *)b;
    if (e->refuse) {
        snprintf(err, errlen, "echo: refused");
        return -1;
    }
    e->conn = *c;
    mica_back_ring_attach(&e->ring, c->ring[0], ENTRY);
    e->connects++;
    return 0;
}

/* Serves every request, bounded by the ring: echo it back. */
static void echo_notify(struct pvio_backend *b)
{
    struct echo_backend *e = (struct echo_backend *)b;
    e->notifies++;
    int64_t n = mica_back_ring_pending(&e->ring);
    if (n < 0) {
        e->corrupt++;
        return;
    }
    for (int64_t i = 0; i < n; i++) {
        uint8_t req[ENTRY];
        mica_back_ring_take(&e->ring, req);
        mica_back_ring_put(&e->ring, req);
    }
    if (mica_back_ring_push(&e->ring))
        e->conn.dom_ops->notify_guest(e->conn.dom, e->conn.port);
}

static void echo_disconnect(struct pvio_backend *b) { ((struct echo_backend *)b)->disconnects++; }
static void echo_detach(struct pvio_backend *b) { ((struct echo_backend *)b)->detaches++; }

static const struct pvio_backend_ops echo_ops = {
    .name = "echo", .notify = echo_notify, .detach = echo_detach,
    .connect = echo_connect, .disconnect = echo_disconnect,
};

static struct echo_backend echo;

static void add_echo(struct pv_domain *d)
{
    echo = (struct echo_backend){.base.ops = &echo_ops};
    struct mica_device_info info = {.type = MICA_DEVICE_BLOCK, .info = {1234}};
    char err[256];
    assert_int_equal(pv_device_add(d, &info, &echo.base, 1, err, sizeof err), 0);
}

static long devop(struct pv_domain *d, uint32_t dev, mica_port_t port, mica_grant_ref_t ring)
{
    struct mica_devop_connect c = {.device = dev, .port = port, .ring = {ring}};
    return pv_ops_call(d, MICA_HC_DEVICE_OP, MICA_DEVOP_CONNECT, &c, sizeof c);
}

static long disconnect(struct pv_domain *d, uint32_t dev)
{
    struct mica_devop_disconnect c = {.device = dev};
    return pv_ops_call(d, MICA_HC_DEVICE_OP, MICA_DEVOP_DISCONNECT, &c, sizeof c);
}

static void device_is_described_in_start_info(void **state)
{
    (void)state;
    add_echo(a);
    assert_int_equal(a->start_info->device_count, 1);
    assert_int_equal(a->start_info->devices[0].type, MICA_DEVICE_BLOCK);
    assert_int_equal(a->start_info->devices[0].info[0], 1234);
}

static void the_table_has_a_limit(void **state)
{
    (void)state;
    static struct echo_backend many[MICA_DEVICES_MAX + 1];
    struct mica_device_info info = {.type = MICA_DEVICE_NET};
    char err[256];
    for (unsigned i = 0; i < MICA_DEVICES_MAX; i++) {
        many[i] = (struct echo_backend){.base.ops = &echo_ops};
        assert_int_equal(pv_device_add(a, &info, &many[i].base, 2, err, sizeof err), 0);
    }
    many[MICA_DEVICES_MAX] = (struct echo_backend){.base.ops = &echo_ops};
    assert_int_equal(pv_device_add(a, &info, &many[MICA_DEVICES_MAX].base, 1, err, sizeof err), -1);
    assert_non_null(strstr(err, "more than"));
    pv_domain_destroy(a);
    a = testbed_domain(2);
    for (unsigned i = 0; i < MICA_DEVICES_MAX; i++)
        assert_int_equal(many[i].detaches, 1);
}

static void hostile_connects_hold_nothing(void **state)
{
    (void)state;
    add_echo(a);
    long port = ops_alloc_unbound(a, MICA_DOMID_MICA);
    long other_port = ops_alloc_unbound(a, id(b));
    long ring = ops_grant(a, MICA_DOMID_MICA, RING_FRAME, 0);
    long ro_ring = ops_grant(a, MICA_DOMID_MICA, RING_FRAME, MICA_GNT_READONLY);
    long b_ring = ops_grant(a, id(b), RING_FRAME, 0);
    assert_int_equal(devop(a, 1, (mica_port_t)port, (mica_grant_ref_t)ring), -MICA_EINVAL);
    assert_int_equal(devop(a, 0xffffffffu, (mica_port_t)port, (mica_grant_ref_t)ring), -MICA_EINVAL);
    assert_int_equal(devop(a, 0, (mica_port_t)other_port, (mica_grant_ref_t)ring), -MICA_EINVAL);
    assert_int_equal(devop(a, 0, 5000, (mica_grant_ref_t)ring), -MICA_EINVAL);
    assert_int_equal(devop(a, 0, (mica_port_t)port, (mica_grant_ref_t)ro_ring), -MICA_EINVAL);
    assert_int_equal(devop(a, 0, (mica_port_t)port, (mica_grant_ref_t)b_ring), -MICA_EINVAL);
    assert_int_equal(devop(a, 0, (mica_port_t)port, 99999), -MICA_EINVAL);
    assert_int_equal(disconnect(a, 0), -MICA_EINVAL); /* not connected */
    assert_int_equal(pv_ops_call(a, MICA_HC_DEVICE_OP, 77, &port, sizeof port), -MICA_ENOSYS);
    struct kvm_regs r = {.rdi = MICA_DEVOP_CONNECT, .rsi = 0x10}; /* unmapped struct */
    struct pv_iret_frame f = {.cs = PV_SEL_UCODE, .ss = PV_SEL_UDATA, .rsp = 0x80000};
    uint64_t deadline;
    pv_hypercall(&a->vcpus[0], MICA_HC_DEVICE_OP, &r, &f, &deadline);
    assert_int_equal((long)r.rax, -MICA_EFAULT);
    assert_int_equal(echo.connects, 0);
    /* Nothing was held: every grant revokes, the port is still unbound. */
    assert_int_equal(ops_revoke(a, (mica_grant_ref_t)ring), 0);
    assert_int_equal(ops_revoke(a, (mica_grant_ref_t)ro_ring), 0);
    assert_int_equal(ops_status(a, (mica_port_t)port).state, MICA_EVTCHN_UNBOUND);
}

static void a_back_end_that_refuses_leaves_nothing_bound(void **state)
{
    (void)state;
    add_echo(a);
    echo.refuse = 1;
    long port = ops_alloc_unbound(a, MICA_DOMID_MICA);
    long ring = ops_grant(a, MICA_DOMID_MICA, RING_FRAME, 0);
    assert_int_equal(devop(a, 0, (mica_port_t)port, (mica_grant_ref_t)ring), -MICA_EIO);
    assert_int_equal(ops_status(a, (mica_port_t)port).state, MICA_EVTCHN_UNBOUND);
    assert_int_equal(ops_revoke(a, (mica_grant_ref_t)ring), 0);
}

/* The guest's side of the echo ring, as a front end would drive it. */
static struct mica_front_ring front;

static void connect_echo(struct pv_domain *d, long *port, long *ring)
{
    add_echo(d);
    memset(d->ram.host + RING_GPA, 0, PV_PAGE);
    mica_front_ring_init(&front, (struct mica_sring *)(d->ram.host + RING_GPA), ENTRY);
    *port = ops_alloc_unbound(d, MICA_DOMID_MICA);
    *ring = ops_grant(d, MICA_DOMID_MICA, RING_FRAME, 0);
    assert_int_equal(devop(d, 0, (mica_port_t)*port, (mica_grant_ref_t)*ring), 0);
    assert_int_equal(echo.connects, 1);
    assert_ptr_equal(echo.conn.ring[0], d->ram.host + RING_GPA);
}

static void connected_rings_carry_requests_both_ways(void **state)
{
    (void)state;
    long port, ring;
    connect_echo(a, &port, &ring);
    assert_int_equal(devop(a, 0, (mica_port_t)port, (mica_grant_ref_t)ring), -MICA_EEXIST);
    assert_int_equal(ops_revoke(a, (mica_grant_ref_t)ring), -MICA_EBUSY); /* held */
    uint32_t nr = mica_sring_entries(ENTRY);
    assert_int_equal(nr, 128);
    assert_int_equal(mica_front_ring_free(&front), nr);
    for (uint32_t i = 0; i < 3 * nr; i++) { /* wraps the ring three times */
        uint8_t req[ENTRY] = {(uint8_t)i, (uint8_t)(i >> 8)};
        mica_front_ring_put(&front, req);
        int kick = mica_front_ring_push(&front);
        if (kick) /* the guest sends on its port: the back end hears it */
            assert_int_equal(ops_port(a, MICA_EVTCHNOP_SEND, (mica_port_t)port), 0);
        else
            echo_notify(&echo.base);
        assert_int_equal(mica_front_ring_responses(&front), 1);
        uint8_t rsp[ENTRY];
        mica_front_ring_take(&front, rsp);
        assert_memory_equal(rsp, req, ENTRY);
        mica_back_ring_final_check(&echo.ring);
        mica_front_ring_final_check(&front);
    }
    assert_true(echo.notifies >= (int)(3 * nr));
    assert_int_equal(echo.corrupt, 0);
    assert_int_equal(disconnect(a, 0), 0);
    assert_int_equal(echo.disconnects, 1);
    assert_int_equal(ops_revoke(a, (mica_grant_ref_t)ring), 0); /* released */
    assert_int_equal(ops_status(a, (mica_port_t)port).state, MICA_EVTCHN_UNBOUND);
    assert_int_equal(disconnect(a, 0), -MICA_EINVAL);
}

static void a_lying_front_end_is_caught(void **state)
{
    (void)state;
    long port, ring;
    connect_echo(a, &port, &ring);
    struct mica_sring *s = (struct mica_sring *)(a->ram.host + RING_GPA);
    s->req_prod = 1000; /* claims more requests than the ring holds */
    echo_notify(&echo.base);
    assert_int_equal(echo.corrupt, 1);
    assert_int_equal(echo.ring.req_cons, 0);
    s->req_prod = 0xfffffff0u; /* "negative": also more than the ring */
    echo_notify(&echo.base);
    assert_int_equal(echo.corrupt, 2);
    /* A full ring of requests: served, at most one ring's worth per pass.
     * A front end that queues more before taking the responses overwrites
     * its own responses: its loss, never more than a ring per pass. */
    s->req_prod = mica_sring_entries(ENTRY);
    echo_notify(&echo.base);
    assert_int_equal(echo.ring.rsp_prod_pvt, mica_sring_entries(ENTRY));
    s->req_prod = 3 * mica_sring_entries(ENTRY);
    assert_int_equal(mica_back_ring_pending(&echo.ring), -1);
    s->req_prod = 2 * mica_sring_entries(ENTRY);
    assert_int_equal(mica_back_ring_pending(&echo.ring), mica_sring_entries(ENTRY));
}

static void a_domain_torn_down_while_connected_lets_go(void **state)
{
    (void)state;
    long port, ring;
    connect_echo(a, &port, &ring);
    pv_domain_destroy(a);
    a = testbed_domain(2);
    assert_int_equal(echo.disconnects, 1);
    assert_int_equal(echo.detaches, 1);
}

static void entries_per_page(void **state)
{
    (void)state;
    assert_int_equal(mica_sring_entries(112), 32);
    assert_int_equal(mica_sring_entries(8), 256);
    assert_int_equal(mica_sring_entries(4032), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(device_is_described_in_start_info, ops_setup_pair, ops_teardown_pair),
        cmocka_unit_test_setup_teardown(the_table_has_a_limit, ops_setup_pair, ops_teardown_pair),
        cmocka_unit_test_setup_teardown(hostile_connects_hold_nothing, ops_setup_pair, ops_teardown_pair),
        cmocka_unit_test_setup_teardown(a_back_end_that_refuses_leaves_nothing_bound, ops_setup_pair, ops_teardown_pair),
        cmocka_unit_test_setup_teardown(connected_rings_carry_requests_both_ways, ops_setup_pair, ops_teardown_pair),
        cmocka_unit_test_setup_teardown(a_lying_front_end_is_caught, ops_setup_pair, ops_teardown_pair),
        cmocka_unit_test_setup_teardown(a_domain_torn_down_while_connected_lets_go, ops_setup_pair, ops_teardown_pair),
        cmocka_unit_test(entries_per_page),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
