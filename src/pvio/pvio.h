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

#include <stddef.h>
#include <stdint.h>

#include "mica/abi.h"

struct pvio_backend;

/* What a domain gives a back end it attaches. */
struct pvio_attach {
    const char *domain_name; /* for its messages */
    void *shared;            /* the device's shared pages, host view */
    size_t shared_len;
    mica_port_t port;        /* the device's event port */
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

#endif
