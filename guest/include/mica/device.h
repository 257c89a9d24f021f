/*
 * Ring devices, guest side (the contract is mica/io/device.h): finding a
 * device mica described in start_info and connecting a front end to it.
 * The device's own protocol (block, network) is in its driver under
 * guest/pvio/, mirroring its back end under src/pvio/.
 */
#ifndef MICA_GUEST_DEVICE_H
#define MICA_GUEST_DEVICE_H

#include <stdint.h>

#include "mica/abi.h"
#include "mica/io/device.h"
#include "mica/io/ring.h"

/* The start_info index of the nth (0 = first) device of a type, or -1. */
int mica_device_find(enum mica_device_type type, unsigned nth);

/* A connected device: its rings (front ends of them), port and grants. */
struct mica_device_conn {
    unsigned index;
    unsigned rings;
    mica_port_t port;
    mica_grant_ref_t ref[MICA_DEVICE_RINGS];
    struct mica_front_ring ring[MICA_DEVICE_RINGS];
};

/* Connects device index with `rings` rings of entry_size[i]-byte entries:
 * allocates and lays out the ring pages, grants them and a port to mica,
 * and makes the hypercall. 0, or -MICA_E* with everything undone. */
long mica_device_connect(struct mica_device_conn *c, unsigned index, unsigned rings,
                         const uint32_t entry_size[]);

/* Disconnects (the back end finishes what is in flight first) and takes
 * back the ring grants and the port: 0 or -MICA_E*. */
long mica_device_disconnect(struct mica_device_conn *c);

/* One zeroed, page-aligned page of RAM for rings and buffers, and its
 * guest-physical frame number (RAM is identity-mapped), or NULL. */
void *mica_page_alloc(void);
uint64_t mica_page_frame(const void *page);

#endif
