/* A fake vCPU's "guest": sleeps until kicked (bounded at 10 s), so tests of
 * the dispatcher and of cells with CPU-bound fakes cost no CPU.
 * Header-only; used by test_sched_dispatcher.c and test_sched_cell.c. */
#ifndef MICA_TESTS_KICK_WAIT_H
#define MICA_TESTS_KICK_WAIT_H

#include <pthread.h>
#include <stdbool.h>

#include "util/time.h"

struct kick_wait {
    pthread_mutex_t m;
    pthread_cond_t cv;
    bool kicked;
};

static inline void kick_wait_init(struct kick_wait *k)
{
    pthread_mutex_init(&k->m, NULL);
    monotonic_cond_init(&k->cv);
    k->kicked = false;
}

static inline void kick_wait_destroy(struct kick_wait *k)
{
    pthread_cond_destroy(&k->cv);
    pthread_mutex_destroy(&k->m);
}

/* Waits for a kick (at most 10 s) and consumes it. */
static inline void kick_wait(struct kick_wait *k)
{
    struct timespec until = monotonic_timespec_in(10000);
    pthread_mutex_lock(&k->m);
    int rc = 0;
    while (!k->kicked && rc == 0)
        rc = pthread_cond_timedwait(&k->cv, &k->m, &until);
    k->kicked = false;
    pthread_mutex_unlock(&k->m);
}

static inline void kick_wait_kick(struct kick_wait *k)
{
    pthread_mutex_lock(&k->m);
    k->kicked = true;
    pthread_cond_signal(&k->cv);
    pthread_mutex_unlock(&k->m);
}

#endif
