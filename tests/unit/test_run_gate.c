/* The run gate (vmm/run_gate.h) with a fake vCPU: its "guest" runs until
 * kicked (a signal to the recorded thread plus an immediate_exit flag, as
 * a KVM vCPU), its "event wait" is a pipe. Pause while running, pause while
 * blocked, resume, stop while paused, stop winning over pause, a pause that
 * times out, and a kick that reaches the thread the vCPU moved to. No test
 * measures time: waits are bounded only to fail instead of hanging. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/time.h"
#include "vmm/run_gate.h"

#define GUARD_MS 10000
#define KICK_SIGNAL SIGUSR2

struct fake_vcpu {
    struct run_gate gate;
    atomic_bool immediate_exit;
    atomic_int kicks, entries, guest_runs;
    atomic_bool stuck;     /* the guest ignores kicks (a vCPU stuck in the host) */
    int event[2];          /* a pipe: readable = an event for the blocked vCPU */
    pthread_t thread;
};

static _Atomic(pthread_t) kicked_thread; /* set by the signal handler */

static void on_kick_signal(int sig)
{
    (void)sig;
    atomic_store(&kicked_thread, pthread_self());
}

static void fake_kick(void *ctx, const pthread_t *thread)
{
    struct fake_vcpu *v = ctx;
    atomic_fetch_add(&v->kicks, 1);
    atomic_store(&v->immediate_exit, true);
    if (thread)
        pthread_kill(*thread, KICK_SIGNAL);
    /* A PV vCPU's kick also wakes its event wait: the pipe here. */
    (void)!write(v->event[1], "k", 1);
}

/* The guest: runs until kicked (or unstuck), using no CPU meanwhile. */
static void run_guest(struct fake_vcpu *v)
{
    atomic_fetch_add(&v->guest_runs, 1);
    while (!atomic_load(&v->immediate_exit) || atomic_load(&v->stuck))
        poll(NULL, 0, 1);
    atomic_store(&v->immediate_exit, false);
}

static void drain_events(struct fake_vcpu *v)
{
    char buf[64];
    while (read(v->event[0], buf, sizeof buf) > 0) {
    }
}

/* Blocks until an event (or a kick) arrives, as PV's block hypercall. */
static void wait_for_event(struct fake_vcpu *v)
{
    run_gate_block(&v->gate);
    struct pollfd p = {.fd = v->event[0], .events = POLLIN};
    while (!run_gate_stopping(&v->gate) && poll(&p, 1, -1) != 1) {
    }
    drain_events(v);
    run_gate_unblock(&v->gate);
}

static void *vcpu_loop(void *arg)
{
    struct fake_vcpu *v = arg;
    while (run_gate_enter(&v->gate)) {
        atomic_fetch_add(&v->entries, 1);
        run_guest(v);
    }
    run_gate_leave(&v->gate);
    return NULL;
}

/* A guest that blocks at once after every entry. */
static void *blocking_loop(void *arg)
{
    struct fake_vcpu *v = arg;
    while (run_gate_enter(&v->gate)) {
        atomic_fetch_add(&v->entries, 1);
        wait_for_event(v);
    }
    run_gate_leave(&v->gate);
    return NULL;
}

static struct fake_vcpu vcpu;

static int setup(void **state)
{
    (void)state;
    memset(&vcpu, 0, sizeof vcpu);
    struct sigaction sa = {.sa_handler = on_kick_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(KICK_SIGNAL, &sa, NULL);
    if (pipe2(vcpu.event, O_CLOEXEC | O_NONBLOCK) < 0)
        return -1;
    return run_gate_init(&vcpu.gate, fake_kick, &vcpu) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    run_gate_destroy(&vcpu.gate);
    close(vcpu.event[0]);
    close(vcpu.event[1]);
    return 0;
}

static void start(void *(*loop)(void *))
{
    assert_int_equal(pthread_create(&vcpu.thread, NULL, loop, &vcpu), 0);
}

/* Waits (bounded) until the vCPU is at `where`. */
static void wait_where(enum run_gate_where where)
{
    uint64_t guard = monotonic_ns() + GUARD_MS * 1000000ull;
    while (run_gate_where(&vcpu.gate) != where && monotonic_ns() < guard)
        poll(NULL, 0, 1);
    assert_int_equal(run_gate_where(&vcpu.gate), where);
}

static void wait_entries(int n)
{
    uint64_t guard = monotonic_ns() + GUARD_MS * 1000000ull;
    while (atomic_load(&vcpu.entries) < n && monotonic_ns() < guard)
        poll(NULL, 0, 1);
    assert_true(atomic_load(&vcpu.entries) >= n);
}

static void join(void)
{
    struct timespec guard;
    clock_gettime(CLOCK_REALTIME, &guard);
    guard.tv_sec += GUARD_MS / 1000;
    assert_int_equal(pthread_timedjoin_np(vcpu.thread, NULL, &guard), 0);
    assert_int_equal(run_gate_where(&vcpu.gate), RUN_GATE_LEFT);
}

static void pause_while_running(void **state)
{
    (void)state;
    start(vcpu_loop);
    wait_entries(1);
    assert_int_equal(run_gate_pause(&vcpu.gate, GUARD_MS), 0);
    assert_int_equal(run_gate_where(&vcpu.gate), RUN_GATE_PARKED);
    assert_true(run_gate_pause_requested(&vcpu.gate));
    assert_true(atomic_load(&vcpu.kicks) >= 1);
    int runs = atomic_load(&vcpu.guest_runs);
    poll(NULL, 0, 20); /* parked: the guest is not entered meanwhile */
    assert_int_equal(atomic_load(&vcpu.guest_runs), runs);
    assert_true(run_gate_stop(&vcpu.gate, 7));
    join();
    assert_int_equal(run_gate_stop_reason(&vcpu.gate), 7);
}

static void pause_while_blocked(void **state)
{
    (void)state;
    start(blocking_loop);
    wait_where(RUN_GATE_BLOCKED);
    /* Granted at once: the blocked vCPU is not woken for it. */
    assert_int_equal(run_gate_pause(&vcpu.gate, GUARD_MS), 0);
    assert_int_equal(run_gate_where(&vcpu.gate), RUN_GATE_BLOCKED);
    assert_int_equal(atomic_load(&vcpu.kicks), 0);
    /* An event while paused: the vCPU stops at the gate, not in the guest. */
    int entries = atomic_load(&vcpu.entries);
    assert_int_equal(write(vcpu.event[1], "e", 1), 1);
    wait_where(RUN_GATE_PARKED);
    assert_int_equal(atomic_load(&vcpu.entries), entries);
    assert_int_equal(run_gate_resume(&vcpu.gate), 0);
    wait_entries(entries + 1);
    wait_where(RUN_GATE_BLOCKED);
    /* A stop reaches a blocked vCPU through its kick. */
    run_gate_stop(&vcpu.gate, 1);
    join();
}

static void resume_runs_the_guest_again(void **state)
{
    (void)state;
    start(vcpu_loop);
    wait_entries(1);
    assert_int_equal(run_gate_pause(&vcpu.gate, GUARD_MS), 0);
    int entries = atomic_load(&vcpu.entries);
    assert_int_equal(run_gate_resume(&vcpu.gate), 0);
    assert_false(run_gate_pause_requested(&vcpu.gate));
    wait_entries(entries + 1);
    assert_int_equal(run_gate_where(&vcpu.gate), RUN_GATE_RUNNING);
    /* Pause and resume again, as often as a controller likes. */
    assert_int_equal(run_gate_pause(&vcpu.gate, GUARD_MS), 0);
    assert_int_equal(run_gate_resume(&vcpu.gate), 0);
    run_gate_stop(&vcpu.gate, 1);
    join();
}

static void stop_while_paused(void **state)
{
    (void)state;
    start(vcpu_loop);
    wait_entries(1);
    assert_int_equal(run_gate_pause(&vcpu.gate, GUARD_MS), 0);
    assert_true(run_gate_stop(&vcpu.gate, 3));
    assert_false(run_gate_stop(&vcpu.gate, 4)); /* the first reason stays */
    join();                                    /* released to end */
    assert_int_equal(run_gate_stop_reason(&vcpu.gate), 3);
    assert_int_equal(run_gate_pause(&vcpu.gate, GUARD_MS), -ESRCH);
    assert_int_equal(run_gate_resume(&vcpu.gate), -ESRCH);
}

static void stop_wins_over_pause(void **state)
{
    (void)state;
    run_gate_request_pause(&vcpu.gate); /* before the vCPU even starts */
    run_gate_stop(&vcpu.gate, 2);
    start(vcpu_loop);
    join();
    assert_int_equal(atomic_load(&vcpu.guest_runs), 0);
    assert_int_equal(run_gate_pause(&vcpu.gate, GUARD_MS), -ESRCH);
}

static void pause_before_start_holds_the_vcpu(void **state)
{
    (void)state;
    assert_int_equal(run_gate_pause(&vcpu.gate, GUARD_MS), 0); /* IDLE: not in the guest */
    start(vcpu_loop);
    wait_where(RUN_GATE_PARKED);
    assert_int_equal(atomic_load(&vcpu.guest_runs), 0);
    run_gate_stop(&vcpu.gate, 1);
    join();
}

/* A vCPU stuck in the host: the pause gives up and withdraws itself. */
static void pause_times_out_and_withdraws(void **state)
{
    (void)state;
    atomic_store(&vcpu.stuck, true);
    start(vcpu_loop);
    wait_entries(1);
    assert_int_equal(run_gate_pause(&vcpu.gate, 20), -ETIMEDOUT);
    assert_false(run_gate_pause_requested(&vcpu.gate));
    atomic_store(&vcpu.stuck, false);
    run_gate_stop(&vcpu.gate, 1);
    join();
}

/* The vCPU is run by thread A once, then by thread B: the kick of a pause
 * must reach B (the one in the guest), not A. */
static void *enter_once(void *arg)
{
    struct fake_vcpu *v = arg;
    assert_true(run_gate_enter(&v->gate));
    return NULL; /* left the guest by itself; another worker takes over */
}

static void kick_reaches_the_thread_the_vcpu_moved_to(void **state)
{
    (void)state;
    pthread_t a;
    assert_int_equal(pthread_create(&a, NULL, enter_once, &vcpu), 0);
    assert_int_equal(pthread_join(a, NULL), 0);
    atomic_store(&kicked_thread, (pthread_t)0);
    start(vcpu_loop); /* thread B */
    wait_entries(1);
    assert_int_equal(run_gate_pause(&vcpu.gate, GUARD_MS), 0);
    assert_true(pthread_equal(atomic_load(&kicked_thread), vcpu.thread));
    run_gate_stop(&vcpu.gate, 1);
    join();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(pause_while_running, setup, teardown),
        cmocka_unit_test_setup_teardown(pause_while_blocked, setup, teardown),
        cmocka_unit_test_setup_teardown(resume_runs_the_guest_again, setup, teardown),
        cmocka_unit_test_setup_teardown(stop_while_paused, setup, teardown),
        cmocka_unit_test_setup_teardown(stop_wins_over_pause, setup, teardown),
        cmocka_unit_test_setup_teardown(pause_before_start_holds_the_vcpu, setup, teardown),
        cmocka_unit_test_setup_teardown(pause_times_out_and_withdraws, setup, teardown),
        cmocka_unit_test_setup_teardown(kick_reaches_the_thread_the_vcpu_moved_to, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
