/*
 * The network front end, netfront (contract: mica/io/netif.h; back end:
 * src/pvio/net/): a guest's virtual network interface. Opening it connects
 * the device, grants MICA_NET_TX_SLOTS transmit pages read-only and
 * MICA_NET_RX_SLOTS receive pages read-write to mica, and posts the
 * receive pages; sending copies a frame into a free transmit page;
 * receiving takes the next filled page and posts it again.
 */
#ifndef MICA_GUEST_NET_H
#define MICA_GUEST_NET_H

#include <stddef.h>
#include <stdint.h>

#include "mica/device.h"
#include "mica/io/netif.h"

#define MICA_NET_TX_SLOTS 16
#define MICA_NET_RX_SLOTS 32

struct mica_netif {
    struct mica_device_conn conn;
    uint8_t mac[6];
    uint32_t ip;  /* what the VFR lets this VIF send from (0: none) */
    uint32_t mtu;
    uint8_t *tx_page[MICA_NET_TX_SLOTS];
    mica_grant_ref_t tx_ref[MICA_NET_TX_SLOTS];
    uint8_t tx_busy[MICA_NET_TX_SLOTS];
    uint8_t *rx_page[MICA_NET_RX_SLOTS];
    mica_grant_ref_t rx_ref[MICA_NET_RX_SLOTS];
    /* counters */
    uint64_t tx_frames, tx_errors, tx_dropped, rx_frames, rx_errors;
};

/* Opens the nth (0 = first) VIF mica gave this guest: 0, or -MICA_E*
 * (-MICA_ENODEV... -MICA_EINVAL when there is none). */
long mica_net_open(struct mica_netif *n, unsigned nth);

/* Queues one frame (MICA_NET_FRAME_MIN .. MICA_NET_FRAME_MAX bytes),
 * waiting up to a second for a free transmit slot: 0 or -MICA_E*. The
 * frame's fate (sent, dropped by the link) shows in the counters. */
long mica_net_send(struct mica_netif *n, const void *frame, size_t len);

/* Waits until deadline_ns (mica_time_monotonic) for a frame: its length
 * (copied into buf, at most cap bytes), or 0 when none came. */
long mica_net_recv(struct mica_netif *n, void *buf, size_t cap, uint64_t deadline_ns);

/* Disconnects (mica finishes what is in flight) and takes the grants back. */
void mica_net_close(struct mica_netif *n);

#endif
