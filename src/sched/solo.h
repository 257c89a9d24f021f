/*
 * The simplest dispatcher: one PV domain on the calling thread, from start
 * to its end, honouring stop requests (Ctrl-C, a timeout) from other
 * threads. A multi-domain dispatcher uses pv_domain_run() the same way.
 */
#ifndef MICA_SCHED_SOLO_H
#define MICA_SCHED_SOLO_H

#include <stdatomic.h>

#include "pv/domain.h"

enum solo_end {
    SOLO_EXITED,      /* d->exit_code */
    SOLO_CRASHED,     /* d->crash_report */
    SOLO_TIMED_OUT,
    SOLO_INTERRUPTED,
};

/* Stop requests: set one, then pv_domain_kick() and wake the domain. */
enum solo_stop_request { SOLO_RUN = 0, SOLO_STOP_TIMEOUT, SOLO_STOP_INTERRUPT };

struct solo_control {
    atomic_int stop; /* enum solo_stop_request */
};

enum solo_end solo_run(struct pv_domain *d, struct solo_control *ctl);

/* Asks a solo_run() on another thread to stop. */
void solo_request_stop(struct pv_domain *d, struct solo_control *ctl, enum solo_stop_request why);

#endif
