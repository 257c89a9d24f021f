#include "sched/round_robin.h"

#include <errno.h>
#include <stdlib.h>

struct rr_unit {
    struct sched_unit *unit;
    struct sched_params params;
    struct rr_unit *next, *prev; /* in the FIFO while QUEUED */
    bool queued;
};

struct rr {
    struct rr_unit head; /* circular list sentinel */
};

static struct rr *state(const struct sched_policy *p) { return p->priv; }
static struct rr_unit *ru(const struct sched_unit *u) { return u->priv; }

static int rr_init(struct sched_policy *p)
{
    struct rr *s = calloc(1, sizeof *s);
    if (!s)
        return -ENOMEM;
    s->head.next = s->head.prev = &s->head;
    p->priv = s;
    return 0;
}

static void rr_destroy(struct sched_policy *p)
{
    free(p->priv);
    p->priv = NULL;
}

static int rr_insert(struct sched_policy *p, struct sched_unit *u, const struct sched_params *params)
{
    (void)p;
    struct rr_unit *r = calloc(1, sizeof *r);
    if (!r)
        return -ENOMEM;
    r->unit = u;
    r->params = *params;
    u->priv = r;
    return 0;
}

static void rr_remove(struct sched_policy *p, struct sched_unit *u)
{
    (void)p;
    free(ru(u));
}

static void enqueue(struct sched_policy *p, struct sched_unit *u)
{
    struct rr_unit *r = ru(u), *head = &state(p)->head;
    r->prev = head->prev;
    r->next = head;
    head->prev->next = r;
    head->prev = r;
    r->queued = true;
}

static void dequeue(struct rr_unit *r)
{
    if (!r->queued)
        return;
    r->prev->next = r->next;
    r->next->prev = r->prev;
    r->queued = false;
}

static void rr_wake(struct sched_policy *p, struct sched_unit *u, uint64_t now)
{
    (void)now;
    enqueue(p, u);
}

static void rr_sleep(struct sched_policy *p, struct sched_unit *u, uint64_t now)
{
    (void)p, (void)now;
    dequeue(ru(u));
}

static struct sched_pick rr_pick_next(struct sched_policy *p, uint64_t now)
{
    (void)now;
    struct rr_unit *head = &state(p)->head, *first = head->next;
    if (first == head)
        return (struct sched_pick){0};
    dequeue(first);
    return (struct sched_pick){.unit = first->unit, .slice_ns = p->config.max_slice_ns};
}

static void rr_charge(struct sched_policy *p, struct sched_unit *u, uint64_t ran_ns, uint64_t now)
{
    (void)p, (void)u, (void)ran_ns, (void)now; /* the common run time is all it keeps */
}

static void rr_requeue(struct sched_policy *p, struct sched_unit *u, uint64_t now)
{
    (void)now;
    enqueue(p, u);
}

static uint64_t rr_preempt_at(struct sched_policy *p, const struct sched_unit *woken,
                              const struct sched_unit *running, uint64_t since, uint64_t now)
{
    (void)p, (void)woken, (void)running, (void)since, (void)now;
    return UINT64_MAX; /* the running one keeps its slice */
}

static void rr_set_params(struct sched_policy *p, struct sched_unit *u, const struct sched_params *params,
                          uint64_t now)
{
    (void)p, (void)now;
    ru(u)->params = *params;
}

static void rr_get_params(const struct sched_policy *p, const struct sched_unit *u, struct sched_params *out)
{
    (void)p;
    *out = ru(u)->params;
}

static void rr_get_info(const struct sched_policy *p, const struct sched_unit *u, struct sched_info *out)
{
    (void)p;
    out->avt = u->run_ns;
    out->evt = (int64_t)(u->run_ns > INT64_MAX ? INT64_MAX : u->run_ns);
}

const struct sched_ops round_robin_ops = {
    .name = "round-robin",
    .init = rr_init,
    .destroy = rr_destroy,
    .insert = rr_insert,
    .remove = rr_remove,
    .wake = rr_wake,
    .sleep = rr_sleep,
    .pick_next = rr_pick_next,
    .charge = rr_charge,
    .requeue = rr_requeue,
    .preempt_at = rr_preempt_at,
    .set_params = rr_set_params,
    .get_params = rr_get_params,
    .get_info = rr_get_info,
};
