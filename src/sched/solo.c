#include "sched/solo.h"

#include <poll.h>
#include <unistd.h>

#include "pv/clock.h"
#include "util/time.h"

/* The vCPU this loop runs: a domain has one today. */
static struct pv_vcpu *the_vcpu(struct pv_domain *d) { return pv_domain_vcpu(d, 0); }

static void wake(struct pv_domain *d)
{
    uint64_t one = 1;
    (void)!write(the_vcpu(d)->wake_fd, &one, sizeof one);
}

/* The gate's kick: out of KVM_RUN if it runs the guest, out of its sleep
 * on the wake fd if it is blocked. */
static void kick(void *ctx, const pthread_t *thread)
{
    struct pv_domain *d = ctx;
    vcpu_kick_thread(&the_vcpu(d)->cpu, thread);
    wake(d);
}

int solo_control_init(struct solo_control *ctl, struct pv_domain *d)
{
    return -run_gate_init(&ctl->gate, kick, d);
}

void solo_control_destroy(struct solo_control *ctl) { run_gate_destroy(&ctl->gate); }

static void sleep_on_wake_fd(struct pv_domain *d, int timeout_ms)
{
    int fd = the_vcpu(d)->wake_fd;
    struct pollfd p = {.fd = fd, .events = POLLIN};
    if (poll(&p, 1, timeout_ms) > 0) {
        uint64_t v;
        (void)!read(fd, &v, sizeof v);
        pv_vcpu_rearm_wake(the_vcpu(d)); /* before the caller looks again */
    }
}

/* Sleeps until an event reaches the domain, its deadline passes or a stop
 * is requested (every path writes wake_fd). A pause needs nothing here:
 * a blocked vCPU does not run the guest, and the gate parks it before it
 * would, so a resume without an event goes back to waiting. */
static void wait_blocked(struct pv_domain *d, struct solo_control *ctl, uint64_t deadline)
{
    run_gate_block(&ctl->gate);
    while (!run_gate_stopping(&ctl->gate) && !pv_vcpu_event_ready(the_vcpu(d))) {
        if (deadline && monotonic_ns() >= deadline) {
            pv_evtchn_raise_virq(d, MICA_VIRQ_TIMER);
            break;
        }
        sleep_on_wake_fd(d, deadline ? ms_until(deadline, 60000) : -1);
    }
    run_gate_unblock(&ctl->gate);
    pv_domain_publish_clock(d);
}

static enum solo_end stopped(struct solo_control *ctl)
{
    switch (run_gate_stop_reason(&ctl->gate)) {
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
        if (!run_gate_enter(&ctl->gate))
            return stopped(ctl);
        uint64_t deadline;
        switch (pv_vcpu_run(the_vcpu(d), &deadline)) {
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
    run_gate_leave(&ctl->gate);
    return end;
}

void solo_request_stop(struct pv_domain *d, struct solo_control *ctl, enum solo_stop_request why)
{
    (void)d; /* the gate knows its domain */
    run_gate_stop(&ctl->gate, (int)why);
}

int solo_pause(struct pv_domain *d, struct solo_control *ctl, int timeout_ms)
{
    (void)d;
    return run_gate_pause(&ctl->gate, timeout_ms);
}

int solo_resume(struct pv_domain *d, struct solo_control *ctl)
{
    (void)d;
    return run_gate_resume(&ctl->gate);
}
