#include "cp/api_waiters.h"

#include "util/time.h"

#include <pthread.h>
#include <stdlib.h>
#include <time.h>

struct waiter {
    struct MHD_Connection *c;
    uint64_t deadline_ns;
    struct waiter *next;
};

struct api_waiters {
    pthread_mutex_t lock;
    pthread_cond_t stop_cond;
    pthread_t deadline_thread;
    bool stopping;
    uint64_t generation;
    struct waiter *parked;
};

/* Resumes (and forgets) the parked connections whose deadline is before
 * `until`; every one for UINT64_MAX.  Called with the lock held. */
static void resume_before(struct api_waiters *w, uint64_t until)
{
    for (struct waiter **p = &w->parked; *p;) {
        struct waiter *x = *p;
        if (x->deadline_ns > until) {
            p = &x->next;
            continue;
        }
        *p = x->next;
        MHD_resume_connection(x->c);
        free(x);
    }
}

static void *check_deadlines(void *arg)
{
    struct api_waiters *w = arg;
    pthread_mutex_lock(&w->lock);
    while (!w->stopping) {
        struct timespec tick;
        clock_gettime(CLOCK_REALTIME, &tick);
        tick.tv_nsec += 100 * 1000 * 1000;
        if (tick.tv_nsec >= 1000000000) {
            tick.tv_sec++;
            tick.tv_nsec -= 1000000000;
        }
        pthread_cond_timedwait(&w->stop_cond, &w->lock, &tick);
        resume_before(w, monotonic_ns());
    }
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

struct api_waiters *api_waiters_new(void)
{
    struct api_waiters *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->stop_cond, NULL);
    if (pthread_create(&w->deadline_thread, NULL, check_deadlines, w) != 0) {
        pthread_mutex_destroy(&w->lock);
        pthread_cond_destroy(&w->stop_cond);
        free(w);
        return NULL;
    }
    return w;
}

void api_waiters_stop(struct api_waiters *w)
{
    pthread_mutex_lock(&w->lock);
    bool joined = w->stopping;
    w->stopping = true;
    resume_before(w, UINT64_MAX);
    pthread_cond_signal(&w->stop_cond);
    pthread_mutex_unlock(&w->lock);
    if (!joined)
        pthread_join(w->deadline_thread, NULL);
}

void api_waiters_free(struct api_waiters *w)
{
    if (!w)
        return;
    api_waiters_stop(w);
    pthread_mutex_destroy(&w->lock);
    pthread_cond_destroy(&w->stop_cond);
    free(w);
}

uint64_t api_waiters_generation(struct api_waiters *w)
{
    pthread_mutex_lock(&w->lock);
    uint64_t g = w->generation;
    pthread_mutex_unlock(&w->lock);
    return g;
}

bool api_waiters_park(struct api_waiters *w, struct MHD_Connection *c, uint64_t deadline_ns,
                      uint64_t generation)
{
    struct waiter *x = malloc(sizeof *x);
    if (!x)
        return false; /* the caller answers at once: no events yet */
    pthread_mutex_lock(&w->lock);
    bool park = w->generation == generation && !w->stopping;
    if (park) {
        MHD_suspend_connection(c);
        *x = (struct waiter){c, deadline_ns, w->parked};
        w->parked = x;
    }
    pthread_mutex_unlock(&w->lock);
    if (!park)
        free(x);
    return park;
}

void api_waiters_wake(struct api_waiters *w)
{
    pthread_mutex_lock(&w->lock);
    w->generation++;
    resume_before(w, UINT64_MAX);
    pthread_mutex_unlock(&w->lock);
}
