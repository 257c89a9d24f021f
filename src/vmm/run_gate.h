/*
 * The run gate of one vCPU, paravirtualized or fully virtualized alike: the
 * one place where controllers (the control channel, Ctrl-C, a --timeout,
 * the end of the machine) and the thread running the vCPU agree on whether
 * it may run the guest.
 *
 * The vCPU thread passes the gate before every entry into the guest
 * (run_gate_enter); the gate records that thread each time, so a kick
 * reaches the thread running the vCPU now, even if it moved between worker
 * threads. Controllers ask for a pause (and wait until the vCPU no longer
 * runs the guest), a resume, or a stop; a stop is final, wins over a pause
 * and releases a parked vCPU to end. Kicking is the owner's business
 * (signal + immediate_exit for a KVM vCPU, see vcpu_kick_thread; a wake-up
 * of its event wait for a PV vCPU), given as a function so tests can use a
 * fake vCPU.
 *
 * Where the vCPU is, as controllers see it:
 *   IDLE     not started yet       }
 *   BLOCKED  waits for an event    } not running the guest: a pause is
 *   PARKED   sleeps in the gate    } granted at once
 *   RUNNING  in the guest or on its way there: a pause kicks it and waits
 *   LEFT     its loop has ended
 * A parked vCPU sleeps on a condition variable and uses no CPU.
 */
#ifndef MICA_VMM_RUN_GATE_H
#define MICA_VMM_RUN_GATE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

enum run_gate_where {
    RUN_GATE_IDLE,
    RUN_GATE_RUNNING,
    RUN_GATE_BLOCKED,
    RUN_GATE_PARKED,
    RUN_GATE_LEFT,
};

/* Takes the vCPU out of the guest (and out of its event wait) soon. thread:
 * the thread that last passed the gate, NULL before the first entry. Any
 * thread may call it; it must not block. */
typedef void (*run_gate_kick_fn)(void *ctx, const pthread_t *thread);

struct run_gate {
    pthread_mutex_t lock;
    pthread_cond_t changed;   /* where or the requests changed */
    atomic_int requests;      /* RUN_GATE_PAUSE/STOP bits, read without the lock on entry */
    atomic_int stop_reason;   /* the first stop's reason; 0 while none */
    atomic_int where;         /* enum run_gate_where; written under the lock */
    pthread_t thread;         /* the thread that last entered (atomic accesses) */
    atomic_bool thread_known;
    run_gate_kick_fn kick;
    void *kick_ctx;
};

/* 0, or a positive errno from pthreads. */
int run_gate_init(struct run_gate *g, run_gate_kick_fn kick, void *kick_ctx);
void run_gate_destroy(struct run_gate *g);

/* ---- the vCPU thread ---- */

/* Before each entry into the guest: records this thread, parks while a
 * pause is asked for, and says whether to run (false once stopped). Costs
 * two atomic accesses when nothing is asked. */
bool run_gate_enter(struct run_gate *g);
/* Around a wait for an event outside the guest (PV's block hypercall): a
 * blocked vCPU counts as paused, and a stop kicks it out of the wait. */
void run_gate_block(struct run_gate *g);
void run_gate_unblock(struct run_gate *g);
/* The vCPU loop has ended: pauses no longer wait for it. */
void run_gate_leave(struct run_gate *g);

/* ---- controllers (any other thread) ---- */

/* Asks the vCPU to park and waits (at most timeout_ms) until it does not
 * run the guest: 0, -ESRCH when it is stopped or has left, -ETIMEDOUT (the
 * request is then withdrawn, so state and answer agree). */
int run_gate_pause(struct run_gate *g, int timeout_ms);
/* The two halves of run_gate_pause, to pause several vCPUs at once: ask
 * each, then wait for each until one CLOCK_MONOTONIC deadline (see
 * monotonic_timespec_in). The wait does not withdraw anything. */
void run_gate_request_pause(struct run_gate *g);
int run_gate_wait_paused(struct run_gate *g, const struct timespec *until);
/* Lets a paused vCPU run again: 0, or -ESRCH when it is stopped or has left. */
int run_gate_resume(struct run_gate *g);
/* Stops the vCPU for good with reason (not 0). The first reason is kept;
 * returns true for the call that set it. */
bool run_gate_stop(struct run_gate *g, int reason);
/* Kicks the thread that last entered, if it may be in the guest. */
void run_gate_kick(struct run_gate *g);

bool run_gate_stopping(const struct run_gate *g);
int run_gate_stop_reason(const struct run_gate *g);
bool run_gate_pause_requested(const struct run_gate *g);
enum run_gate_where run_gate_where(const struct run_gate *g);

#endif
