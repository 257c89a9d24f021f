/* Borrowed Virtual Time: see bvt.h for the algorithm and every parameter. */
#include "sched/bvt.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>

#include "sched/policy.h"
#include "util/min_heap.h"

struct bvt_unit {
    struct sched_unit *unit;
    struct sched_params params;
    uint64_t mcu_advance; /* virtual ns per MCU of run time */
    uint64_t avt;         /* A */
    uint64_t carry_ns;    /* run time short of a whole MCU, not yet in A */
    bool warping;
    bool warped_before;
    uint64_t warp_used_ns;  /* run time in the current warp */
    uint64_t warp_ended_at; /* when the last warp ended (real ns) */
    uint64_t evt_at_pick;   /* E (biased, see evt_key) when it was last picked or charged */
    struct min_heap_node by_evt; /* in queued_by_evt while QUEUED */
    struct min_heap_node by_avt; /* in runnable_by_avt while QUEUED or RUNNING */
};

struct bvt {
    struct min_heap queued_by_evt;
    struct min_heap runnable_by_avt;
    uint64_t svt;
    size_t units;
};

#define OF(node, field) ((struct bvt_unit *)((char *)(node) - offsetof(struct bvt_unit, field)))

static struct bvt *state(const struct sched_policy *p) { return p->priv; }
static struct bvt_unit *bu(const struct sched_unit *u) { return u->priv; }

static uint64_t sat_add(uint64_t a, uint64_t b, uint64_t max)
{
    return a > max || b > max - a ? max : a + b;
}

static uint64_t mcu_advance_for(const struct sched_policy *p, uint32_t weight)
{
    /* mcu_ns >= SCHED_MIN_MCU_NS keeps this >= 1 at the largest weight. */
    return p->config.mcu_ns * SCHED_WEIGHT_DEFAULT / weight;
}

/* Run time -> virtual ns at the unit's rate, and back (rounded up, so a
 * slice computed from a virtual gap is long enough to close it). */
static uint64_t to_virtual(const struct sched_policy *p, const struct bvt_unit *b, uint64_t ns)
{
    unsigned __int128 v = (unsigned __int128)ns * b->mcu_advance / p->config.mcu_ns;
    return v > BVT_AVT_MAX ? BVT_AVT_MAX : (uint64_t)v;
}

static uint64_t to_run_time(const struct sched_policy *p, const struct bvt_unit *b, uint64_t vns)
{
    unsigned __int128 n = ((unsigned __int128)vns * p->config.mcu_ns + b->mcu_advance - 1) / b->mcu_advance;
    return n > UINT64_MAX / 2 ? UINT64_MAX / 2 : (uint64_t)n;
}

/* E with a bias of SCHED_WARP_MAX_NS, so that A - W is never negative. */
static uint64_t evt_key(const struct bvt_unit *b)
{
    return b->avt + SCHED_WARP_MAX_NS - (b->warping ? b->params.warp_ns : 0);
}

static void refresh_svt(struct bvt *s)
{
    struct min_heap_node *low = min_heap_top(&s->runnable_by_avt);
    if (low && low->key > s->svt)
        s->svt = low->key;
}

static void end_warp(struct bvt_unit *b, uint64_t now)
{
    if (!b->warping)
        return;
    b->warping = false;
    b->warped_before = true;
    b->warp_ended_at = now;
}

static int bvt_init(struct sched_policy *p)
{
    struct bvt *s = calloc(1, sizeof *s);
    if (!s)
        return -ENOMEM;
    min_heap_init(&s->queued_by_evt, BVT_MAX_UNITS);
    min_heap_init(&s->runnable_by_avt, BVT_MAX_UNITS);
    p->priv = s;
    return 0;
}

static void bvt_destroy(struct sched_policy *p)
{
    struct bvt *s = state(p);
    min_heap_destroy(&s->queued_by_evt);
    min_heap_destroy(&s->runnable_by_avt);
    free(s);
    p->priv = NULL;
}

static void apply_params(struct sched_policy *p, struct bvt_unit *b, const struct sched_params *params,
                         uint64_t now)
{
    b->params = *params;
    b->mcu_advance = mcu_advance_for(p, params->weight);
    if (b->warping && (!params->warp_ns || b->warp_used_ns >= params->warp_limit_ns))
        end_warp(b, now);
}

static int bvt_insert(struct sched_policy *p, struct sched_unit *u, const struct sched_params *params)
{
    struct bvt *s = state(p);
    if (s->units >= BVT_MAX_UNITS)
        return -ENOSPC;
    /* Room for every unit in both heaps now, so wake and requeue cannot fail. */
    if (min_heap_reserve(&s->queued_by_evt, s->units + 1) ||
        min_heap_reserve(&s->runnable_by_avt, s->units + 1))
        return -ENOMEM;
    struct bvt_unit *b = calloc(1, sizeof *b);
    if (!b)
        return -ENOMEM;
    b->unit = u;
    min_heap_node_init(&b->by_evt);
    min_heap_node_init(&b->by_avt);
    apply_params(p, b, params, 0);
    b->avt = state(p)->svt; /* a newcomer starts level with the others */
    u->priv = b;
    s->units++;
    return 0;
}

static void bvt_remove(struct sched_policy *p, struct sched_unit *u)
{
    state(p)->units--;
    free(bu(u));
}

static bool unwarped_long_enough(const struct bvt_unit *b, uint64_t now)
{
    return !b->warped_before || (now >= b->warp_ended_at && now - b->warp_ended_at >= b->params.unwarp_ns);
}

static void bvt_wake(struct sched_policy *p, struct sched_unit *u, uint64_t now)
{
    struct bvt *s = state(p);
    struct bvt_unit *b = bu(u);
    uint64_t allowance = to_virtual(p, b, p->config.ctx_allow_ns);
    uint64_t floor = s->svt > allowance ? s->svt - allowance : 0;
    if (b->avt < floor)
        b->avt = floor;
    if (b->params.warp_ns && !b->warping && unwarped_long_enough(b, now)) {
        b->warping = true;
        b->warp_used_ns = 0;
    }
    min_heap_insert(&s->queued_by_evt, &b->by_evt, evt_key(b));
    min_heap_insert(&s->runnable_by_avt, &b->by_avt, b->avt);
    refresh_svt(s);
}

static void bvt_sleep(struct sched_policy *p, struct sched_unit *u, uint64_t now)
{
    struct bvt *s = state(p);
    struct bvt_unit *b = bu(u);
    min_heap_remove(&s->queued_by_evt, &b->by_evt);
    min_heap_remove(&s->runnable_by_avt, &b->by_avt);
    end_warp(b, now);
    refresh_svt(s);
}

/* How long the picked unit b may run before `next` (queued) should win. */
static uint64_t slice_for(struct sched_policy *p, const struct bvt_unit *b, const struct bvt_unit *next)
{
    uint64_t slice = p->config.max_slice_ns;
    if (next) {
        uint64_t mine = evt_key(b), theirs = evt_key(next);
        uint64_t gap = theirs > mine ? to_run_time(p, b, theirs - mine) : 0;
        slice = sat_add(gap, p->config.ctx_allow_ns, UINT64_MAX);
    }
    if (b->warping && b->params.warp_limit_ns - b->warp_used_ns < slice)
        slice = b->params.warp_limit_ns - b->warp_used_ns;
    return slice;
}

static struct sched_pick bvt_pick_next(struct sched_policy *p, uint64_t now)
{
    (void)now;
    struct bvt *s = state(p);
    struct min_heap_node *n = min_heap_pop(&s->queued_by_evt);
    if (!n)
        return (struct sched_pick){0};
    struct bvt_unit *b = OF(n, by_evt);
    struct min_heap_node *second = min_heap_top(&s->queued_by_evt);
    b->evt_at_pick = evt_key(b);
    refresh_svt(s);
    return (struct sched_pick){.unit = b->unit, .slice_ns = slice_for(p, b, second ? OF(second, by_evt) : NULL)};
}

static void bvt_charge(struct sched_policy *p, struct sched_unit *u, uint64_t ran_ns, uint64_t now)
{
    struct bvt *s = state(p);
    struct bvt_unit *b = bu(u);
    uint64_t total = sat_add(b->carry_ns, ran_ns, UINT64_MAX);
    uint64_t mcus = total / p->config.mcu_ns;
    b->carry_ns = total % p->config.mcu_ns;
    uint64_t advance;
    if (__builtin_mul_overflow(mcus, b->mcu_advance, &advance))
        advance = BVT_AVT_MAX;
    b->avt = sat_add(b->avt, advance, BVT_AVT_MAX);
    if (b->warping) {
        b->warp_used_ns = sat_add(b->warp_used_ns, ran_ns, UINT64_MAX);
        if (b->warp_used_ns >= b->params.warp_limit_ns)
            end_warp(b, now);
    }
    b->evt_at_pick = evt_key(b);
    min_heap_rekey(&s->runnable_by_avt, &b->by_avt, b->avt);
    refresh_svt(s);
}

static void bvt_requeue(struct sched_policy *p, struct sched_unit *u, uint64_t now)
{
    (void)now;
    struct bvt_unit *b = bu(u);
    min_heap_insert(&state(p)->queued_by_evt, &b->by_evt, evt_key(b));
}

static uint64_t bvt_preempt_at(struct sched_policy *p, const struct sched_unit *woken,
                               const struct sched_unit *running, uint64_t since, uint64_t now)
{
    const struct bvt_unit *w = bu(woken), *r = bu(running);
    uint64_t ran = now > since ? now - since : 0;
    uint64_t running_now = sat_add(r->evt_at_pick, to_virtual(p, r, ran), UINT64_MAX);
    uint64_t woken_evt = evt_key(w);
    if (woken_evt <= running_now)
        return now;
    uint64_t until = to_run_time(p, r, woken_evt - r->evt_at_pick);
    return sat_add(since, sat_add(until, p->config.ctx_allow_ns, UINT64_MAX), UINT64_MAX);
}

static void bvt_set_params(struct sched_policy *p, struct sched_unit *u, const struct sched_params *params,
                           uint64_t now)
{
    struct bvt_unit *b = bu(u);
    apply_params(p, b, params, now);
    min_heap_rekey(&state(p)->queued_by_evt, &b->by_evt, evt_key(b));
}

static void bvt_get_params(const struct sched_policy *p, const struct sched_unit *u, struct sched_params *out)
{
    (void)p;
    *out = bu(u)->params;
}

static void bvt_get_info(const struct sched_policy *p, const struct sched_unit *u, struct sched_info *out)
{
    const struct bvt_unit *b = bu(u);
    out->avt = b->avt;
    out->evt = (int64_t)b->avt - (b->warping ? (int64_t)b->params.warp_ns : 0);
    out->svt = state(p)->svt;
    out->warping = b->warping;
    out->warp_used_ns = b->warp_used_ns;
}

const struct sched_ops bvt_ops = {
    .name = "bvt",
    .init = bvt_init,
    .destroy = bvt_destroy,
    .insert = bvt_insert,
    .remove = bvt_remove,
    .wake = bvt_wake,
    .sleep = bvt_sleep,
    .pick_next = bvt_pick_next,
    .charge = bvt_charge,
    .requeue = bvt_requeue,
    .preempt_at = bvt_preempt_at,
    .set_params = bvt_set_params,
    .get_params = bvt_get_params,
    .get_info = bvt_get_info,
};
