/*
 * The simplest dispatcher: one PV domain on the calling thread, from start
 * to its end, honouring stop and pause requests (Ctrl-C, a timeout, the
 * control channel) from other threads through the vCPU's run gate
 * (vmm/run_gate.h). A multi-domain dispatcher uses pv_vcpu_run() the same
 * way.
 */
#ifndef MICA_SCHED_SOLO_H
#define MICA_SCHED_SOLO_H

#include "pv/domain.h"
#include "vmm/run_gate.h"

enum solo_end {
    SOLO_EXITED,      /* d->exit_code */
    SOLO_CRASHED,     /* d->crash_report */
    SOLO_TIMED_OUT,
    SOLO_INTERRUPTED,
    SOLO_SHUT_DOWN,   /* asked to end by its controller */
};

/* Why a stop was asked for: the run gate's stop reason. */
enum solo_stop_request {
    SOLO_RUN = 0,
    SOLO_STOP_TIMEOUT,
    SOLO_STOP_INTERRUPT,
    SOLO_STOP_SHUTDOWN,
};

struct solo_control {
    struct run_gate gate; /* its kick takes d's vCPU out of the guest and
                           * out of its event wait (wake_fd) */
};

/* 0, or a negative errno. */
int solo_control_init(struct solo_control *ctl, struct pv_domain *d);
void solo_control_destroy(struct solo_control *ctl);

enum solo_end solo_run(struct pv_domain *d, struct solo_control *ctl);

/* Asks a solo_run() on another thread to stop; the first reason wins. */
void solo_request_stop(struct pv_domain *d, struct solo_control *ctl, enum solo_stop_request why);

/* From another thread: parks the vCPU and returns once it no longer runs
 * the guest (0; a vCPU blocked waiting for an event already does not, and
 * parks before it would), or -ESRCH when the domain has ended, -ETIMEDOUT
 * when the vCPU did not leave the guest within timeout_ms. */
int solo_pause(struct pv_domain *d, struct solo_control *ctl, int timeout_ms);

/* Lets a parked vCPU run again; 0, or -ESRCH when the domain has ended. */
int solo_resume(struct pv_domain *d, struct solo_control *ctl);

#endif
