/*
 * The PV network interface (virtual network interface, VIF), version 1,
 * after Xen's public/io/netif.h: two request/response rings
 * (mica/io/ring.h) in two granted pages, connected with MICA_DEVOP_CONNECT
 * (ring[0] = transmit, ring[1] = receive). Frames are Ethernet II without
 * the frame check sequence, at most MICA_NET_FRAME_MAX bytes.
 *
 * start_info.devices[i] for a VIF: type MICA_DEVICE_NET, info[0] = its MAC
 * address (the low 48 bits, first octet in the low byte), info[1] = MTU,
 * info[2] = the IPv4 address the virtual firewall-router lets it send from
 * (host byte order; 0 = none: the VIF may send no IPv4 and no ARP).
 *
 * Transmit: the guest puts a frame in one frame it granted to
 * MICA_DOMID_MICA (at least read-only) and queues a tx request naming
 * [offset, offset + size) of it; the response (same id) says it left
 * (MICA_NET_OK: handed to the VIF's link), or why not: MICA_NET_ERROR for
 * a malformed request or bad grant, MICA_NET_DROPPED when the link had no
 * room or is gone. The virtual firewall-router runs in the switch behind
 * the link (docs/network.md): what it drops (spoofed, denied, malformed)
 * was already answered MICA_NET_OK and is counted there, as a real
 * switch drops frames a NIC sent.
 * Receive: the guest posts empty buffers, each a whole frame it granted
 * read-write, as rx requests; mica fills one per arriving frame and answers
 * with where the frame starts and its length. With no buffer posted,
 * arriving frames are dropped (and counted), as a NIC drops them.
 */
#ifndef MICA_IO_NETIF_H
#define MICA_IO_NETIF_H

#include <stddef.h>
#include <stdint.h>

#include "mica/grant.h"
#include "mica/io/ring.h"

#define MICA_NET_MTU 1500u
#define MICA_NET_FRAME_MAX 1514u /* Ethernet header + MTU, no FCS */
#define MICA_NET_FRAME_MIN 14u   /* an Ethernet header            */

/* statuses in responses */
#define MICA_NET_OK 0
#define MICA_NET_ERROR (-1)   /* malformed request or bad grant         */
#define MICA_NET_DROPPED (-2) /* refused by the virtual firewall-router */

struct mica_net_tx_request {
    mica_grant_ref_t gref;
    uint16_t offset; /* offset + size <= MICA_PAGE_SIZE */
    uint16_t size;   /* MICA_NET_FRAME_MIN .. MICA_NET_FRAME_MAX */
    uint16_t id;
    uint16_t reserved0;
    uint32_t reserved1;
};
struct mica_net_tx_response {
    uint16_t id;
    int16_t status;
    uint32_t reserved;
};
union mica_net_tx_entry {
    struct mica_net_tx_request req;
    struct mica_net_tx_response rsp;
};

struct mica_net_rx_request {
    uint16_t id;
    uint16_t reserved;
    mica_grant_ref_t gref; /* a whole frame, granted read-write */
};
struct mica_net_rx_response {
    uint16_t id;
    uint16_t offset; /* where the frame starts in the buffer */
    int16_t status;  /* > 0: the frame's length; else MICA_NET_ERROR */
    uint16_t reserved;
};
union mica_net_rx_entry {
    struct mica_net_rx_request req;
    struct mica_net_rx_response rsp;
};
#define MICA_NET_TX_RING_ENTRY sizeof(union mica_net_tx_entry)
#define MICA_NET_RX_RING_ENTRY sizeof(union mica_net_rx_entry)

_Static_assert(offsetof(struct mica_net_tx_request, offset) == 4, "net_tx_request.offset");
_Static_assert(offsetof(struct mica_net_tx_request, size) == 6, "net_tx_request.size");
_Static_assert(offsetof(struct mica_net_tx_request, id) == 8, "net_tx_request.id");
_Static_assert(sizeof(struct mica_net_tx_request) == 16, "net_tx_request size");
_Static_assert(offsetof(struct mica_net_tx_response, status) == 2, "net_tx_response.status");
_Static_assert(sizeof(union mica_net_tx_entry) == 16, "net tx ring entry size");
_Static_assert(offsetof(struct mica_net_rx_request, gref) == 4, "net_rx_request.gref");
_Static_assert(offsetof(struct mica_net_rx_response, offset) == 2, "net_rx_response.offset");
_Static_assert(offsetof(struct mica_net_rx_response, status) == 4, "net_rx_response.status");
_Static_assert(sizeof(union mica_net_rx_entry) == 8, "net rx ring entry size");

#endif
