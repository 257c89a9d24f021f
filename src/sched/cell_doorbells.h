/*
 * The device doorbells of a cell's domains (each domain's ioeventfd, see
 * pv_domain.doorbell_fd), served by one I/O thread for the whole cell: a
 * kick makes the domain's back ends look at their rings
 * (pv_domain_notify), as the console loop of `mica run` does for one.
 * One epoll set, so thousands of domains cost one thread and no scan.
 *
 * A back end's sink may wait for a slow reader (the console's stdout
 * sink): the other domains' doorbells wait meanwhile. Guests cannot stall
 * it by themselves: each wake-up serves a bounded batch of doorbells.
 */
#ifndef MICA_SCHED_CELL_DOORBELLS_H
#define MICA_SCHED_CELL_DOORBELLS_H

#include <stddef.h>

struct pv_domain;
struct cell_doorbells;

/* Starts the thread; slots 0..max-1. 0, or -1 with a message. */
int cell_doorbells_start(struct cell_doorbells **out, unsigned max, char *err, size_t errlen);
/* Stops the thread and frees (the domains' descriptors are theirs). */
void cell_doorbells_stop(struct cell_doorbells *db);

/* Serves d's doorbell in `slot` (free). A domain without one (doorbell_fd
 * < 0, a KVM-less test domain) needs no call. 0, or -1 with a message. */
int cell_doorbells_add(struct cell_doorbells *db, unsigned slot, struct pv_domain *d, char *err,
                       size_t errlen);
/* After it returns, the thread no longer touches the slot's domain. */
void cell_doorbells_remove(struct cell_doorbells *db, unsigned slot);

#endif
