#include "sched/solo.h"

#include <errno.h>
#include <poll.h>
#include <unistd.h>

#include "pv/clock.h"

/* Sleeps until an event reaches the domain, its deadline passes or a stop
 * is requested (every path writes wake_fd). */
static void wait_blocked(struct pv_domain *d, struct solo_control *ctl, uint64_t deadline)
{
    while (!pv_domain_event_ready(d) && atomic_load(&ctl->stop) == SOLO_RUN) {
        int timeout = -1;
        if (deadline) {
            uint64_t now = pv_now_ns();
            if (now >= deadline) {
                pv_domain_raise_event(d, MICA_EVT_TIMER);
                break;
            }
            uint64_t ms = (deadline - now + 999999) / 1000000;
            timeout = ms > 60000 ? 60000 : (int)ms;
        }
        struct pollfd p = {.fd = d->wake_fd, .events = POLLIN};
        if (poll(&p, 1, timeout) > 0) {
            uint64_t v;
            (void)!read(d->wake_fd, &v, sizeof v);
        }
    }
    pv_clock_publish(d);
}

static enum solo_end stopped(struct solo_control *ctl)
{
    return atomic_load(&ctl->stop) == SOLO_STOP_TIMEOUT ? SOLO_TIMED_OUT : SOLO_INTERRUPTED;
}

enum solo_end solo_run(struct pv_domain *d, struct solo_control *ctl)
{
    for (;;) {
        if (atomic_load(&ctl->stop) != SOLO_RUN)
            return stopped(ctl);
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

void solo_request_stop(struct pv_domain *d, struct solo_control *ctl, enum solo_stop_request why)
{
    int expected = SOLO_RUN;
    atomic_compare_exchange_strong(&ctl->stop, &expected, (int)why);
    pv_domain_kick(d);
    uint64_t one = 1;
    (void)!write(d->wake_fd, &one, sizeof one);
}
