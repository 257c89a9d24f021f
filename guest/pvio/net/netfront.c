/* netfront: the guest's side of a VIF (mica/net.h). */
#include "mica/net.h"

#include "mica/kit.h"
#include "mica/string.h"

#define TX 0 /* ring indices, as mica/io/device.h orders them */
#define RX 1

static void kick(struct mica_netif *n, unsigned ring)
{
    if (mica_front_ring_push(&n->conn.ring[ring]))
        mica_evtchn_send(n->conn.port);
}

static void post_rx(struct mica_netif *n, uint16_t slot)
{
    union mica_net_rx_entry e = {.req = {.id = slot, .gref = n->rx_ref[slot]}};
    mica_front_ring_put(&n->conn.ring[RX], &e);
}

/* A page granted to mica (read-only or not); 0 or -MICA_E*. */
static long grant_page(uint8_t **page, mica_grant_ref_t *ref, int readonly)
{
    *page = mica_page_alloc();
    if (!*page)
        return -MICA_ENOSPC;
    long r = mica_gnttab_grant(MICA_DOMID_MICA, mica_page_frame(*page), readonly);
    if (r < 0)
        return r;
    *ref = (mica_grant_ref_t)r;
    return 0;
}

static long grant_buffers(struct mica_netif *n)
{
    for (unsigned i = 0; i < MICA_NET_TX_SLOTS; i++) {
        long rc = grant_page(&n->tx_page[i], &n->tx_ref[i], 1);
        if (rc < 0)
            return rc;
    }
    for (unsigned i = 0; i < MICA_NET_RX_SLOTS; i++) {
        long rc = grant_page(&n->rx_page[i], &n->rx_ref[i], 0);
        if (rc < 0)
            return rc;
    }
    return 0;
}

long mica_net_open(struct mica_netif *n, unsigned nth)
{
    memset(n, 0, sizeof *n);
    int index = mica_device_find(MICA_DEVICE_NET, nth);
    if (index < 0)
        return -MICA_EINVAL;
    const struct mica_device_info *info = &mica_start->devices[index];
    for (int i = 0; i < 6; i++)
        n->mac[i] = (uint8_t)(info->info[0] >> (8 * i));
    n->mtu = (uint32_t)info->info[1];
    n->ip = (uint32_t)info->info[2];
    long rc = grant_buffers(n); /* pages are the guest's for good: no undo needed */
    if (rc < 0)
        return rc;
    static const uint32_t entry[2] = {MICA_NET_TX_RING_ENTRY, MICA_NET_RX_RING_ENTRY};
    rc = mica_device_connect(&n->conn, (unsigned)index, 2, entry);
    if (rc < 0)
        return rc;
    for (uint16_t i = 0; i < MICA_NET_RX_SLOTS; i++)
        post_rx(n, i);
    kick(n, RX);
    return 0;
}

/* Takes transmit responses: their slots are free again. */
static void reap_tx(struct mica_netif *n)
{
    struct mica_front_ring *r = &n->conn.ring[TX];
    while (mica_front_ring_responses(r)) {
        union mica_net_tx_entry e;
        mica_front_ring_take(r, &e);
        if (e.rsp.id < MICA_NET_TX_SLOTS)
            n->tx_busy[e.rsp.id] = 0;
        if (e.rsp.status == MICA_NET_OK)
            n->tx_frames++;
        else if (e.rsp.status == MICA_NET_DROPPED)
            n->tx_dropped++;
        else
            n->tx_errors++;
    }
}

static int free_tx_slot(struct mica_netif *n)
{
    for (int i = 0; i < MICA_NET_TX_SLOTS; i++)
        if (!n->tx_busy[i])
            return i;
    return -1;
}

/* Sleeps until the VIF's port fires or the deadline passes. */
static void wait_port(struct mica_netif *n, uint64_t deadline_ns)
{
    mica_port_t p = n->conn.port;
    mica_block_on(deadline_ns, p < MICA_EVENT_PORTS ? MICA_PORT_BIT(p) : 0);
}

long mica_net_send(struct mica_netif *n, const void *frame, size_t len)
{
    if (len < MICA_NET_FRAME_MIN || len > MICA_NET_FRAME_MAX)
        return -MICA_EINVAL;
    uint64_t deadline = mica_time_monotonic() + 1000000000ull;
    int slot;
    for (;;) {
        mica_evtchn_take(n->conn.port);
        reap_tx(n);
        if ((slot = free_tx_slot(n)) >= 0)
            break;
        mica_front_ring_final_check(&n->conn.ring[TX]);
        if (mica_time_monotonic() >= deadline)
            return -MICA_EAGAIN;
        wait_port(n, deadline);
    }
    memcpy(n->tx_page[slot], frame, len);
    n->tx_busy[slot] = 1;
    union mica_net_tx_entry e = {.req = {.gref = n->tx_ref[slot], .offset = 0,
                                         .size = (uint16_t)len, .id = (uint16_t)slot}};
    mica_front_ring_put(&n->conn.ring[TX], &e);
    kick(n, TX);
    return 0;
}

/* The next filled receive buffer copied into buf (its length), reposted;
 * -1 when none is waiting. */
static long take_rx(struct mica_netif *n, void *buf, size_t cap)
{
    struct mica_front_ring *r = &n->conn.ring[RX];
    if (!mica_front_ring_responses(r))
        return -1;
    union mica_net_rx_entry e;
    mica_front_ring_take(r, &e);
    uint16_t slot = e.rsp.id < MICA_NET_RX_SLOTS ? e.rsp.id : 0;
    long len = 0;
    if (e.rsp.status > 0 && (uint32_t)e.rsp.offset + (uint32_t)e.rsp.status <= MICA_PAGE_SIZE) {
        len = e.rsp.status < (long)cap ? e.rsp.status : (long)cap;
        memcpy(buf, n->rx_page[slot] + e.rsp.offset, (size_t)len);
        n->rx_frames++;
    } else {
        n->rx_errors++;
    }
    post_rx(n, slot);
    kick(n, RX);
    return len;
}

long mica_net_recv(struct mica_netif *n, void *buf, size_t cap, uint64_t deadline_ns)
{
    for (;;) {
        mica_evtchn_take(n->conn.port);
        reap_tx(n);
        long len = take_rx(n, buf, cap);
        if (len > 0)
            return len;
        if (len == 0)
            continue; /* an error response: its buffer is posted again */
        if (mica_front_ring_final_check(&n->conn.ring[RX]))
            continue;
        if (mica_time_monotonic() >= deadline_ns)
            return 0;
        wait_port(n, deadline_ns);
    }
}

void mica_net_close(struct mica_netif *n)
{
    mica_device_disconnect(&n->conn);
    for (unsigned i = 0; i < MICA_NET_TX_SLOTS; i++)
        mica_gnttab_revoke(n->tx_ref[i]);
    for (unsigned i = 0; i < MICA_NET_RX_SLOTS; i++)
        mica_gnttab_revoke(n->rx_ref[i]);
}
