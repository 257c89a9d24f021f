#include "vmm/run_gate.h"

#include <errno.h>

#include "util/time.h"

enum { RUN_GATE_PAUSE = 1, RUN_GATE_STOP = 2 };

int run_gate_init(struct run_gate *g, run_gate_kick_fn kick, void *kick_ctx)
{
    atomic_init(&g->requests, 0);
    atomic_init(&g->stop_reason, 0);
    atomic_init(&g->where, RUN_GATE_IDLE);
    atomic_init(&g->thread_known, false);
    g->kick = kick;
    g->kick_ctx = kick_ctx;
    int rc = pthread_mutex_init(&g->lock, NULL);
    if (rc == 0 && (rc = monotonic_cond_init(&g->changed)) != 0)
        pthread_mutex_destroy(&g->lock);
    return rc;
}

void run_gate_destroy(struct run_gate *g)
{
    pthread_cond_destroy(&g->changed);
    pthread_mutex_destroy(&g->lock);
}

static bool asked(const struct run_gate *g, int what) { return atomic_load(&g->requests) & what; }

bool run_gate_stopping(const struct run_gate *g) { return asked(g, RUN_GATE_STOP); }
bool run_gate_pause_requested(const struct run_gate *g) { return asked(g, RUN_GATE_PAUSE); }
int run_gate_stop_reason(const struct run_gate *g) { return atomic_load(&g->stop_reason); }

enum run_gate_where run_gate_where(const struct run_gate *g)
{
    return (enum run_gate_where)atomic_load(&g->where);
}

/* Under the lock: moves the vCPU and tells whoever waits for it. */
static void move(struct run_gate *g, enum run_gate_where to)
{
    if (atomic_load(&g->where) != (int)to) {
        atomic_store(&g->where, (int)to);
        pthread_cond_broadcast(&g->changed);
    }
}

/* ---- the vCPU thread ---------------------------------------------------------- */

bool run_gate_enter(struct run_gate *g)
{
    /* The thread first, then the requests (both sequentially consistent);
     * a controller sets its request, then reads the thread. So either this
     * entry sees the request, or the controller kicks this thread. An
     * unchanged thread needs no store (and no fence): any read finds it. */
    pthread_t self = pthread_self();
    if (!atomic_load_explicit(&g->thread_known, memory_order_relaxed) ||
        !pthread_equal(__atomic_load_n(&g->thread, __ATOMIC_RELAXED), self)) {
        __atomic_store_n(&g->thread, self, __ATOMIC_SEQ_CST);
        atomic_store(&g->thread_known, true);
    }
    if (atomic_load(&g->requests) == 0 && atomic_load(&g->where) == RUN_GATE_RUNNING)
        return true;
    pthread_mutex_lock(&g->lock);
    while (asked(g, RUN_GATE_PAUSE) && !asked(g, RUN_GATE_STOP)) {
        move(g, RUN_GATE_PARKED);
        pthread_cond_wait(&g->changed, &g->lock);
    }
    bool run = !asked(g, RUN_GATE_STOP);
    move(g, RUN_GATE_RUNNING);
    pthread_mutex_unlock(&g->lock);
    return run;
}

static void move_locked(struct run_gate *g, enum run_gate_where to)
{
    pthread_mutex_lock(&g->lock);
    move(g, to);
    pthread_mutex_unlock(&g->lock);
}

void run_gate_block(struct run_gate *g) { move_locked(g, RUN_GATE_BLOCKED); }
void run_gate_unblock(struct run_gate *g) { move_locked(g, RUN_GATE_RUNNING); }
void run_gate_leave(struct run_gate *g) { move_locked(g, RUN_GATE_LEFT); }

/* ---- controllers ----------------------------------------------------------------- */

/* Kicks when the vCPU may be where only a kick reaches it: in the guest,
 * or (for a stop) in its event wait. Called without the lock. */
static void kick_at(struct run_gate *g, enum run_gate_where where, bool stop)
{
    if (!g->kick || !(where == RUN_GATE_RUNNING || (stop && where == RUN_GATE_BLOCKED)))
        return;
    pthread_t t;
    bool known = atomic_load(&g->thread_known);
    if (known)
        t = __atomic_load_n(&g->thread, __ATOMIC_SEQ_CST);
    g->kick(g->kick_ctx, known ? &t : NULL);
}

void run_gate_kick(struct run_gate *g) { kick_at(g, run_gate_where(g), true); }

/* Sets request bits and says where the vCPU was at that moment. */
static enum run_gate_where ask(struct run_gate *g, int what)
{
    pthread_mutex_lock(&g->lock);
    atomic_fetch_or(&g->requests, what);
    enum run_gate_where where = run_gate_where(g);
    pthread_cond_broadcast(&g->changed);
    pthread_mutex_unlock(&g->lock);
    return where;
}

void run_gate_request_pause(struct run_gate *g) { kick_at(g, ask(g, RUN_GATE_PAUSE), false); }

static bool off_the_guest(enum run_gate_where w)
{
    return w == RUN_GATE_IDLE || w == RUN_GATE_BLOCKED || w == RUN_GATE_PARKED;
}

static bool gone(const struct run_gate *g)
{
    return asked(g, RUN_GATE_STOP) || run_gate_where(g) == RUN_GATE_LEFT;
}

int run_gate_wait_paused(struct run_gate *g, const struct timespec *until)
{
    pthread_mutex_lock(&g->lock);
    int rc = 0;
    while (!gone(g) && !off_the_guest(run_gate_where(g)) && rc == 0)
        rc = pthread_cond_timedwait(&g->changed, &g->lock, until);
    int answer = gone(g) ? -ESRCH : off_the_guest(run_gate_where(g)) ? 0 : -ETIMEDOUT;
    pthread_mutex_unlock(&g->lock);
    return answer;
}

int run_gate_pause(struct run_gate *g, int timeout_ms)
{
    struct timespec until = monotonic_timespec_in(timeout_ms);
    run_gate_request_pause(g);
    int rc = run_gate_wait_paused(g, &until);
    if (rc < 0)
        run_gate_resume(g); /* not paused after all */
    return rc;
}

int run_gate_resume(struct run_gate *g)
{
    pthread_mutex_lock(&g->lock);
    bool ended = gone(g);
    atomic_fetch_and(&g->requests, ~RUN_GATE_PAUSE);
    pthread_cond_broadcast(&g->changed);
    pthread_mutex_unlock(&g->lock);
    return ended ? -ESRCH : 0;
}

bool run_gate_stop(struct run_gate *g, int reason)
{
    int none = 0;
    bool first = atomic_compare_exchange_strong(&g->stop_reason, &none, reason);
    kick_at(g, ask(g, RUN_GATE_STOP), true);
    return first;
}
