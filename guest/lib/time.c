/* Time from shared_info without an exit: the host's stamp plus the TSC
 * ticks since, scaled pvclock-style; a hypercall when there is no TSC. */
#include "mica/mica.h"

#include <time.h>

struct time_sample {
    uint64_t monotonic, wall, run, stamp;
    uint32_t mul, flags;
    int32_t shift;
};

static volatile struct mica_shared_info *shared(void)
{
    return (volatile struct mica_shared_info *)mica_start->shared_info;
}

static void sample(struct time_sample *t)
{
    volatile struct mica_shared_info *s = shared();
    uint32_t v;
    do {
        v = __atomic_load_n(&s->time_version, __ATOMIC_ACQUIRE);
        t->monotonic = s->monotonic_ns;
        t->wall = s->wall_ns;
        t->run = s->run_ns;
        t->stamp = s->tsc_stamp;
        t->mul = s->tsc_mul;
        t->shift = s->tsc_shift;
        t->flags = s->time_flags;
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
    } while ((v & 1) || v != __atomic_load_n(&s->time_version, __ATOMIC_ACQUIRE));
}

static uint64_t since_stamp(const struct time_sample *t)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    uint64_t d = (((uint64_t)hi << 32) | lo) - t->stamp;
    if ((int64_t)d < 0)
        return 0;
    d = t->shift >= 0 ? d << t->shift : d >> -t->shift;
    return (uint64_t)(((unsigned __int128)d * t->mul) >> 32);
}

/* A fresh sample: extrapolated with the TSC, or refreshed by the host. */
static void now(struct time_sample *t, uint64_t *delta)
{
    sample(t);
    if (t->flags & MICA_TIME_TSC) {
        *delta = since_stamp(t);
        return;
    }
    mica_hypercall(MICA_HC_CLOCK, 0, 0, 0);
    sample(t);
    *delta = 0;
}

uint64_t mica_time_monotonic(void)
{
    struct time_sample t;
    uint64_t d;
    now(&t, &d);
    return t.monotonic + d;
}

uint64_t mica_time_wall(void)
{
    struct time_sample t;
    uint64_t d;
    now(&t, &d);
    return t.wall + d;
}

uint64_t mica_time_run(void)
{
    /* The stamp is taken when the vCPU resumes, so the time since is run
     * time too (less the host's exits, which the next stamp corrects). */
    struct time_sample t;
    uint64_t d;
    now(&t, &d);
    return t.run + d;
}

void mica_sleep_ns(uint64_t ns)
{
    /* Wait on the timer port alone: other pending events (console input
     * nobody reads yet) must not turn the sleep into a busy loop. */
    struct mica_shared_info *s = (struct mica_shared_info *)mica_start->shared_info;
    uint64_t deadline = mica_time_monotonic() + ns;
    while (mica_time_monotonic() < deadline) {
        __atomic_and_fetch(&s->evt_pending, ~MICA_PORT_BIT(MICA_EVT_TIMER), __ATOMIC_SEQ_CST);
        mica_block_on(deadline, MICA_PORT_BIT(MICA_EVT_TIMER));
    }
}

/* ---- <time.h> on top of the above ---- */

time_t time(time_t *t)
{
    time_t now = (time_t)(mica_time_wall() / 1000000000ull);
    if (t)
        *t = now;
    return now;
}

clock_t clock(void) { return (clock_t)(mica_time_run() / (1000000000ull / CLOCKS_PER_SEC)); }

int nanosleep(const struct timespec *req, struct timespec *rem)
{
    if (req->tv_sec < 0 || req->tv_nsec < 0 || req->tv_nsec > 999999999) {
        errno = EINVAL;
        return -1;
    }
    mica_sleep_ns((uint64_t)req->tv_sec * 1000000000ull + (uint64_t)req->tv_nsec);
    if (rem)
        *rem = (struct timespec){ 0, 0 };
    return 0;
}
