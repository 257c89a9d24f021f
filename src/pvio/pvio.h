/*
 * PV device back ends, behind one ops table (as Xen's back ends, or
 * Firecracker's devices with their persist code): a domain attaches each
 * back end to the shared pages and event port of its device, hands it every
 * doorbell kick as a generic notify, and can save and restore its state.
 * A back end knows nothing of domains: what it needs from one comes in
 * struct pvio_attach. The contracts with the guest are in include/mica/io/.
 */
#ifndef MICA_PVIO_H
#define MICA_PVIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mica/abi.h"
#include "mica/grant.h"
#include "mica/io/device.h"

struct pvio_backend;

/* What a domain gives a back end it attaches. */
struct pvio_attach {
    const char *domain_name; /* for its messages */
    void *shared;            /* the device's shared pages, host view */
    size_t shared_len;
    mica_port_t port;        /* the device's event port */
};

/* What a ring device's back end may ask of the domain whose front end
 * connected it (so it still knows nothing of domains). Callable from any
 * thread while connected. */
struct pvio_domain_ops {
    /* Grant copy: len bytes between buf and [offset, offset + len) of the
     * frame granted as ref; to_grant writes the frame. 0 or -MICA_E*. */
    int (*grant_copy)(void *dom, mica_grant_ref_t ref, uint32_t offset, void *buf, size_t len,
                      bool to_grant);
    /* Holds a grant while a request that uses it is in flight (the guest
     * cannot revoke it meanwhile): 0 or -MICA_E*; release gives it back. */
    int (*grant_hold)(void *dom, mica_grant_ref_t ref, bool write);
    void (*grant_release)(void *dom, mica_grant_ref_t ref);
    /* Sends on the device's port: the front end hears of new responses. */
    void (*notify_guest)(void *dom, mica_port_t port);
};

/* A front end connected (MICA_DEVOP_CONNECT, mica/io/device.h): its ring
 * pages, checked and held for as long as the connection lasts. */
struct pvio_connect {
    const char *domain_name;
    void *ring[MICA_DEVICE_RINGS]; /* host views, one page each */
    unsigned rings;
    mica_port_t port;
    const struct pvio_domain_ops *dom_ops;
    void *dom;
};

struct pvio_backend_ops {
    const char *name;
    /* Binds the back end to its shared pages; fails (one line in err) when
     * they cannot hold the device's layout. */
    int (*attach)(struct pvio_backend *b, const struct pvio_attach *at, char *err, size_t errlen);
    /* The guest kicked the doorbell, or the vCPU stopped: look at the rings.
     * Bounded work per call, whatever the guest wrote there. */
    void (*notify)(struct pvio_backend *b);
    /* Writes the back end's own state (not the shared pages: they are guest
     * memory) into buf when it fits in len; returns the bytes it takes. */
    size_t (*save)(struct pvio_backend *b, void *buf, size_t len);
    /* Loads state written by save. The bytes are hostile: anything but a
     * well-formed state of this back end is refused (-1, one line in err)
     * and leaves the back end as it was. */
    int (*restore)(struct pvio_backend *b, const void *buf, size_t len, char *err, size_t errlen);
    /* Releases what attach and the back end's init took. */
    void (*detach)(struct pvio_backend *b);
    /* Ring devices only (NULL for the console): the front end connected;
     * the back end attaches to the rings (the bytes in them are hostile)
     * and serves them from then on, its work started by notify. Fails
     * (-1, one line in err) when it cannot serve. */
    int (*connect)(struct pvio_backend *b, const struct pvio_connect *c, char *err, size_t errlen);
    /* Stops using the rings: returns once no request is in flight and no
     * grant is held, so the domain may release the ring pages. */
    void (*disconnect)(struct pvio_backend *b);
};

/* Embedded first in each back end's own structure. */
struct pvio_backend {
    const struct pvio_backend_ops *ops;
};

static inline int pvio_attach(struct pvio_backend *b, const struct pvio_attach *at, char *err,
                              size_t errlen)
{
    return b->ops->attach(b, at, err, errlen);
}
static inline void pvio_notify(struct pvio_backend *b) { b->ops->notify(b); }
static inline size_t pvio_save(struct pvio_backend *b, void *buf, size_t len)
{
    return b->ops->save(b, buf, len);
}
static inline int pvio_restore(struct pvio_backend *b, const void *buf, size_t len, char *err,
                               size_t errlen)
{
    return b->ops->restore(b, buf, len, err, errlen);
}
static inline void pvio_detach(struct pvio_backend *b) { b->ops->detach(b); }
static inline int pvio_connect(struct pvio_backend *b, const struct pvio_connect *c, char *err,
                               size_t errlen)
{
    return b->ops->connect(b, c, err, errlen);
}
static inline void pvio_disconnect(struct pvio_backend *b) { b->ops->disconnect(b); }

#endif
