/*
 * Ring devices: the connect handshake. Everything the guest passes (device
 * index, port, ring references) is checked before anything is bound, and a
 * failed connect leaves nothing held.
 */
#include "pv/device.h"

#include <stdio.h>
#include <string.h>

#include "pv/domain.h"
#include "pv/guest_copy.h"

/* ---- what a back end may ask of the domain (struct pvio_domain_ops) ---- */

static int dom_grant_copy(void *dom, mica_grant_ref_t ref, uint32_t offset, void *buf,
                          size_t len, bool to_grant)
{
    return pv_gnttab_copy(dom, ref, offset, buf, len, to_grant);
}
static int dom_grant_hold(void *dom, mica_grant_ref_t ref, bool write)
{
    return pv_gnttab_hold(dom, ref, write);
}
static void dom_grant_release(void *dom, mica_grant_ref_t ref) { pv_gnttab_release(dom, ref); }
static void dom_notify_guest(void *dom, mica_port_t port) { pv_evtchn_backend_send(dom, port); }

static const struct pvio_domain_ops domain_services = {
    .grant_copy = dom_grant_copy,
    .grant_hold = dom_grant_hold,
    .grant_release = dom_grant_release,
    .notify_guest = dom_notify_guest,
};

/* The guest sent on the device's port (from its vCPU thread). */
static void port_heard(void *ctx, mica_port_t port)
{
    (void)port;
    struct pv_device *dev = ctx;
    pvio_notify(dev->backend);
}

int pv_device_add(struct pv_domain *d, const struct mica_device_info *info,
                  struct pvio_backend *backend, unsigned rings, char *err, size_t errlen)
{
    struct pv_devices *t = &d->devices;
    if (t->count == MICA_DEVICES_MAX) {
        snprintf(err, errlen, "guest %s: more than %u devices", d->name, MICA_DEVICES_MAX);
        return -1;
    }
    if (rings < 1 || rings > MICA_DEVICE_RINGS || !backend->ops->connect) {
        snprintf(err, errlen, "guest %s: device %u: not a ring device", d->name, t->count);
        return -1;
    }
    t->dev[t->count] = (struct pv_device){.backend = backend, .dom = d, .rings = rings};
    d->start_info->devices[t->count] = *info;
    d->start_info->device_count = ++t->count;
    return 0;
}

/* ---- connect ---------------------------------------------------------------- */

static void release_rings(struct pv_domain *d, const mica_grant_ref_t *ring, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        pv_gnttab_release(d, ring[i]);
}

/* Holds each ring grant (read-write, to mica) and finds its page. */
static int hold_rings(struct pv_domain *d, const struct mica_devop_connect *a, unsigned rings,
                      void **view)
{
    for (unsigned i = 0; i < rings; i++) {
        uint64_t frame;
        int rc = pv_gnttab_hold_frame(d, a->ring[i], true, &frame);
        if (rc < 0) {
            release_rings(d, a->ring, i);
            return -MICA_EINVAL;
        }
        view[i] = guest_mem_ptr(&d->ram, frame * PV_PAGE, PV_PAGE);
    }
    return 0;
}

static int connect_device(struct pv_domain *d, const struct mica_devop_connect *a)
{
    if (a->device >= d->devices.count)
        return -MICA_EINVAL;
    struct pv_device *dev = &d->devices.dev[a->device];
    if (dev->connected)
        return -MICA_EEXIST;
    struct pvio_connect c = {.domain_name = d->name, .rings = dev->rings, .port = a->port,
                             .dom_ops = &domain_services, .dom = d};
    if (hold_rings(d, a, dev->rings, c.ring) < 0)
        return -MICA_EINVAL;
    if (pv_evtchn_bind_backend(d, a->port, port_heard, dev) < 0) {
        release_rings(d, a->ring, dev->rings);
        return -MICA_EINVAL;
    }
    char err[256];
    if (pvio_connect(dev->backend, &c, err, sizeof err) < 0) {
        pv_evtchn_unbind_backend(d, a->port, dev);
        release_rings(d, a->ring, dev->rings);
        fprintf(stderr, "mica: %s\n", err);
        return -MICA_EIO;
    }
    dev->connected = true;
    dev->port = a->port;
    memcpy(dev->ring, a->ring, sizeof dev->ring);
    return 0;
}

static void disconnect_device(struct pv_domain *d, struct pv_device *dev)
{
    pvio_disconnect(dev->backend);
    pv_evtchn_unbind_backend(d, dev->port, dev);
    release_rings(d, dev->ring, dev->rings);
    dev->connected = false;
}

int pv_device_op(struct pv_domain *d, uint64_t cmd, mica_gva_t arg)
{
    if (cmd == MICA_DEVOP_CONNECT) {
        struct mica_devop_connect a;
        if (pv_copy_from_guest(&d->mmu, &a, arg, sizeof a) < 0)
            return -MICA_EFAULT;
        return connect_device(d, &a);
    }
    if (cmd == MICA_DEVOP_DISCONNECT) {
        struct mica_devop_disconnect a;
        if (pv_copy_from_guest(&d->mmu, &a, arg, sizeof a) < 0)
            return -MICA_EFAULT;
        if (a.device >= d->devices.count || !d->devices.dev[a.device].connected)
            return -MICA_EINVAL;
        disconnect_device(d, &d->devices.dev[a.device]);
        return 0;
    }
    return -MICA_ENOSYS;
}

void pv_device_remove_all(struct pv_domain *d)
{
    struct pv_devices *t = &d->devices;
    while (t->count) {
        struct pv_device *dev = &t->dev[--t->count];
        if (dev->connected)
            disconnect_device(d, dev);
        pvio_detach(dev->backend);
    }
}
