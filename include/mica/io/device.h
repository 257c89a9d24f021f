/*
 * Connecting a PV device, version 1 (the part of Xen's xenbus handshake a
 * guest needs): mica describes the domain's devices in start_info.devices
 * (mica/abi.h); to use device i, the front end
 *   1. allocates its ring page(s) in its own RAM, zeroes them and lays them
 *      out (mica_front_ring_init, mica/io/ring.h),
 *   2. grants each ring page read-write to MICA_DOMID_MICA (mica/grant.h),
 *   3. allocates an unbound event port for MICA_DOMID_MICA (mica/event.h),
 *   4. calls MICA_HC_DEVICE_OP(MICA_DEVOP_CONNECT, &connect).
 * From then on the back end holds the ring grants (they cannot be revoked
 * until MICA_DEVOP_DISCONNECT), serves requests when the front end sends on
 * the port, and sends on it when responses are ready. Data pages travel by
 * grant reference inside requests (the back end copies through the grant).
 *
 *   MICA_HC_DEVICE_OP(cmd = MICA_DEVOP_*, struct pointer) -> 0 or -MICA_E*
 *
 * Errors: -MICA_EINVAL for a device index past device_count, a port that is
 * not unbound for MICA_DOMID_MICA, or a ring reference that is not a
 * read-write grant to MICA_DOMID_MICA; -MICA_EEXIST when the device is
 * connected already (disconnect first); -MICA_EIO when the back end cannot
 * serve it (mica says why on its log); -MICA_ENOSYS for an unknown cmd.
 */
#ifndef MICA_IO_DEVICE_H
#define MICA_IO_DEVICE_H

#include <stddef.h>
#include <stdint.h>

#include "mica/abi.h"
#include "mica/event.h"
#include "mica/grant.h"

enum mica_devop {
    MICA_DEVOP_CONNECT = 0,    /* struct mica_devop_connect    */
    MICA_DEVOP_DISCONNECT = 1, /* struct mica_devop_disconnect */
    MICA_DEVOP_COUNT
};

#define MICA_DEVICE_RINGS 2 /* block: ring[0]; net: ring[0] tx, ring[1] rx */

struct mica_devop_connect {
    uint32_t device;                          /* IN: index in start_info.devices */
    mica_port_t port;                         /* IN: unbound for MICA_DOMID_MICA */
    mica_grant_ref_t ring[MICA_DEVICE_RINGS]; /* IN: unused ones are ignored    */
};

/* Stops the back end (requests in flight finish first) and releases the
 * ring grants and the port binding. -MICA_EINVAL when not connected. */
struct mica_devop_disconnect {
    uint32_t device; /* IN */
};

_Static_assert(offsetof(struct mica_devop_connect, port) == 4, "devop_connect.port");
_Static_assert(offsetof(struct mica_devop_connect, ring) == 8, "devop_connect.ring");
_Static_assert(sizeof(struct mica_devop_connect) == 16, "devop_connect size");
_Static_assert(sizeof(struct mica_devop_disconnect) == 4, "devop_disconnect size");

#endif
