#include "sched/solo.h"

#include <errno.h>
#include <poll.h>
#include <unistd.h>

#include "pv/clock.h"
#include "util/time.h"

void solo_control_init(struct solo_control *ctl)
{
    atomic_init(&ctl->stop, SOLO_RUN);
    atomic_init(&ctl->pause, 0);
    atomic_init(&ctl->parked, 0);
    atomic_init(&ctl->blocked, 0);
    atomic_init(&ctl->done, 0);
    pthread_mutex_init(&ctl->lock, NULL);
    /* Pausers wait with a monotonic deadline: wall-clock steps must not
     * stretch or cut it. */
    monotonic_cond_init(&ctl->changed);
}

void solo_control_destroy(struct solo_control *ctl)
{
    pthread_cond_destroy(&ctl->changed);
    pthread_mutex_destroy(&ctl->lock);
}

static bool stopping(struct solo_control *ctl) { return atomic_load(&ctl->stop) != SOLO_RUN; }

static void wake(struct pv_domain *d)
{
    uint64_t one = 1;
    (void)!write(d->wake_fd, &one, sizeof one);
}

static void sleep_on_wake_fd(struct pv_domain *d, int timeout_ms)
{
    struct pollfd p = {.fd = d->wake_fd, .events = POLLIN};
    if (poll(&p, 1, timeout_ms) > 0) {
        uint64_t v;
        (void)!read(d->wake_fd, &v, sizeof v);
    }
}

/* Sets a flag the pausers wait on, and tells them. */
static void announce(struct solo_control *ctl, atomic_int *flag, int value)
{
    pthread_mutex_lock(&ctl->lock);
    atomic_store(flag, value);
    pthread_cond_broadcast(&ctl->changed);
    pthread_mutex_unlock(&ctl->lock);
}

/* The guest does not run until it is resumed or stopped; the thread sleeps
 * on the wake fd meanwhile (resume and stop both write it), using no CPU. */
static void park(struct pv_domain *d, struct solo_control *ctl)
{
    announce(ctl, &ctl->parked, 1);
    while (atomic_load(&ctl->pause) && !stopping(ctl))
        sleep_on_wake_fd(d, -1);
    announce(ctl, &ctl->parked, 0);
}

/* Sleeps until an event reaches the domain, its deadline passes or a stop
 * is requested (every path writes wake_fd). A pause meanwhile parks the
 * vCPU here, so that a resume goes back to waiting, not into the guest. */
static void wait_blocked(struct pv_domain *d, struct solo_control *ctl, uint64_t deadline)
{
    atomic_store(&ctl->blocked, 1);
    while (!stopping(ctl) && (atomic_load(&ctl->pause) || !pv_domain_event_ready(d))) {
        if (atomic_load(&ctl->pause)) {
            park(d, ctl);
            continue;
        }
        if (deadline && monotonic_ns() >= deadline) {
            pv_domain_raise_event(d, MICA_EVT_TIMER);
            break;
        }
        sleep_on_wake_fd(d, deadline ? ms_until(deadline, 60000) : -1);
    }
    atomic_store(&ctl->blocked, 0);
    pv_clock_publish(d);
}

static enum solo_end stopped(struct solo_control *ctl)
{
    switch (atomic_load(&ctl->stop)) {
    case SOLO_STOP_TIMEOUT:
        return SOLO_TIMED_OUT;
    case SOLO_STOP_SHUTDOWN:
        return SOLO_SHUT_DOWN;
    default:
        return SOLO_INTERRUPTED;
    }
}

static enum solo_end run_loop(struct pv_domain *d, struct solo_control *ctl)
{
    for (;;) {
        if (stopping(ctl))
            return stopped(ctl);
        if (atomic_load(&ctl->pause)) {
            park(d, ctl);
            continue;
        }
        uint64_t deadline;
        switch (pv_domain_run(d, &deadline)) {
        case PV_STOP_EXITED:
            return SOLO_EXITED;
        case PV_STOP_CRASHED:
            return SOLO_CRASHED;
        case PV_STOP_BLOCKED:
            wait_blocked(d, ctl, deadline);
            break;
        case PV_STOP_YIELDED:
        case PV_STOP_PREEMPTED:
            break;
        }
    }
}

enum solo_end solo_run(struct pv_domain *d, struct solo_control *ctl)
{
    enum solo_end end = run_loop(d, ctl);
    announce(ctl, &ctl->done, 1);
    return end;
}

void solo_request_stop(struct pv_domain *d, struct solo_control *ctl, enum solo_stop_request why)
{
    int expected = SOLO_RUN;
    atomic_compare_exchange_strong(&ctl->stop, &expected, (int)why);
    pv_domain_kick(d);
    wake(d);
}

int solo_pause(struct pv_domain *d, struct solo_control *ctl, int timeout_ms)
{
    atomic_store(&ctl->pause, 1);
    pv_domain_kick(d); /* out of KVM_RUN if it is running the guest */
    wake(d);           /* out of its sleep if it is blocked */
    struct timespec until = monotonic_timespec_in(timeout_ms);
    pthread_mutex_lock(&ctl->lock);
    int rc = 0;
    while (!atomic_load(&ctl->parked) && !atomic_load(&ctl->done) && rc == 0)
        rc = pthread_cond_timedwait(&ctl->changed, &ctl->lock, &until);
    bool parked = atomic_load(&ctl->parked), done = atomic_load(&ctl->done);
    pthread_mutex_unlock(&ctl->lock);
    if (parked)
        return 0;
    /* Not paused after all: withdraw the request so state and answer agree. */
    atomic_store(&ctl->pause, 0);
    wake(d);
    return done ? -ESRCH : -ETIMEDOUT;
}

int solo_resume(struct pv_domain *d, struct solo_control *ctl)
{
    if (atomic_load(&ctl->done))
        return -ESRCH;
    atomic_store(&ctl->pause, 0);
    wake(d);
    return 0;
}
