/* The dispatcher core: see dispatcher.h for the design. */
#include "sched/dispatcher.h"

#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "sched/bvt.h"
#include "sched/policy.h"
#include "util/time.h"

/* How many expired timers the timer thread handles per pass before it
 * looks at the clock (and the stop flag) again. */
#define TIMER_BATCH 64

struct worker {
    struct dispatcher *d;
    unsigned index;
    pthread_t thread;
    bool started;
    struct sched_vcpu *current; /* under the lock */
    uint64_t since;             /* when current started (or was last charged) */
    atomic_bool in_run;         /* inside current's run(): a kick reaches it */
    struct sched_timer slice_end;
    bool idle;                  /* waits on `wake` for work; cleared by whoever wakes it */
    pthread_cond_t wake;
    bool wake_ready;            /* `wake` was initialised */
};

struct dispatcher {
    pthread_mutex_t lock;
    pthread_cond_t timer_cv; /* the timer thread: an earlier deadline, or stop */
    pthread_cond_t released; /* removers: a leaving vCPU's run returned */
    struct sched_policy policy;
    struct min_heap timers;
    bool stopping;
    unsigned nworkers;
    unsigned vcpus, max_vcpus;
    struct dispatcher_stats stats;
    pthread_t timer_thread;
    bool timer_started;
    struct worker workers[];
};

#define CONTAINER(ptr, type, field) ((type *)((char *)(ptr) - offsetof(type, field)))

static struct timespec abs_timespec(uint64_t ns)
{
    return (struct timespec){.tv_sec = (time_t)(ns / 1000000000ull), .tv_nsec = (long)(ns % 1000000000ull)};
}

static struct sched_vcpu *vcpu_of(struct sched_unit *u) { return CONTAINER(u, struct sched_vcpu, unit); }

/* ---- the timers (under the lock) ---- */

static void timer_set(struct dispatcher *d, struct sched_timer *t, uint64_t when)
{
    if (min_heap_contains(&t->node))
        min_heap_rekey(&d->timers, &t->node, when);
    else
        min_heap_insert(&d->timers, &t->node, when); /* room reserved by add and create */
    if (min_heap_top(&d->timers) == &t->node)
        pthread_cond_signal(&d->timer_cv);
}

static void timer_cancel(struct dispatcher *d, struct sched_timer *t) { min_heap_remove(&d->timers, &t->node); }

/* ---- making room for a vCPU that became runnable (under the lock) ---- */

/* Wakes one idle worker (each has its own condition variable, so two
 * wake-ups in a row reach two workers): false when none is idle. */
static bool claim_idle_worker(struct dispatcher *d)
{
    for (unsigned i = 0; i < d->nworkers; i++) {
        struct worker *w = &d->workers[i];
        if (w->idle) {
            w->idle = false;
            pthread_cond_signal(&w->wake);
            return true;
        }
    }
    return false;
}

/* An idle worker takes it; otherwise the running vCPU the policy says it
 * should preempt soonest is kicked now or has its slice cut. */
static void make_room(struct dispatcher *d, struct sched_vcpu *woken, uint64_t now)
{
    if (claim_idle_worker(d))
        return;
    struct worker *victim = NULL;
    uint64_t soonest = UINT64_MAX;
    for (unsigned i = 0; i < d->nworkers; i++) {
        struct worker *w = &d->workers[i];
        if (!w->current)
            continue;
        uint64_t at = sched_preempt_at(&d->policy, &woken->unit, &w->current->unit, w->since, now);
        if (at < soonest) {
            soonest = at;
            victim = w;
        }
    }
    if (!victim)
        return;
    if (soonest <= now) {
        if (atomic_load(&victim->in_run)) {
            d->stats.wake_kicks++;
            victim->current->ops->kick(victim->current->ctx);
        }
    } else if (soonest < victim->slice_end.node.key) {
        timer_set(d, &victim->slice_end, soonest);
    }
}

static void wake_locked(struct dispatcher *d, struct sched_vcpu *v, uint64_t now)
{
    if (v->parked) {
        if (v->where == SCHED_VCPU_RUNNING)
            v->wake_pending = true;
        else if (v->where == SCHED_VCPU_SLEEPING)
            v->park_runnable = true; /* queued when unparked */
        return;
    }
    switch (v->where) {
    case SCHED_VCPU_SLEEPING:
        v->woken_at = now;
        timer_cancel(d, &v->deadline);
        sched_wake(&d->policy, &v->unit, now);
        v->where = SCHED_VCPU_QUEUED;
        make_room(d, v, now);
        break;
    case SCHED_VCPU_RUNNING:
        v->wake_pending = true;
        break;
    case SCHED_VCPU_QUEUED:
    case SCHED_VCPU_OUT:
        break;
    }
}

/* ---- the timer thread ---- */

static void fire(struct dispatcher *d, struct sched_timer *t, uint64_t now)
{
    if (t->kind == SCHED_TIMER_DEADLINE) {
        struct sched_vcpu *v = CONTAINER(t, struct sched_vcpu, deadline);
        d->stats.deadline_wakes++;
        wake_locked(d, v, now);
        if (v->where == SCHED_VCPU_QUEUED)
            v->woken_at = t->node.key; /* latency counts from the deadline */
        return;
    }
    struct worker *w = CONTAINER(t, struct worker, slice_end);
    if (w->current && atomic_load(&w->in_run)) {
        d->stats.slice_kicks++;
        w->current->ops->kick(w->current->ctx);
    }
}

static void *timer_main(void *arg)
{
    struct dispatcher *d = arg;
    pthread_mutex_lock(&d->lock);
    while (!d->stopping) {
        struct min_heap_node *top = min_heap_top(&d->timers);
        uint64_t now = monotonic_ns();
        if (!top) {
            pthread_cond_wait(&d->timer_cv, &d->lock);
            continue;
        }
        if (top->key > now) {
            struct timespec until = abs_timespec(top->key);
            pthread_cond_timedwait(&d->timer_cv, &d->lock, &until);
            continue;
        }
        for (int i = 0; i < TIMER_BATCH && (top = min_heap_top(&d->timers)) && top->key <= now; i++) {
            min_heap_pop(&d->timers);
            fire(d, CONTAINER(top, struct sched_timer, node), now);
        }
    }
    pthread_mutex_unlock(&d->lock);
    return NULL;
}

/* ---- the workers ---- */

/* The vCPU's run returned: charge it and put it where `end` says. Returns
 * the vCPU if it exited (its `exited` callback is due, without the lock). */
static struct sched_vcpu *put_back(struct dispatcher *d, struct worker *w, enum sched_run_end end,
                                   uint64_t deadline)
{
    struct sched_vcpu *v = w->current;
    uint64_t now = monotonic_ns();
    timer_cancel(d, &w->slice_end);
    sched_charge(&d->policy, &v->unit, now > w->since ? now - w->since : 0, now);
    if (v->ops->charged)
        v->ops->charged(v->ctx, v->unit.run_ns);
    w->current = NULL;
    v->worker = -1;
    bool runnable = end == SCHED_RUN_YIELDED || end == SCHED_RUN_PREEMPTED ||
                    (end == SCHED_RUN_BLOCKED && v->wake_pending);
    if (end == SCHED_RUN_EXITED) {
        sched_sleep(&d->policy, &v->unit, now);
        sched_remove(&d->policy, &v->unit);
        v->where = SCHED_VCPU_OUT;
        d->vcpus--;
    } else if (runnable && !v->leaving && !v->parked) {
        sched_requeue(&d->policy, &v->unit, now);
        v->where = SCHED_VCPU_QUEUED;
    } else { /* blocked, parked, or leaving (dispatcher_remove takes it from here) */
        sched_sleep(&d->policy, &v->unit, now);
        v->where = SCHED_VCPU_SLEEPING;
        v->park_runnable = v->parked && runnable;
        if (!runnable && !v->leaving && deadline)
            timer_set(d, &v->deadline, deadline);
    }
    if (v->leaving || v->parked)
        pthread_cond_broadcast(&d->released);
    return end == SCHED_RUN_EXITED ? v : NULL;
}

static void count_latency(struct dispatcher *d, struct sched_vcpu *v, uint64_t now)
{
    if (!v->woken_at)
        return;
    uint64_t us = now > v->woken_at ? (now - v->woken_at) / 1000 : 0;
    unsigned b = 0;
    while (b < DISPATCHER_LATENCY_BUCKETS - 1 && us >= (1ull << b))
        b++;
    d->stats.wake_latency[b]++;
    v->woken_at = 0;
}

static void run_one(struct dispatcher *d, struct worker *w, struct sched_pick pick)
{
    struct sched_vcpu *v = vcpu_of(pick.unit);
    d->stats.picks++;
    v->where = SCHED_VCPU_RUNNING;
    v->worker = (int)w->index;
    v->wake_pending = false; /* run() sees the events that came before it */
    w->current = v;
    w->since = monotonic_ns();
    count_latency(d, v, w->since);
    timer_set(d, &w->slice_end, w->since + pick.slice_ns);
    atomic_store(&w->in_run, true);
    pthread_mutex_unlock(&d->lock);

    uint64_t deadline = 0;
    enum sched_run_end end = v->ops->run(v->ctx, pick.slice_ns, &deadline);
    atomic_store(&w->in_run, false);

    pthread_mutex_lock(&d->lock);
    struct sched_vcpu *exited = put_back(d, w, end, deadline);
    if (exited && exited->ops->exited) {
        pthread_mutex_unlock(&d->lock);
        exited->ops->exited(exited->ctx);
        pthread_mutex_lock(&d->lock);
    }
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct dispatcher *d = w->d;
    pthread_mutex_lock(&d->lock);
    while (!d->stopping) {
        struct sched_pick pick = sched_pick_next(&d->policy, monotonic_ns());
        if (pick.unit) {
            run_one(d, w, pick);
            continue;
        }
        w->idle = true;
        while (w->idle && !d->stopping)
            pthread_cond_wait(&w->wake, &d->lock);
        w->idle = false;
    }
    pthread_mutex_unlock(&d->lock);
    return NULL;
}

/* ---- life ---- */

static unsigned host_cpus(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > DISPATCHER_MAX_WORKERS ? DISPATCHER_MAX_WORKERS : (unsigned)n;
}

static int init_sync(struct dispatcher *d)
{
    /* Timed waits are on monotonic deadlines: wall-clock steps must not
     * stretch or cut them. */
    int rc = pthread_mutex_init(&d->lock, NULL) || monotonic_cond_init(&d->timer_cv) ||
             monotonic_cond_init(&d->released);
    for (unsigned i = 0; rc == 0 && i < d->nworkers; i++) {
        rc = pthread_cond_init(&d->workers[i].wake, NULL);
        d->workers[i].wake_ready = rc == 0;
    }
    return rc ? -ENOMEM : 0;
}

static int start_threads(struct dispatcher *d)
{
    if (pthread_create(&d->timer_thread, NULL, timer_main, d))
        return -EAGAIN;
    d->timer_started = true;
    for (unsigned i = 0; i < d->nworkers; i++) {
        if (pthread_create(&d->workers[i].thread, NULL, worker_main, &d->workers[i]))
            return -EAGAIN;
        d->workers[i].started = true;
    }
    return 0;
}

static int check_config(const struct dispatcher_config *cfg)
{
    if (cfg->workers > DISPATCHER_MAX_WORKERS || cfg->max_vcpus > DISPATCHER_MAX_VCPUS)
        return -EINVAL;
    return cfg->sched ? sched_config_check(cfg->sched) : 0;
}

static void free_dispatcher(struct dispatcher *d)
{
    sched_policy_destroy(&d->policy);
    min_heap_destroy(&d->timers);
    for (unsigned i = 0; i < d->nworkers; i++)
        if (d->workers[i].wake_ready)
            pthread_cond_destroy(&d->workers[i].wake);
    pthread_cond_destroy(&d->released);
    pthread_cond_destroy(&d->timer_cv);
    pthread_mutex_destroy(&d->lock);
    free(d);
}

int dispatcher_create(struct dispatcher **out, const struct dispatcher_config *cfg)
{
    struct dispatcher_config def = {0};
    if (!cfg)
        cfg = &def;
    if (check_config(cfg))
        return -EINVAL;
    unsigned n = cfg->workers ? cfg->workers : host_cpus();
    struct dispatcher *d = calloc(1, sizeof *d + n * sizeof d->workers[0]);
    if (!d)
        return -ENOMEM;
    d->nworkers = n;
    d->max_vcpus = cfg->max_vcpus ? cfg->max_vcpus : DISPATCHER_MAX_VCPUS;
    min_heap_init(&d->timers, (size_t)d->max_vcpus + n);
    for (unsigned i = 0; i < n; i++) {
        d->workers[i] = (struct worker){.d = d, .index = i, .slice_end.kind = SCHED_TIMER_SLICE};
        min_heap_node_init(&d->workers[i].slice_end.node);
        atomic_init(&d->workers[i].in_run, false);
    }
    int rc = init_sync(d);
    if (rc == 0)
        rc = sched_policy_init(&d->policy, cfg->policy ? cfg->policy : &bvt_ops, cfg->sched);
    if (rc == 0 && min_heap_reserve(&d->timers, n))
        rc = -ENOMEM;
    if (rc) {
        free_dispatcher(d);
        return rc;
    }
    rc = start_threads(d);
    if (rc) {
        dispatcher_stop(d);
        free_dispatcher(d);
        return rc;
    }
    *out = d;
    return 0;
}

void dispatcher_stop(struct dispatcher *d)
{
    pthread_mutex_lock(&d->lock);
    d->stopping = true;
    pthread_cond_signal(&d->timer_cv);
    for (unsigned i = 0; i < d->nworkers; i++) {
        struct worker *w = &d->workers[i];
        pthread_cond_signal(&w->wake);
        if (w->current && atomic_load(&w->in_run))
            w->current->ops->kick(w->current->ctx);
    }
    pthread_mutex_unlock(&d->lock);
    for (unsigned i = 0; i < d->nworkers; i++) {
        if (d->workers[i].started)
            pthread_join(d->workers[i].thread, NULL);
        d->workers[i].started = false;
    }
    if (d->timer_started)
        pthread_join(d->timer_thread, NULL);
    d->timer_started = false;
}

int dispatcher_destroy(struct dispatcher *d)
{
    if (!d)
        return 0;
    dispatcher_stop(d);
    if (d->vcpus)
        return -EBUSY;
    free_dispatcher(d);
    return 0;
}

/* ---- vCPUs ---- */

int dispatcher_add(struct dispatcher *d, struct sched_vcpu *v, const struct sched_params *params)
{
    pthread_mutex_lock(&d->lock);
    int rc = 0;
    if (v->where != SCHED_VCPU_OUT || v->unit.inserted)
        rc = -EINVAL;
    else if (d->vcpus >= d->max_vcpus)
        rc = -ENOSPC;
    else if (min_heap_reserve(&d->timers, (size_t)d->vcpus + 1 + d->nworkers))
        rc = -ENOMEM;
    if (rc == 0) {
        v->unit = (struct sched_unit){0};
        rc = sched_insert(&d->policy, &v->unit, params);
    }
    if (rc == 0) {
        v->deadline.kind = SCHED_TIMER_DEADLINE;
        min_heap_node_init(&v->deadline.node);
        v->where = SCHED_VCPU_SLEEPING;
        v->wake_pending = v->leaving = v->parked = v->park_runnable = false;
        v->woken_at = 0;
        v->worker = -1;
        d->vcpus++;
    }
    pthread_mutex_unlock(&d->lock);
    return rc;
}

static int wait_released(struct dispatcher *d, struct sched_vcpu *v, int timeout_ms)
{
    struct timespec until = monotonic_timespec_in(timeout_ms);
    int rc = 0;
    while (v->where == SCHED_VCPU_RUNNING && rc == 0)
        rc = pthread_cond_timedwait(&d->released, &d->lock, &until);
    return v->where == SCHED_VCPU_RUNNING ? -ETIMEDOUT : 0;
}

int dispatcher_remove(struct dispatcher *d, struct sched_vcpu *v, int timeout_ms)
{
    pthread_mutex_lock(&d->lock);
    if (v->where == SCHED_VCPU_OUT) {
        pthread_mutex_unlock(&d->lock);
        return -ESRCH;
    }
    v->leaving = true;
    if (v->where == SCHED_VCPU_RUNNING && atomic_load(&d->workers[v->worker].in_run))
        v->ops->kick(v->ctx);
    int rc = wait_released(d, v, timeout_ms < 0 ? 0 : timeout_ms);
    if (rc == 0 && v->where != SCHED_VCPU_OUT) { /* OUT: it exited meanwhile */
        timer_cancel(d, &v->deadline);
        sched_remove(&d->policy, &v->unit);
        v->where = SCHED_VCPU_OUT;
        d->vcpus--;
    }
    v->leaving = false;
    pthread_mutex_unlock(&d->lock);
    return rc;
}

int dispatcher_park(struct dispatcher *d, struct sched_vcpu *v, int timeout_ms)
{
    pthread_mutex_lock(&d->lock);
    if (v->where == SCHED_VCPU_OUT) {
        pthread_mutex_unlock(&d->lock);
        return -ESRCH;
    }
    if (!v->parked) {
        v->parked = true;
        v->park_runnable = false;
    }
    if (v->where == SCHED_VCPU_QUEUED) {
        sched_sleep(&d->policy, &v->unit, monotonic_ns());
        v->where = SCHED_VCPU_SLEEPING;
        v->park_runnable = true;
    } else if (v->where == SCHED_VCPU_RUNNING && atomic_load(&d->workers[v->worker].in_run)) {
        v->ops->kick(v->ctx);
    }
    int rc = wait_released(d, v, timeout_ms < 0 ? 0 : timeout_ms);
    pthread_mutex_unlock(&d->lock);
    return rc;
}

int dispatcher_unpark(struct dispatcher *d, struct sched_vcpu *v)
{
    pthread_mutex_lock(&d->lock);
    int rc = v->where == SCHED_VCPU_OUT ? -ESRCH : 0;
    if (rc == 0 && v->parked) {
        v->parked = false;
        if (v->park_runnable && v->where == SCHED_VCPU_SLEEPING)
            wake_locked(d, v, monotonic_ns());
        v->park_runnable = false;
    }
    pthread_mutex_unlock(&d->lock);
    return rc;
}

void dispatcher_wake(struct dispatcher *d, struct sched_vcpu *v)
{
    pthread_mutex_lock(&d->lock);
    wake_locked(d, v, monotonic_ns());
    pthread_mutex_unlock(&d->lock);
}

int dispatcher_wake_at(struct dispatcher *d, struct sched_vcpu *v, uint64_t deadline_ns)
{
    pthread_mutex_lock(&d->lock);
    int rc = v->where == SCHED_VCPU_SLEEPING ? 0 : -EINVAL;
    if (rc == 0)
        timer_set(d, &v->deadline, deadline_ns);
    pthread_mutex_unlock(&d->lock);
    return rc;
}

int dispatcher_set_params(struct dispatcher *d, struct sched_vcpu *v, const struct sched_params *params)
{
    pthread_mutex_lock(&d->lock);
    int rc = v->where == SCHED_VCPU_OUT ? -ESRCH : sched_set_params(&d->policy, &v->unit, params, monotonic_ns());
    pthread_mutex_unlock(&d->lock);
    return rc;
}

int dispatcher_get_params(struct dispatcher *d, struct sched_vcpu *v, struct sched_params *out)
{
    pthread_mutex_lock(&d->lock);
    int rc = v->where == SCHED_VCPU_OUT ? -ESRCH : sched_get_params(&d->policy, &v->unit, out);
    pthread_mutex_unlock(&d->lock);
    return rc;
}

int dispatcher_get_info(struct dispatcher *d, struct sched_vcpu *v, struct sched_info *out)
{
    pthread_mutex_lock(&d->lock);
    int rc = v->where == SCHED_VCPU_OUT ? -ESRCH : sched_get_info(&d->policy, &v->unit, out);
    pthread_mutex_unlock(&d->lock);
    return rc;
}

void dispatcher_get_stats(struct dispatcher *d, struct dispatcher_stats *out)
{
    pthread_mutex_lock(&d->lock);
    *out = d->stats;
    out->vcpus = d->vcpus;
    pthread_mutex_unlock(&d->lock);
}

unsigned dispatcher_workers(const struct dispatcher *d) { return d->nworkers; }

uint64_t dispatcher_latency_bound_us(const struct dispatcher_stats *s, unsigned permille)
{
    uint64_t total = 0, seen = 0;
    for (unsigned b = 0; b < DISPATCHER_LATENCY_BUCKETS; b++)
        total += s->wake_latency[b];
    if (!total)
        return 0;
    for (unsigned b = 0; b < DISPATCHER_LATENCY_BUCKETS; b++) {
        seen += s->wake_latency[b];
        if (seen * 1000 >= total * permille)
            return b == DISPATCHER_LATENCY_BUCKETS - 1 ? UINT64_MAX : 1ull << b;
    }
    return UINT64_MAX;
}
