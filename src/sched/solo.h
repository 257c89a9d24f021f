/*
 * The simplest dispatcher: one PV domain on the calling thread, from start
 * to its end, honouring stop and pause requests (Ctrl-C, a timeout, the
 * control channel) from other threads. A multi-domain dispatcher uses
 * pv_domain_run() the same way.
 */
#ifndef MICA_SCHED_SOLO_H
#define MICA_SCHED_SOLO_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "pv/domain.h"

enum solo_end {
    SOLO_EXITED,      /* d->exit_code */
    SOLO_CRASHED,     /* d->crash_report */
    SOLO_TIMED_OUT,
    SOLO_INTERRUPTED,
    SOLO_SHUT_DOWN,   /* asked to end by its controller */
};

/* Stop requests: set one, then pv_domain_kick() and wake the domain. */
enum solo_stop_request {
    SOLO_RUN = 0,
    SOLO_STOP_TIMEOUT,
    SOLO_STOP_INTERRUPT,
    SOLO_STOP_SHUTDOWN,
};

struct solo_control {
    atomic_int stop;    /* enum solo_stop_request */
    atomic_int pause;   /* requested: the vCPU should park */
    atomic_int parked;  /* the vCPU is parked (not running the guest) */
    atomic_int blocked; /* the guest waits for an event */
    atomic_int done;    /* solo_run() has returned */
    pthread_mutex_t lock; /* with `changed`: pausers wait for the park */
    pthread_cond_t changed;
};

void solo_control_init(struct solo_control *ctl);
void solo_control_destroy(struct solo_control *ctl);

enum solo_end solo_run(struct pv_domain *d, struct solo_control *ctl);

/* Asks a solo_run() on another thread to stop. */
void solo_request_stop(struct pv_domain *d, struct solo_control *ctl, enum solo_stop_request why);

/* From another thread: parks the vCPU and returns once it no longer runs
 * the guest (0), or -ESRCH when the domain has ended, -ETIMEDOUT when the
 * vCPU did not park within timeout_ms. A parked vCPU sleeps on the wake fd. */
int solo_pause(struct pv_domain *d, struct solo_control *ctl, int timeout_ms);

/* Lets a parked vCPU run again; 0, or -ESRCH when the domain has ended. */
int solo_resume(struct pv_domain *d, struct solo_control *ctl);

#endif
