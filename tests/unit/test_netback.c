/* The VIF back end on a KVM-less domain (tests/support/pv_testbed.h), its
 * link one end of a SOCK_SEQPACKET socketpair that the test holds the
 * other end of: frames both ways through granted pages, every way a guest
 * can get a request wrong, a lying req_prod, floods bounded per pass, a
 * full link, drops counted; then the same with the I/O thread. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mica/io/netif.h"
#include "pvio/net/netback.h"
#include "support/frames.h"
#include "support/pv_ops.h"

#define TX_RING_FRAME 0x150u
#define RX_RING_FRAME 0x151u
#define DATA_FRAME 0x160u /* data pages from here up */
#define GPA(frame) ((uint64_t)(frame) * PV_PAGE)

static struct netback nb;
static int peer = -1; /* the switch's end of the link */
static long port;
static struct mica_front_ring tx, rx;

static void add_vif(bool threaded)
{
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, sv), 0);
    peer = sv[1];
    char err[256];
    assert_int_equal(netback_init(&nb, sv[0], "guest testbed: vif0", threaded, err, sizeof err), 0);
    struct mica_device_info info = {.type = MICA_DEVICE_NET, .info = {0x0a0000000002ull, 1500}};
    assert_int_equal(pv_device_add(a, &info, &nb.base, 2, err, sizeof err), 0);
}

static void connect_vif(bool threaded)
{
    add_vif(threaded);
    memset(a->ram.host + GPA(TX_RING_FRAME), 0, 2 * PV_PAGE);
    mica_front_ring_init(&tx, (struct mica_sring *)(a->ram.host + GPA(TX_RING_FRAME)),
                         MICA_NET_TX_RING_ENTRY);
    mica_front_ring_init(&rx, (struct mica_sring *)(a->ram.host + GPA(RX_RING_FRAME)),
                         MICA_NET_RX_RING_ENTRY);
    port = ops_alloc_unbound(a, MICA_DOMID_MICA);
    long t = ops_grant(a, MICA_DOMID_MICA, TX_RING_FRAME, 0);
    long r = ops_grant(a, MICA_DOMID_MICA, RX_RING_FRAME, 0);
    struct mica_devop_connect c = {.device = 0, .port = (mica_port_t)port,
                                   .ring = {(mica_grant_ref_t)t, (mica_grant_ref_t)r}};
    assert_int_equal(pv_ops_call(a, MICA_HC_DEVICE_OP, MICA_DEVOP_CONNECT, &c, sizeof c), 0);
}

static int setup(void **state)
{
    ops_setup_pair(state);
    connect_vif(false);
    return 0;
}

static int teardown(void **state)
{
    ops_teardown_pair(state); /* disconnects and detaches the VIF */
    close(peer);
    return 0;
}

/* A granted data page holding a frame of len bytes at offset. */
static long data_grant(unsigned i, uint32_t flags)
{
    return ops_grant(a, MICA_DOMID_MICA, DATA_FRAME + i, flags);
}

static void queue_tx(long gref, uint16_t offset, uint16_t size, uint16_t id)
{
    union mica_net_tx_entry e = {.req = {.gref = (mica_grant_ref_t)gref, .offset = offset,
                                         .size = size, .id = id}};
    mica_front_ring_put(&tx, &e);
}

static struct mica_net_tx_response take_tx(void)
{
    union mica_net_tx_entry e;
    assert_true(mica_front_ring_responses(&tx) > 0);
    mica_front_ring_take(&tx, &e);
    return e.rsp;
}

static void frames_go_out(void **state)
{
    (void)state;
    uint8_t *page = a->ram.host + GPA(DATA_FRAME);
    size_t n = frame_udp(page + 100, mac_b, mac_a, IP_A, IP_B, 1, 7);
    long g = data_grant(0, MICA_GNT_READONLY);
    queue_tx(g, 100, (uint16_t)n, 42);
    mica_front_ring_push(&tx);
    assert_false(netback_pass(&nb));
    struct mica_net_tx_response r = take_tx();
    assert_int_equal(r.id, 42);
    assert_int_equal(r.status, MICA_NET_OK);
    uint8_t got[2048];
    assert_int_equal(read(peer, got, sizeof got), (ssize_t)n);
    assert_memory_equal(got, page + 100, n);
    assert_int_equal(nb.c.tx_frames, 1);
    /* the largest frame, at the end of its page */
    queue_tx(g, PV_PAGE - MICA_NET_FRAME_MAX, MICA_NET_FRAME_MAX, 43);
    mica_front_ring_push(&tx);
    netback_pass(&nb);
    assert_int_equal(take_tx().status, MICA_NET_OK);
    assert_int_equal(read(peer, got, sizeof got), MICA_NET_FRAME_MAX);
}

static void bad_tx_requests_get_errors(void **state)
{
    (void)state;
    long g = data_grant(0, MICA_GNT_READONLY);
    long other = ops_grant(a, id(b), DATA_FRAME, 0); /* granted to another domain */
    long revoked = data_grant(1, 0);
    assert_int_equal(ops_revoke(a, (mica_grant_ref_t)revoked), 0);
    queue_tx(g, 0, MICA_NET_FRAME_MIN - 1, 1);          /* shorter than a header */
    queue_tx(g, 0, MICA_NET_FRAME_MAX + 1, 2);          /* longer than the MTU   */
    queue_tx(g, 0, 0xffff, 3);
    queue_tx(g, PV_PAGE - 59, 60, 4);                   /* crosses the page end  */
    queue_tx(g, 0xffff, 60, 5);
    queue_tx(99999, 0, 60, 6);                          /* no such grant         */
    queue_tx(other, 0, 60, 7);
    queue_tx(revoked, 0, 60, 8);
    mica_front_ring_push(&tx);
    netback_pass(&nb);
    for (uint16_t i = 1; i <= 8; i++) {
        struct mica_net_tx_response r = take_tx();
        assert_int_equal(r.id, i);
        assert_int_equal(r.status, MICA_NET_ERROR);
    }
    assert_int_equal(nb.c.tx_errors, 8);
    uint8_t got[64];
    assert_int_equal(read(peer, got, sizeof got), -1); /* nothing went out */
    assert_int_equal(errno, EAGAIN);
}

static void post_rx(long gref, uint16_t id)
{
    union mica_net_rx_entry e = {.req = {.id = id, .gref = (mica_grant_ref_t)gref}};
    mica_front_ring_put(&rx, &e);
}

static struct mica_net_rx_response take_rx(void)
{
    union mica_net_rx_entry e;
    assert_true(mica_front_ring_responses(&rx) > 0);
    mica_front_ring_take(&rx, &e);
    return e.rsp;
}

static void frames_come_in_to_posted_buffers(void **state)
{
    (void)state;
    post_rx(data_grant(2, 0), 7);
    post_rx(data_grant(3, MICA_GNT_READONLY), 8); /* mica cannot write it */
    post_rx(data_grant(4, 0), 9);
    mica_front_ring_push(&rx);
    uint8_t f[256];
    size_t n = frame_udp(f, mac_a, mac_b, IP_B, IP_A, 7, 1);
    uint8_t runt[10] = {0}, giant[2000] = {0};
    assert_int_equal(write(peer, runt, sizeof runt), sizeof runt); /* dropped: too short */
    assert_int_equal(write(peer, giant, sizeof giant), sizeof giant); /* dropped: too long */
    for (int i = 0; i < 4; i++)
        assert_int_equal(write(peer, f, n), (ssize_t)n);
    assert_false(netback_pass(&nb));
    struct mica_net_rx_response r = take_rx();
    assert_int_equal(r.id, 7);
    assert_int_equal(r.status, (int)n);
    assert_int_equal(r.offset, 0);
    assert_memory_equal(a->ram.host + GPA(DATA_FRAME + 2), f, n);
    r = take_rx();
    assert_int_equal(r.id, 8);
    assert_int_equal(r.status, MICA_NET_ERROR);
    r = take_rx();
    assert_int_equal(r.id, 9);
    assert_int_equal(r.status, (int)n);
    assert_int_equal(mica_front_ring_responses(&rx), 0);
    assert_int_equal(nb.c.rx_frames, 2);
    assert_int_equal(nb.c.rx_errors, 3);    /* runt, giant, read-only buffer */
    assert_int_equal(nb.c.rx_no_buffer, 1); /* the fourth frame */
}

static void a_lying_req_prod_stops_the_ring(void **state)
{
    (void)state;
    struct mica_sring *s = (struct mica_sring *)(a->ram.host + GPA(TX_RING_FRAME));
    s->req_prod = 1000;
    assert_false(netback_pass(&nb));
    assert_int_equal(nb.c.ring_corrupt, 1);
    assert_true(nb.broken);
    s->req_prod = 1;
    assert_false(netback_pass(&nb)); /* no longer served */
    assert_int_equal(nb.c.ring_corrupt, 1);
    assert_int_equal(nb.tx.req_cons, 0);
}

static void a_lying_rx_ring_too(void **state)
{
    (void)state;
    struct mica_sring *s = (struct mica_sring *)(a->ram.host + GPA(RX_RING_FRAME));
    s->req_prod = 0x80000000u;
    uint8_t f[64];
    size_t n = frame_arp(f, mac_b, 1, IP_B, IP_A);
    assert_int_equal(write(peer, f, n), (ssize_t)n);
    netback_pass(&nb);
    assert_int_equal(nb.c.ring_corrupt, 1);
}

static void floods_are_bounded_per_pass(void **state)
{
    (void)state;
    uint8_t *page = a->ram.host + GPA(DATA_FRAME);
    size_t n = frame_udp(page, mac_b, mac_a, IP_A, IP_B, 1, 7);
    long g = data_grant(0, MICA_GNT_READONLY);
    uint32_t slots = mica_front_ring_free(&tx);
    assert_true(slots > NETBACK_BUDGET);
    for (uint32_t i = 0; i < slots; i++)
        queue_tx(g, 0, (uint16_t)n, (uint16_t)i);
    mica_front_ring_push(&tx);
    assert_true(netback_pass(&nb)); /* work left */
    assert_int_equal(nb.c.tx_frames + nb.c.tx_dropped, NETBACK_BUDGET);
    while (netback_pass(&nb))
        ;
    assert_int_equal(nb.c.tx_frames + nb.c.tx_dropped, slots);
    /* incoming: more frames than a pass takes, and no buffers */
    int sent = 0;
    uint8_t f[64];
    size_t m = frame_arp(f, mac_b, 1, IP_B, IP_A);
    while (sent < 3 * NETBACK_BUDGET && write(peer, f, m) == (ssize_t)m)
        sent++;
    assert_true(sent > NETBACK_BUDGET);
    netback_pass(&nb);
    assert_int_equal(nb.c.rx_no_buffer, NETBACK_BUDGET);
}

static void a_full_link_drops(void **state)
{
    (void)state;
    uint8_t *page = a->ram.host + GPA(DATA_FRAME);
    size_t n = frame_udp(page, mac_b, mac_a, IP_A, IP_B, 1, 7);
    long g = data_grant(0, MICA_GNT_READONLY);
    int dropped = 0;
    for (int round = 0; round < 200 && !dropped; round++) { /* the peer never reads */
        for (int i = 0; i < NETBACK_BUDGET; i++)
            queue_tx(g, 0, (uint16_t)n, (uint16_t)i);
        mica_front_ring_push(&tx);
        netback_pass(&nb);
        while (mica_front_ring_responses(&tx))
            dropped += take_tx().status == MICA_NET_DROPPED;
    }
    assert_true(dropped > 0);
    assert_int_equal(nb.c.tx_dropped, (uint64_t)dropped);
}

static void a_closed_link_drops(void **state)
{
    (void)state;
    close(peer);
    peer = -1;
    uint8_t *page = a->ram.host + GPA(DATA_FRAME);
    size_t n = frame_udp(page, mac_b, mac_a, IP_A, IP_B, 1, 7);
    queue_tx(data_grant(0, 0), 0, (uint16_t)n, 1);
    mica_front_ring_push(&tx);
    netback_pass(&nb);
    assert_int_equal(take_tx().status, MICA_NET_DROPPED); /* and no SIGPIPE */
    netback_pass(&nb);
    assert_false(nb.link_open);
}

/* ---- with the I/O thread ---------------------------------------------------- */

static int setup_threaded(void **state)
{
    ops_setup_pair(state);
    connect_vif(true);
    return 0;
}

static bool wait_readable(int fd)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    return poll(&p, 1, 10000) == 1; /* a bound, not a timing assertion */
}

static void the_io_thread_serves_kicks_and_frames(void **state)
{
    (void)state;
    uint8_t *page = a->ram.host + GPA(DATA_FRAME);
    size_t n = frame_icmp_echo(page, mac_b, mac_a, IP_A, IP_B);
    queue_tx(data_grant(0, 0), 0, (uint16_t)n, 5);
    if (mica_front_ring_push(&tx))
        assert_int_equal(ops_port(a, MICA_EVTCHNOP_SEND, (mica_port_t)port), 0);
    assert_true(wait_readable(peer));
    uint8_t got[2048];
    assert_int_equal(read(peer, got, sizeof got), (ssize_t)n);
    /* a frame in: the thread fills the posted buffer and raises the port */
    post_rx(data_grant(1, 0), 3);
    mica_front_ring_push(&rx);
    assert_int_equal(write(peer, got, n), (ssize_t)n);
    for (int i = 0; i < 10000 && !mica_front_ring_responses(&rx); i++)
        usleep(1000);
    assert_int_equal(take_rx().status, (int)n);
    assert_true(ops_status(a, (mica_port_t)port).pending);
    /* disconnect joins the thread; connect again starts another */
    struct mica_devop_disconnect d = {.device = 0};
    assert_int_equal(pv_ops_call(a, MICA_HC_DEVICE_OP, MICA_DEVOP_DISCONNECT, &d, sizeof d), 0);
    assert_false(nb.thread_running);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(frames_go_out, setup, teardown),
        cmocka_unit_test_setup_teardown(bad_tx_requests_get_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(frames_come_in_to_posted_buffers, setup, teardown),
        cmocka_unit_test_setup_teardown(a_lying_req_prod_stops_the_ring, setup, teardown),
        cmocka_unit_test_setup_teardown(a_lying_rx_ring_too, setup, teardown),
        cmocka_unit_test_setup_teardown(floods_are_bounded_per_pass, setup, teardown),
        cmocka_unit_test_setup_teardown(a_full_link_drops, setup, teardown),
        cmocka_unit_test_setup_teardown(a_closed_link_drops, setup, teardown),
        cmocka_unit_test_setup_teardown(the_io_thread_serves_kicks_and_frames, setup_threaded, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
