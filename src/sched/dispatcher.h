/*
 * The dispatcher core: worker threads that take vCPUs from a scheduling
 * policy (sched_ops.h), run them for a slice, and put them back, to sleep
 * or out; one timer structure for every deadline of the cell. It decides
 * nothing about order or share: the policy does.
 *
 * - One run queue, shared by all workers (the policy's), under one lock.
 *   BVT's scheduler virtual time is one clock for the whole cell, and on
 *   hosts of a few CPUs one lock costs less than balancing per-worker
 *   queues; per-worker queues with migration are the next step if the
 *   lock shows up in bench/sched_bench.c.
 * - Workers (default: one per host CPU) loop: pick -> run(vcpu, slice) ->
 *   charge the run time -> requeue (yielded, preempted), sleep (blocked)
 *   or remove (exited). An idle worker sleeps on its own condition
 *   variable, so each wake-up reaches a different idle worker.
 * - A blocked vCPU is in no queue and costs no CPU until dispatcher_wake()
 *   (an event) or its deadline.
 * - One timer thread and one min-heap hold every deadline: blocked vCPUs'
 *   wake-ups and the end of each worker's slice. It sleeps on a condition
 *   variable (CLOCK_MONOTONIC) until the earliest. At a slice's end it
 *   kicks the worker's vCPU; when a woken vCPU should preempt a running
 *   one (the policy's preempt_at), that worker's slice end is brought
 *   forward, or the vCPU kicked at once.
 * Every loop is bounded: by the number of workers, by a batch of timers
 * per wake-up, or by dispatcher_stop().
 */
#ifndef MICA_SCHED_DISPATCHER_H
#define MICA_SCHED_DISPATCHER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "sched/sched_ops.h"
#include "util/min_heap.h"

/* Why a vCPU's run() returned. */
enum sched_run_end {
    SCHED_RUN_BLOCKED,   /* waits for an event, or *deadline_ns (0: none) */
    SCHED_RUN_YIELDED,   /* gave the CPU back; runnable */
    SCHED_RUN_PREEMPTED, /* kicked; runnable */
    SCHED_RUN_EXITED,    /* will never run again */
};

/* The vCPU as the dispatcher sees it (a PV vCPU through pv_vcpu_run and
 * pv_vcpu_kick later; fake ones in the tests). */
struct sched_vcpu_ops {
    /* Runs the vCPU on the calling worker thread until it blocks, yields,
     * exits or is kicked. The dispatcher kicks it when slice_ns is over.
     * A vCPU checks its pending events before it reports BLOCKED. */
    enum sched_run_end (*run)(void *ctx, uint64_t slice_ns, uint64_t *deadline_ns);
    /* From any thread, with the dispatcher's lock held: must not block or
     * call into the dispatcher. Makes the current run() return soon; a
     * kick that arrives just after run() returned may make the next run()
     * return at once (a spurious preemption, harmless). */
    void (*kick)(void *ctx);
    /* Optional: the vCPU exited and has left the dispatcher (called on
     * the worker, without the lock). */
    void (*exited)(void *ctx);
    /* Optional: after each run, with the dispatcher's lock held (must not
     * block or call into the dispatcher): the vCPU's total run time
     * charged so far, to publish to its guest. */
    void (*charged)(void *ctx, uint64_t run_ns);
};

enum sched_timer_kind { SCHED_TIMER_DEADLINE, SCHED_TIMER_SLICE };

struct sched_timer {
    struct min_heap_node node;
    enum sched_timer_kind kind;
};

enum sched_vcpu_where {
    SCHED_VCPU_OUT,      /* not in a dispatcher (before add, after remove or exit) */
    SCHED_VCPU_SLEEPING, /* blocked, or added and not woken yet */
    SCHED_VCPU_QUEUED,
    SCHED_VCPU_RUNNING,
};

/* Embedded in the caller's vCPU record, zeroed before dispatcher_add().
 * Fields below `ctx` are the dispatcher's, under its lock. */
struct sched_vcpu {
    const struct sched_vcpu_ops *ops;
    void *ctx;

    struct sched_unit unit;
    struct sched_timer deadline;
    enum sched_vcpu_where where;
    bool wake_pending; /* an event arrived while it ran */
    bool leaving;      /* dispatcher_remove() waits for it */
    bool parked;       /* dispatcher_park(): not queued until unparked */
    bool park_runnable;/* parked while runnable, or woken while parked */
    int worker;        /* the worker running it, -1 */
    uint64_t woken_at; /* when its wake-up (event or deadline) came; 0: none */
};

struct dispatcher_config {
    unsigned workers;                     /* 0: one per host CPU; at most DISPATCHER_MAX_WORKERS */
    const struct sched_ops *policy;       /* NULL: BVT */
    const struct sched_config *sched;     /* NULL: sched_config_default() */
    unsigned max_vcpus;                   /* 0: DISPATCHER_MAX_VCPUS */
};

#define DISPATCHER_MAX_WORKERS 256u
#define DISPATCHER_MAX_VCPUS 65536u

/* Wake-up latency (an event or deadline -> its vCPU runs), in buckets of
 * powers of two: bucket i counts latencies below 2^i us, the last one the
 * rest. */
#define DISPATCHER_LATENCY_BUCKETS 24

struct dispatcher_stats {
    uint64_t picks;          /* slices handed out */
    uint64_t wake_latency[DISPATCHER_LATENCY_BUCKETS];
    uint64_t slice_kicks;    /* vCPUs kicked at their slice's end */
    uint64_t wake_kicks;     /* vCPUs kicked at once for a woken one */
    uint64_t deadline_wakes; /* blocked vCPUs woken by their deadline */
    unsigned vcpus;
};

struct dispatcher;

/* Creates the policy and starts the workers and the timer thread. 0, or
 * -EINVAL (config out of range), -ENOMEM, -EAGAIN (no thread). */
int dispatcher_create(struct dispatcher **out, const struct dispatcher_config *cfg);
/* Stops (dispatcher_stop), then frees. Every vCPU must have been removed
 * or have exited: -EBUSY (nothing freed) otherwise. */
int dispatcher_destroy(struct dispatcher *d);

/* Stop and drain: no vCPU is picked any more, the running ones are kicked
 * and put back as runnable, and every thread is joined. Idempotent. After
 * it, vCPUs can still be removed, their params and info read. */
void dispatcher_stop(struct dispatcher *d);

/* Adds a vCPU, SLEEPING (params NULL: the policy's defaults). It runs
 * once woken. 0, -EINVAL (params refused, or already added), -ENOSPC. */
int dispatcher_add(struct dispatcher *d, struct sched_vcpu *v, const struct sched_params *params);
/* Takes a vCPU out; if it runs, kicks it and waits (at most timeout_ms)
 * for its run to return: 0, -ETIMEDOUT (still in), -ESRCH (not in). */
int dispatcher_remove(struct dispatcher *d, struct sched_vcpu *v, int timeout_ms);

/* An event for the vCPU, from any thread: a sleeping vCPU becomes
 * runnable (and may preempt a running one); a running one will not go to
 * sleep on its way back. */
void dispatcher_wake(struct dispatcher *d, struct sched_vcpu *v);
/* Wakes a sleeping vCPU at deadline_ns (CLOCK_MONOTONIC) unless an event
 * comes first (monotonic_ns() of util/time.h is the dispatcher's clock);
 * -EINVAL unless it sleeps. */
int dispatcher_wake_at(struct dispatcher *d, struct sched_vcpu *v, uint64_t deadline_ns);

/* Pause: the vCPU is not picked until dispatcher_unpark(); if it runs, it
 * is kicked and this waits (at most timeout_ms) for its run to return.
 * Events and its deadline while parked are remembered, not lost. 0,
 * -ETIMEDOUT (parked, but its run has not returned yet), -ESRCH (not in). */
int dispatcher_park(struct dispatcher *d, struct sched_vcpu *v, int timeout_ms);
/* Resume: a vCPU that was runnable, or had an event meanwhile, is queued
 * again; a blocked one goes on waiting. 0, -ESRCH (not in). */
int dispatcher_unpark(struct dispatcher *d, struct sched_vcpu *v);

int dispatcher_set_params(struct dispatcher *d, struct sched_vcpu *v, const struct sched_params *params);
int dispatcher_get_params(struct dispatcher *d, struct sched_vcpu *v, struct sched_params *out);
/* The vCPU's run time charged, virtual times and warp state. */
int dispatcher_get_info(struct dispatcher *d, struct sched_vcpu *v, struct sched_info *out);

void dispatcher_get_stats(struct dispatcher *d, struct dispatcher_stats *out);
unsigned dispatcher_workers(const struct dispatcher *d);

/* The bound (us) below which at least `permille`/1000 of the counted
 * wake-ups ran (a power of two; UINT64_MAX past the last bucket); 0 when
 * none was counted. */
uint64_t dispatcher_latency_bound_us(const struct dispatcher_stats *s, unsigned permille);

#endif
