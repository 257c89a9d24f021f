/*
 * Domains that reach each other: event channels join ports of two domains
 * and grants let one copy another's frames. Every such reach happens under
 * one process-wide lock, which a domain also takes to leave (its ports are
 * closed and its id freed under it), so a domain found under the lock stays
 * alive until the lock is dropped. One lock for all: the ops are short and
 * bounded, and two domains can never lock each other in the wrong order.
 */
#ifndef MICA_PV_XDOM_H
#define MICA_PV_XDOM_H

#include "mica/event.h"

struct pv_domain;

void pv_xdom_lock(void);
void pv_xdom_unlock(void);

/* With the lock held: the domain with id (MICA_DOMID_SELF: self), or NULL
 * when there is none or it has left. */
struct pv_domain *pv_xdom_find(struct pv_domain *self, mica_domid_t id);

/* Closes every port of d (peers' ports fall back to unbound, as in Xen)
 * and frees its id: after this no other domain can reach d. */
void pv_xdom_leave(struct pv_domain *d);

#endif
