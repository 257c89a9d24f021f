/* The dispatcher core on real threads with fake vCPUs, no KVM: every
 * runnable vCPU makes progress, a blocked one uses no slice until woken,
 * deadlines wake in order, a vCPU moves between workers, a warped vCPU
 * that wakes preempts a running one, exit, remove and stop/drain.
 * A fake "busy" vCPU stands for a CPU-bound guest: its run() sleeps on a
 * condition variable until kicked, so the tests cost no CPU. Waits are
 * bounded (10 s) and nothing asserts how long anything took. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sched/bvt.h"
#include "sched/dispatcher.h"
#include "sched/policy.h"
#include "sched/round_robin.h"
#include "support/kick_wait.h"
#include "util/time.h"

#define MS 1000000ull

enum fake_kind { FAKE_BUSY, FAKE_BLOCKER };

struct fake {
    struct sched_vcpu sv;
    enum fake_kind kind;
    int exit_on_run; /* run number on which it exits; 0: never */
    struct kick_wait kick;
    atomic_int runs, in_run, exited_calls;
    atomic_int order;        /* global sequence number of its last run */
    atomic_ullong ran_at;    /* CLOCK_MONOTONIC of its last run */
    pthread_t threads[2];
    atomic_int nthreads;     /* distinct worker threads seen, up to 2 */
};

static atomic_int sequence;

static void note_thread(struct fake *f)
{
    pthread_t self = pthread_self();
    int n = atomic_load(&f->nthreads);
    for (int i = 0; i < n; i++)
        if (pthread_equal(f->threads[i], self))
            return;
    if (n < 2) {
        f->threads[n] = self;
        atomic_store(&f->nthreads, n + 1);
    }
}

static enum sched_run_end wait_for_kick(struct fake *f)
{
    kick_wait(&f->kick);
    return SCHED_RUN_PREEMPTED;
}

static enum sched_run_end fake_run(void *ctx, uint64_t slice_ns, uint64_t *deadline_ns)
{
    struct fake *f = ctx;
    assert_true(slice_ns > 0);
    atomic_fetch_add(&f->in_run, 1);
    int run = atomic_fetch_add(&f->runs, 1) + 1;
    atomic_store(&f->order, atomic_fetch_add(&sequence, 1));
    atomic_store(&f->ran_at, monotonic_ns());
    note_thread(f);
    enum sched_run_end end = SCHED_RUN_BLOCKED;
    *deadline_ns = 0;
    if (f->exit_on_run && run >= f->exit_on_run)
        end = SCHED_RUN_EXITED;
    else if (f->kind == FAKE_BUSY)
        end = wait_for_kick(f);
    atomic_fetch_sub(&f->in_run, 1);
    return end;
}

static void fake_kick(void *ctx) { kick_wait_kick(&((struct fake *)ctx)->kick); }

static void fake_exited(void *ctx) { atomic_fetch_add(&((struct fake *)ctx)->exited_calls, 1); }

static const struct sched_vcpu_ops fake_ops = {.run = fake_run, .kick = fake_kick, .exited = fake_exited};

static void fake_init(struct fake *f, enum fake_kind kind)
{
    memset(f, 0, sizeof *f);
    f->kind = kind;
    f->sv.ops = &fake_ops;
    f->sv.ctx = f;
    kick_wait_init(&f->kick);
}

static void fake_destroy(struct fake *f) { kick_wait_destroy(&f->kick); }

/* Short slices so that the tests see many of them. */
static const struct sched_config quick = {.max_slice_ns = 1 * MS, .ctx_allow_ns = MS / 5, .mcu_ns = MS / 10};

static struct dispatcher *start(unsigned workers, const struct sched_ops *policy, const struct sched_config *cfg)
{
    struct dispatcher *d = NULL;
    struct dispatcher_config c = {.workers = workers, .policy = policy, .sched = cfg};
    assert_int_equal(dispatcher_create(&d, &c), 0);
    assert_int_equal(dispatcher_workers(d), workers);
    return d;
}

static void add_and_wake(struct dispatcher *d, struct fake *f, const struct sched_params *params)
{
    assert_int_equal(dispatcher_add(d, &f->sv, params), 0);
    dispatcher_wake(d, &f->sv);
}

/* Polls until every fake in fs[0..n) has run at least `runs` times. */
static bool all_ran(struct fake *fs, int n, int runs)
{
    for (int tries = 0; tries < 10000; tries++) {
        int done = 0;
        for (int i = 0; i < n; i++)
            done += atomic_load(&fs[i].runs) >= runs;
        if (done == n)
            return true;
        usleep(1000);
    }
    return false;
}

static void finish(struct dispatcher *d, struct fake *fs, int n)
{
    dispatcher_stop(d);
    for (int i = 0; i < n; i++) {
        int rc = dispatcher_remove(d, &fs[i].sv, 1000);
        assert_true(rc == 0 || rc == -ESRCH);
    }
    assert_int_equal(dispatcher_destroy(d), 0);
    for (int i = 0; i < n; i++)
        fake_destroy(&fs[i]);
}

static void every_runnable_vcpu_makes_progress(void **state)
{
    (void)state;
    enum { N = 6 };
    static struct fake fs[N];
    struct dispatcher *d = start(2, &bvt_ops, &quick);
    for (int i = 0; i < N; i++) {
        fake_init(&fs[i], FAKE_BUSY);
        struct sched_params p = sched_params_default();
        p.weight = (uint32_t)(100 * (i + 1));
        add_and_wake(d, &fs[i], &p);
    }
    assert_true(all_ran(fs, N, 5));
    struct dispatcher_stats st;
    dispatcher_get_stats(d, &st);
    assert_true(st.slice_kicks > 0);
    assert_int_equal(st.vcpus, N);
    dispatcher_stop(d);
    for (int i = 0; i < N; i++) {
        struct sched_info info;
        assert_int_equal(dispatcher_get_info(d, &fs[i].sv, &info), 0);
        assert_true(info.run_ns > 0); /* its run time is charged and shown */
    }
    finish(d, fs, N);
}

static void blocked_vcpu_uses_no_slice_until_woken(void **state)
{
    (void)state;
    static struct fake fs[3];
    struct dispatcher *d = start(2, &bvt_ops, &quick);
    fake_init(&fs[0], FAKE_BLOCKER);
    fake_init(&fs[1], FAKE_BUSY);
    fake_init(&fs[2], FAKE_BUSY);
    for (int i = 0; i < 3; i++)
        add_and_wake(d, &fs[i], NULL);
    assert_true(all_ran(fs + 1, 2, 30));
    assert_int_equal(atomic_load(&fs[0].runs), 1);
    struct sched_info before;
    dispatcher_get_info(d, &fs[0].sv, &before);
    dispatcher_wake(d, &fs[0].sv);
    assert_true(all_ran(fs, 1, 2));
    assert_true(all_ran(fs + 1, 2, atomic_load(&fs[1].runs) + 5));
    assert_int_equal(atomic_load(&fs[0].runs), 2);
    finish(d, fs, 3);
}

static void deadlines_wake_in_order(void **state)
{
    (void)state;
    enum { N = 5 };
    static struct fake fs[N];
    const int offset_ms[N] = {40, 10, 30, 20, 50};
    struct dispatcher *d = start(1, &round_robin_ops, &quick);
    uint64_t base = monotonic_ns() + 20 * MS;
    for (int i = 0; i < N; i++) {
        fake_init(&fs[i], FAKE_BLOCKER);
        assert_int_equal(dispatcher_add(d, &fs[i].sv, NULL), 0);
        assert_int_equal(dispatcher_wake_at(d, &fs[i].sv, base + (uint64_t)offset_ms[i] * MS), 0);
    }
    assert_true(all_ran(fs, N, 1));
    for (int i = 0; i < N; i++) {
        assert_int_equal(atomic_load(&fs[i].runs), 1);
        /* never early, and in the order of the deadlines */
        assert_true(atomic_load(&fs[i].ran_at) >= base + (uint64_t)offset_ms[i] * MS);
        for (int j = 0; j < N; j++)
            if (offset_ms[j] < offset_ms[i])
                assert_true(atomic_load(&fs[j].order) < atomic_load(&fs[i].order));
    }
    struct dispatcher_stats st;
    dispatcher_get_stats(d, &st);
    assert_int_equal(st.deadline_wakes, N);
    /* Only a sleeping vCPU takes a deadline; an event beats one. */
    assert_int_equal(dispatcher_wake_at(d, &fs[0].sv, monotonic_ns() + 10000 * MS), 0);
    dispatcher_wake(d, &fs[0].sv);
    assert_true(all_ran(fs, 1, 2));
    finish(d, fs, N);
}

static void vcpu_moves_between_workers(void **state)
{
    (void)state;
    static struct fake fs[3];
    struct dispatcher *d = start(2, &bvt_ops, &quick);
    for (int i = 0; i < 3; i++) {
        fake_init(&fs[i], FAKE_BUSY);
        add_and_wake(d, &fs[i], NULL);
    }
    /* Three vCPUs on two workers sharing one queue: each is picked by
     * whichever worker is free, so it soon runs on both. */
    bool moved = false;
    for (int tries = 0; tries < 10000 && !moved; tries++) {
        moved = atomic_load(&fs[0].nthreads) == 2;
        usleep(1000);
    }
    assert_true(moved);
    finish(d, fs, 3);
}

static void woken_warped_vcpu_preempts_a_running_one(void **state)
{
    (void)state;
    static struct fs2 {
        struct fake busy, warped;
    } f;
    /* One worker and slices of up to 1 s: only a wake-up kick ends the
     * busy vCPU's run soon. */
    const struct sched_config slow = {.max_slice_ns = 1000 * MS, .ctx_allow_ns = 5 * MS, .mcu_ns = MS / 10};
    struct dispatcher *d = start(1, &bvt_ops, &slow);
    fake_init(&f.busy, FAKE_BUSY);
    fake_init(&f.warped, FAKE_BLOCKER);
    add_and_wake(d, &f.busy, NULL);
    assert_true(all_ran(&f.busy, 1, 1));
    struct sched_params p = {.weight = 100, .warp_ns = 500 * MS, .warp_limit_ns = 10 * MS, .unwarp_ns = 0};
    assert_int_equal(dispatcher_add(d, &f.warped.sv, &p), 0);
    struct sched_params got;
    assert_int_equal(dispatcher_get_params(d, &f.warped.sv, &got), 0);
    assert_int_equal(got.warp_ns, 500 * MS);
    dispatcher_wake(d, &f.warped.sv);
    assert_true(all_ran(&f.warped, 1, 1));
    struct dispatcher_stats st;
    dispatcher_get_stats(d, &st);
    assert_int_equal(st.wake_kicks, 1);
    finish(d, &f.busy, 2);
}

/* One worker busy, one idle: of two wake-ups in a row, the first takes
 * the idle worker and the second (warped) preempts a running vCPU, rather
 * than counting on the worker the first one claimed (each idle worker is
 * woken on its own condition variable). With 1 s slices, all three run
 * through wake-up kicks. (A new unit starts at SVT, level with the running
 * one, so if the second worker was not idle yet the first wake-up kicks
 * too: at least one kick, not exactly one.) */
static void two_wake_ups_in_a_row_reach_two_workers(void **state)
{
    (void)state;
    static struct fake fs[3];
    const struct sched_config slow = {.max_slice_ns = 1000 * MS, .ctx_allow_ns = 5 * MS, .mcu_ns = MS / 10};
    struct dispatcher *d = start(2, &bvt_ops, &slow);
    fake_init(&fs[0], FAKE_BUSY);
    fake_init(&fs[1], FAKE_BUSY);
    fake_init(&fs[2], FAKE_BLOCKER);
    add_and_wake(d, &fs[0], NULL);
    assert_true(all_ran(fs, 1, 1));
    struct sched_params warped = {.weight = 100, .warp_ns = 500 * MS, .warp_limit_ns = 10 * MS};
    assert_int_equal(dispatcher_add(d, &fs[1].sv, NULL), 0);
    assert_int_equal(dispatcher_add(d, &fs[2].sv, &warped), 0);
    dispatcher_wake(d, &fs[1].sv);
    dispatcher_wake(d, &fs[2].sv);
    assert_true(all_ran(fs, 3, 1));
    struct dispatcher_stats st;
    dispatcher_get_stats(d, &st);
    assert_true(st.wake_kicks >= 1);
    finish(d, fs, 3);
}

static void exited_vcpu_leaves(void **state)
{
    (void)state;
    static struct fake fs[2];
    struct dispatcher *d = start(2, &bvt_ops, &quick);
    fake_init(&fs[0], FAKE_BUSY);
    fs[0].exit_on_run = 3;
    fake_init(&fs[1], FAKE_BUSY);
    add_and_wake(d, &fs[0], NULL);
    add_and_wake(d, &fs[1], NULL);
    for (int tries = 0; tries < 10000 && !atomic_load(&fs[0].exited_calls); tries++)
        usleep(1000);
    assert_int_equal(atomic_load(&fs[0].exited_calls), 1);
    assert_int_equal(atomic_load(&fs[0].runs), 3);
    assert_int_equal(dispatcher_remove(d, &fs[0].sv, 1000), -ESRCH);
    struct dispatcher_stats st;
    dispatcher_get_stats(d, &st);
    assert_int_equal(st.vcpus, 1);
    assert_true(all_ran(fs + 1, 1, atomic_load(&fs[1].runs) + 3));
    finish(d, fs, 2);
}

static void running_vcpu_is_removed_and_added_again(void **state)
{
    (void)state;
    static struct fake fs[2];
    struct dispatcher *d = start(2, &bvt_ops, &quick);
    fake_init(&fs[0], FAKE_BUSY);
    fake_init(&fs[1], FAKE_BUSY);
    add_and_wake(d, &fs[0], NULL);
    add_and_wake(d, &fs[1], NULL);
    assert_true(all_ran(fs, 2, 3));
    assert_int_equal(dispatcher_remove(d, &fs[0].sv, 5000), 0);
    assert_int_equal(atomic_load(&fs[0].in_run), 0);
    int runs = atomic_load(&fs[0].runs);
    assert_true(all_ran(fs + 1, 1, atomic_load(&fs[1].runs) + 10));
    assert_int_equal(atomic_load(&fs[0].runs), runs);
    dispatcher_wake(d, &fs[0].sv); /* not in: nothing happens */
    assert_int_equal(dispatcher_get_info(d, &fs[0].sv, &(struct sched_info){0}), -ESRCH);
    add_and_wake(d, &fs[0], NULL);
    assert_true(all_ran(fs, 1, runs + 3));
    finish(d, fs, 2);
}

static void stop_drains_every_worker(void **state)
{
    (void)state;
    enum { N = 4 };
    static struct fake fs[N];
    struct dispatcher *d = start(2, &round_robin_ops, &quick);
    for (int i = 0; i < N; i++) {
        fake_init(&fs[i], FAKE_BUSY);
        add_and_wake(d, &fs[i], NULL);
    }
    assert_true(all_ran(fs, N, 3));
    dispatcher_stop(d);
    dispatcher_stop(d); /* idempotent */
    int runs[N];
    for (int i = 0; i < N; i++) {
        assert_int_equal(atomic_load(&fs[i].in_run), 0);
        runs[i] = atomic_load(&fs[i].runs);
    }
    dispatcher_wake(d, &fs[0].sv);
    usleep(20000);
    for (int i = 0; i < N; i++)
        assert_int_equal(atomic_load(&fs[i].runs), runs[i]);
    finish(d, fs, N);
}

static void bad_configs_and_params_are_refused(void **state)
{
    (void)state;
    struct dispatcher *d = NULL;
    struct dispatcher_config too_many = {.workers = DISPATCHER_MAX_WORKERS + 1};
    assert_int_equal(dispatcher_create(&d, &too_many), -EINVAL);
    const struct sched_config bad = {.max_slice_ns = 0, .ctx_allow_ns = 0, .mcu_ns = 1000};
    struct dispatcher_config bad_sched = {.workers = 1, .sched = &bad};
    assert_int_equal(dispatcher_create(&d, &bad_sched), -EINVAL);
    struct dispatcher_config small = {.workers = 1, .max_vcpus = 1};
    assert_int_equal(dispatcher_create(&d, &small), 0);
    static struct fake fs[2];
    fake_init(&fs[0], FAKE_BLOCKER);
    fake_init(&fs[1], FAKE_BLOCKER);
    struct sched_params zero = {0};
    assert_int_equal(dispatcher_add(d, &fs[0].sv, &zero), -EINVAL);
    assert_int_equal(dispatcher_add(d, &fs[0].sv, NULL), 0);
    assert_int_equal(dispatcher_add(d, &fs[0].sv, NULL), -EINVAL);
    assert_int_equal(dispatcher_add(d, &fs[1].sv, NULL), -ENOSPC);
    assert_int_equal(dispatcher_set_params(d, &fs[0].sv, &zero), -EINVAL);
    assert_int_equal(dispatcher_destroy(d), -EBUSY);
    finish(d, fs, 2);
}

/* Pause: a running vCPU is kicked and left alone until unparked, then
 * runs again; a parked blocked one that gets an event runs only after it
 * is unparked; a parked sleeping one without events stays asleep. */
static void parked_vcpu_runs_only_after_unpark(void **state)
{
    (void)state;
    static struct fake fs[2];
    struct dispatcher *d = start(1, &bvt_ops, &quick);
    fake_init(&fs[0], FAKE_BUSY);
    fake_init(&fs[1], FAKE_BLOCKER);
    add_and_wake(d, &fs[0], NULL);
    add_and_wake(d, &fs[1], NULL);
    assert_true(all_ran(fs, 2, 1));

    assert_int_equal(dispatcher_park(d, &fs[0].sv, 5000), 0);
    assert_int_equal(atomic_load(&fs[0].in_run), 0);
    int runs = atomic_load(&fs[0].runs);
    assert_int_equal(dispatcher_park(d, &fs[1].sv, 5000), 0);
    dispatcher_wake(d, &fs[1].sv); /* remembered, not run */
    int blocker_runs = atomic_load(&fs[1].runs);
    usleep(30000);
    assert_int_equal(atomic_load(&fs[0].runs), runs);
    assert_int_equal(atomic_load(&fs[1].runs), blocker_runs);

    assert_int_equal(dispatcher_unpark(d, &fs[0].sv), 0);
    assert_int_equal(dispatcher_unpark(d, &fs[1].sv), 0);
    assert_true(all_ran(&fs[0], 1, runs + 2));
    assert_true(all_ran(&fs[1], 1, blocker_runs + 1));

    /* Parked asleep, no event: unpark leaves it asleep. */
    assert_int_equal(dispatcher_park(d, &fs[1].sv, 5000), 0);
    blocker_runs = atomic_load(&fs[1].runs);
    assert_int_equal(dispatcher_unpark(d, &fs[1].sv), 0);
    usleep(20000);
    assert_int_equal(atomic_load(&fs[1].runs), blocker_runs);

    struct fake out;
    fake_init(&out, FAKE_BUSY);
    assert_int_equal(dispatcher_park(d, &out.sv, 10), -ESRCH);
    assert_int_equal(dispatcher_unpark(d, &out.sv), -ESRCH);
    fake_destroy(&out);
    finish(d, fs, 2);
}

/* The charged callback reports each vCPU's growing total run time. */
static atomic_ullong charged_seen;
static void note_charged(void *ctx, uint64_t run_ns)
{
    (void)ctx;
    atomic_store(&charged_seen, run_ns);
}

static void charged_callback_reports_run_time(void **state)
{
    (void)state;
    static const struct sched_vcpu_ops ops = {.run = fake_run, .kick = fake_kick, .charged = note_charged};
    static struct fake f;
    struct dispatcher *d = start(1, &bvt_ops, &quick);
    fake_init(&f, FAKE_BUSY);
    f.sv.ops = &ops;
    add_and_wake(d, &f, NULL);
    assert_true(all_ran(&f, 1, 5));
    dispatcher_stop(d);
    struct sched_info info;
    assert_int_equal(dispatcher_get_info(d, &f.sv, &info), 0);
    assert_true(atomic_load(&charged_seen) > 0);
    assert_int_equal(atomic_load(&charged_seen), info.run_ns);
    finish(d, &f, 1);
}

/* Wake-ups are counted from the event to the run, in power-of-two buckets. */
static void wake_latency_is_counted(void **state)
{
    (void)state;
    static struct fake f;
    struct dispatcher *d = start(1, &bvt_ops, &quick);
    fake_init(&f, FAKE_BLOCKER);
    add_and_wake(d, &f, NULL);
    assert_true(all_ran(&f, 1, 1));
    for (int i = 0; i < 5; i++) {
        dispatcher_wake(d, &f.sv);
        assert_true(all_ran(&f, 1, i + 2));
    }
    struct dispatcher_stats st;
    dispatcher_get_stats(d, &st);
    uint64_t counted = 0;
    for (unsigned b = 0; b < DISPATCHER_LATENCY_BUCKETS; b++)
        counted += st.wake_latency[b];
    assert_int_equal(counted, 6);
    assert_true(dispatcher_latency_bound_us(&st, 500) >= 1);

    struct dispatcher_stats s = {0};
    assert_int_equal(dispatcher_latency_bound_us(&s, 500), 0);
    s.wake_latency[3] = 9;   /* below 8 us */
    s.wake_latency[10] = 1;  /* below 1024 us */
    assert_int_equal(dispatcher_latency_bound_us(&s, 500), 8);
    assert_int_equal(dispatcher_latency_bound_us(&s, 900), 8);
    assert_int_equal(dispatcher_latency_bound_us(&s, 990), 1024);
    s.wake_latency[DISPATCHER_LATENCY_BUCKETS - 1] = 90;
    assert_int_equal(dispatcher_latency_bound_us(&s, 500), UINT64_MAX);
    finish(d, &f, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_runnable_vcpu_makes_progress),
        cmocka_unit_test(blocked_vcpu_uses_no_slice_until_woken),
        cmocka_unit_test(deadlines_wake_in_order),
        cmocka_unit_test(vcpu_moves_between_workers),
        cmocka_unit_test(woken_warped_vcpu_preempts_a_running_one),
        cmocka_unit_test(two_wake_ups_in_a_row_reach_two_workers),
        cmocka_unit_test(exited_vcpu_leaves),
        cmocka_unit_test(running_vcpu_is_removed_and_added_again),
        cmocka_unit_test(stop_drains_every_worker),
        cmocka_unit_test(bad_configs_and_params_are_refused),
        cmocka_unit_test(parked_vcpu_runs_only_after_unpark),
        cmocka_unit_test(charged_callback_reports_run_time),
        cmocka_unit_test(wake_latency_is_counted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
