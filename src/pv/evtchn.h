/*
 * Event channels of a PV domain (the contract is include/mica/event.h):
 * the state of its MICA_EVTCHN_PORTS ports, MICA_HC_EVENT_OP, virtual IRQs
 * raised by mica, and the end of a channel a back end in mica holds.
 * Pending and mask bits are in the domain's shared_info; everything else
 * is here, where the guest cannot touch it. Changes happen under the
 * cross-domain lock (pv/xdom.h).
 */
#ifndef MICA_PV_EVTCHN_H
#define MICA_PV_EVTCHN_H

#include <stdbool.h>
#include <stdint.h>

#include "mica/event.h"

struct pv_domain;

/* Called (without the lock) when the guest sends on a back end's port. */
typedef void (*pv_evtchn_backend_fn)(void *ctx, mica_port_t port);

struct pv_evtchn {
    uint8_t state; /* enum mica_evtchn_state */
    uint8_t virq;
    mica_domid_t remote_dom;
    mica_port_t remote_port;
    pv_evtchn_backend_fn backend; /* interdomain with MICA_DOMID_MICA */
    void *backend_ctx;
};

struct pv_evtchn_table {
    struct pv_evtchn port[MICA_EVTCHN_PORTS];
    mica_port_t virq_port[MICA_VIRQS]; /* port + 1, 0 = not bound */
};

/* Binds the fixed ports: MICA_EVT_CONSOLE and MICA_EVT_TIMER to their
 * virtual IRQs (what guests that predate event channels rely on). */
void pv_evtchn_init(struct pv_domain *d);

/* MICA_HC_EVENT_OP: cmd on the struct at guest address arg; 0 or -MICA_E*. */
int pv_evtchn_op(struct pv_domain *d, uint64_t cmd, mica_gva_t arg);

/* From any thread: raises the port the virtual IRQ is bound to, if any. */
void pv_evtchn_raise_virq(struct pv_domain *d, enum mica_virq virq);

/* A back end in mica takes its end of a port the guest allocated unbound
 * for MICA_DOMID_MICA (given to it out of band, e.g. in its ring page);
 * fn hears the guest's sends. 0 or -MICA_EINVAL. */
int pv_evtchn_bind_backend(struct pv_domain *d, mica_port_t port, pv_evtchn_backend_fn fn,
                           void *ctx);
/* The back end that bound port with ctx lets go of its end (the device
 * disconnected): the guest's port is unbound for MICA_DOMID_MICA again,
 * ready for a new connection. A port the guest closed or rebound since is
 * left alone. */
void pv_evtchn_unbind_backend(struct pv_domain *d, mica_port_t port, void *ctx);
/* The back end sends on its end: the guest's port goes pending. */
int pv_evtchn_backend_send(struct pv_domain *d, mica_port_t port);

/* Whether an unmasked port is pending among the BLOCK mask wait (ports
 * 0-63), or among all ports when wait is ~0 (any). */
bool pv_evtchn_ready(const struct pv_domain *d, uint64_t wait);

/* Saved state (pv/evtchn_state.c): save writes the open ports into buf when
 * they fit in len and returns the bytes they take; load replaces the table
 * of a domain that has no peers yet with hostile bytes written by save, or
 * refuses them (-1, one line in err) and leaves it as it was. */
size_t pv_evtchn_save(const struct pv_domain *d, void *buf, size_t len);
int pv_evtchn_load(struct pv_domain *d, const void *buf, size_t len, char *err, size_t errlen);

/* With the cross-domain lock held: closes every port (pv_xdom_leave). */
void pv_evtchn_close_all_locked(struct pv_domain *d);

#endif
