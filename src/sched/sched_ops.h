/*
 * The scheduling policy interface, like Xen's `struct sched_ops`: the
 * dispatcher core (dispatcher.c: workers, kicks, deadlines) decides nothing
 * about order or share; it asks a policy behind this table. Policies:
 * bvt.c (Borrowed Virtual Time, the real one) and round_robin.c (a trivial
 * one for tests and as a baseline).
 *
 * The unit of scheduling is a `sched_unit` (one vCPU), embedded in the
 * caller's record. A unit is always in one of three states:
 *
 *   ASLEEP  --wake-->  QUEUED  --pick_next-->  RUNNING
 *     ^                  ^ |                     |  |
 *     |                  | +-------sleep------>  |  |
 *     +------------------|--------sleep----------+  |
 *                        +--------requeue-----------+ (yield, preempt)
 *
 * and charge() is called on a RUNNING unit with the time it ran. Policies
 * may rely on being called only in these states: policy.c checks them
 * (and keeps the accounting every policy shares) before calling an op, so
 * callers use policy.h, never the ops directly.
 *
 * Times: `now` is the caller's clock in ns (CLOCK_MONOTONIC in the
 * dispatcher, a simulated clock in tests), never read by a policy itself.
 * Nothing here is thread-safe: the caller holds one lock around every call.
 */
#ifndef MICA_SCHED_SCHED_OPS_H
#define MICA_SCHED_SCHED_OPS_H

#include <stdbool.h>
#include <stdint.h>

enum sched_unit_state {
    SCHED_ASLEEP,  /* not runnable: blocked, or not started yet */
    SCHED_QUEUED,  /* runnable, waiting for a worker */
    SCHED_RUNNING, /* picked, on a worker */
};

struct sched_unit {
    enum sched_unit_state state;
    bool inserted;
    uint64_t run_ns; /* total run time charged (every policy): the vCPU's
                        own time, what a guest will see as its virtual time */
    void *priv;      /* the policy's per-unit data */
};

/* Per-unit parameters, set at insert and at run time. What each means and
 * the accepted ranges are the policy's (see bvt.h); a policy that has no
 * use for one still refuses values outside the common ranges. */
struct sched_params {
    uint32_t weight;        /* share of CPU, relative: 1..SCHED_WEIGHT_MAX */
    uint64_t warp_ns;       /* BVT's W, in virtual ns; 0 = never warps */
    uint64_t warp_limit_ns; /* BVT's L, in ns of run time */
    uint64_t unwarp_ns;     /* BVT's U, in ns of real time */
};

#define SCHED_WEIGHT_DEFAULT 100u
#define SCHED_WEIGHT_MAX 10000u

/* Policy-wide settings, fixed at init. */
struct sched_config {
    uint64_t max_slice_ns;   /* the longest a unit runs before the policy is
                                asked again (round robin: every slice);
                                SCHED_MIN_SLICE_NS..SCHED_MAX_SLICE_NS */
    uint64_t ctx_allow_ns;   /* BVT's C, the context-switch allowance: how
                                far past the next unit's turn the current
                                one may run, so two units with near-equal
                                virtual times do not thrash; < max_slice */
    uint64_t mcu_ns;         /* BVT's minimum charging unit:
                                SCHED_MIN_MCU_NS..max_slice */
};

#define SCHED_MIN_SLICE_NS 10000ull              /* 10 us */
#define SCHED_MAX_SLICE_NS 1000000000ull         /* 1 s */
#define SCHED_MIN_MCU_NS 1000ull                 /* 1 us: keeps BVT's
                                                    mcu_advance >= 1 at SCHED_WEIGHT_MAX */

/* What a policy shows of one unit (for `info`/`top` later, and tests). */
struct sched_info {
    uint64_t run_ns;     /* total run time charged */
    uint64_t avt;        /* BVT's A (virtual ns); round robin: run_ns */
    int64_t evt;         /* BVT's E = A - (warping ? W : 0); may be < 0 */
    uint64_t svt;        /* the policy's scheduler virtual time */
    bool warping;
    uint64_t warp_used_ns; /* run time of the current warp */
};

struct sched_pick {
    struct sched_unit *unit; /* NULL when nothing is queued */
    uint64_t slice_ns;       /* run it at most this long (> 0) */
};

struct sched_policy;

struct sched_ops {
    const char *name;
    /* p->config is set and valid; p->priv is the policy's to fill. 0 or -errno. */
    int (*init)(struct sched_policy *p);
    void (*destroy)(struct sched_policy *p); /* every unit has been removed */

    /* A new unit, ASLEEP, with valid params: 0 or -errno (-ENOMEM, -ENOSPC). */
    int (*insert)(struct sched_policy *p, struct sched_unit *u, const struct sched_params *params);
    /* An ASLEEP unit leaves the policy. */
    void (*remove)(struct sched_policy *p, struct sched_unit *u);

    void (*wake)(struct sched_policy *p, struct sched_unit *u, uint64_t now);  /* ASLEEP -> QUEUED */
    void (*sleep)(struct sched_policy *p, struct sched_unit *u, uint64_t now); /* QUEUED/RUNNING -> ASLEEP */
    /* The next unit to run (QUEUED -> RUNNING) and for how long. */
    struct sched_pick (*pick_next)(struct sched_policy *p, uint64_t now);
    /* A RUNNING unit ran ran_ns since it was picked or last charged. */
    void (*charge)(struct sched_policy *p, struct sched_unit *u, uint64_t ran_ns, uint64_t now);
    /* A RUNNING unit gave the CPU back and stays runnable (RUNNING -> QUEUED). */
    void (*requeue)(struct sched_policy *p, struct sched_unit *u, uint64_t now);
    /* `woken` was just queued while `running` runs since `since`: the time
     * at which `running` should give way to it (<= now: at once;
     * UINT64_MAX: not before its slice ends). */
    uint64_t (*preempt_at)(struct sched_policy *p, const struct sched_unit *woken,
                           const struct sched_unit *running, uint64_t since, uint64_t now);

    /* Checks params: 0 or -EINVAL (nothing changed). */
    int (*check_params)(const struct sched_policy *p, const struct sched_params *params);
    /* Valid params, in any state. */
    void (*set_params)(struct sched_policy *p, struct sched_unit *u, const struct sched_params *params,
                       uint64_t now);
    void (*get_params)(const struct sched_policy *p, const struct sched_unit *u, struct sched_params *out);
    void (*get_info)(const struct sched_policy *p, const struct sched_unit *u, struct sched_info *out);
};

struct sched_policy {
    const struct sched_ops *ops;
    struct sched_config config;
    void *priv;
};

#endif
