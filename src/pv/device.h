/*
 * The ring devices of a PV domain (block, network: the contract is
 * include/mica/io/device.h): mica adds each with its back end before the
 * guest starts, describing it in start_info.devices; the guest's front end
 * connects it with MICA_HC_DEVICE_OP, handing over ring pages it granted
 * and a port it allocated; the domain checks both, holds the grants, binds
 * the port to the back end and gives the back end host views of the rings.
 */
#ifndef MICA_PV_DEVICE_H
#define MICA_PV_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mica/io/device.h"
#include "pvio/pvio.h"

struct pv_domain;

struct pv_device {
    struct pvio_backend *backend; /* a ring back end (ops->connect set) */
    struct pv_domain *dom;
    unsigned rings;               /* ring pages its protocol uses        */
    bool connected;
    mica_port_t port;
    mica_grant_ref_t ring[MICA_DEVICE_RINGS];
};

struct pv_devices {
    unsigned count;
    struct pv_device dev[MICA_DEVICES_MAX];
};

/* Adds a device before the guest runs: info goes to start_info.devices,
 * the back end serves its rings (rings of them, 1 .. MICA_DEVICE_RINGS)
 * once connected and is detached with the domain. -1 with one line in err
 * when the table is full. */
int pv_device_add(struct pv_domain *d, const struct mica_device_info *info,
                  struct pvio_backend *backend, unsigned rings, char *err, size_t errlen);

/* MICA_HC_DEVICE_OP: cmd on the struct at guest address arg; 0 or -MICA_E*. */
int pv_device_op(struct pv_domain *d, uint64_t cmd, mica_gva_t arg);

/* Disconnects and detaches every device (the domain is going away). */
void pv_device_remove_all(struct pv_domain *d);

#endif
