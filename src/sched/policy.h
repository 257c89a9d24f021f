/*
 * The one way to call a scheduling policy: checks each call against the
 * unit's state (see the diagram in sched_ops.h) and the parameters against
 * the common ranges, keeps the accounting every policy shares (run time
 * charged), then calls the policy's op. A call in the wrong state changes
 * nothing and returns -EINVAL, so a bug in a caller cannot corrupt a run
 * queue. Not thread-safe: the caller holds one lock around every call.
 */
#ifndef MICA_SCHED_POLICY_H
#define MICA_SCHED_POLICY_H

#include "sched/sched_ops.h"

/* Common bounds of sched_params, whatever the policy. */
#define SCHED_WARP_MAX_NS 1000000000ull        /* W: 1 s of virtual time */
#define SCHED_WARP_LIMIT_MAX_NS 1000000000ull  /* L: 1 s of run time */
#define SCHED_UNWARP_MAX_NS 60000000000ull     /* U: 60 s */

/* Xen's BVT defaults: C = 5 ms, MCU = 100 us; slices of at most 30 ms. */
struct sched_config sched_config_default(void);
/* Weight SCHED_WEIGHT_DEFAULT, no warp. */
struct sched_params sched_params_default(void);

/* 0 or -EINVAL: the config's ranges (sched_ops.h). */
int sched_config_check(const struct sched_config *c);

/* cfg NULL: the defaults. 0, -EINVAL (cfg out of range) or the policy's error. */
int sched_policy_init(struct sched_policy *p, const struct sched_ops *ops, const struct sched_config *cfg);
void sched_policy_destroy(struct sched_policy *p);

/* 0 or -EINVAL: common ranges (weight 1..SCHED_WEIGHT_MAX, W/L/U bounded,
 * a warp needs a limit), then the policy's own check. */
int sched_params_check(const struct sched_policy *p, const struct sched_params *params);

/* A new unit, ASLEEP. params NULL: the defaults. */
int sched_insert(struct sched_policy *p, struct sched_unit *u, const struct sched_params *params);
/* Takes an ASLEEP or QUEUED unit out; -EBUSY while it runs. */
int sched_remove(struct sched_policy *p, struct sched_unit *u);

/* ASLEEP -> QUEUED: 0, or -EALREADY when it was runnable already. */
int sched_wake(struct sched_policy *p, struct sched_unit *u, uint64_t now);
/* QUEUED or RUNNING -> ASLEEP. */
int sched_sleep(struct sched_policy *p, struct sched_unit *u, uint64_t now);
/* QUEUED -> RUNNING; slice_ns is within 1..max_slice_ns. */
struct sched_pick sched_pick_next(struct sched_policy *p, uint64_t now);
/* RUNNING: it ran ran_ns more. */
int sched_charge(struct sched_policy *p, struct sched_unit *u, uint64_t ran_ns, uint64_t now);
/* RUNNING -> QUEUED. */
int sched_requeue(struct sched_policy *p, struct sched_unit *u, uint64_t now);
/* See sched_ops.preempt_at; UINT64_MAX unless woken is QUEUED and running RUNNING. */
uint64_t sched_preempt_at(struct sched_policy *p, const struct sched_unit *woken,
                          const struct sched_unit *running, uint64_t since, uint64_t now);

int sched_set_params(struct sched_policy *p, struct sched_unit *u, const struct sched_params *params,
                     uint64_t now);
int sched_get_params(const struct sched_policy *p, const struct sched_unit *u, struct sched_params *out);
int sched_get_info(const struct sched_policy *p, const struct sched_unit *u, struct sched_info *out);

#endif
