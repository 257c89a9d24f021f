/* The event loop (util/evloop.h): descriptor readiness, timers in order and
 * cancelled, quit from another thread, removal inside callbacks, bounded
 * work per wake-up, and errors as -errno with a message. No test measures
 * time; waits that are not instant are failure guards only. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "util/evloop.h"
#include "util/time.h"

#define GUARD_MS 10000 /* only reached when the loop is broken */
#define SECOND 1000000000ull

static struct evloop loop;

static int setup(void **state)
{
    (void)state;
    return evloop_init(&loop) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    evloop_destroy(&loop);
    return 0;
}

static int ready_fd(void)
{
    int fd = eventfd(1, EFD_CLOEXEC | EFD_NONBLOCK); /* readable from the start */
    assert_true(fd >= 0);
    return fd;
}

static void drain(int fd)
{
    uint64_t v;
    (void)!read(fd, &v, sizeof v);
}

/* ---- descriptors ---------------------------------------------------------- */

struct seen {
    int calls, fd;
    uint32_t events;
};

static void on_fd(void *ctx, int fd, uint32_t events)
{
    struct seen *s = ctx;
    s->calls++;
    s->fd = fd;
    s->events = events;
    drain(fd);
}

static void fd_readiness(void **state)
{
    (void)state;
    int p[2];
    assert_int_equal(pipe2(p, O_CLOEXEC | O_NONBLOCK), 0);
    struct seen s = {0};
    assert_int_equal(evloop_add(&loop, p[0], EPOLLIN, on_fd, &s), 0);
    assert_int_equal(evloop_run_once(&loop, 0), 0); /* nothing written yet */
    assert_int_equal(write(p[1], "x", 1), 1);
    assert_int_equal(evloop_run_once(&loop, GUARD_MS), 1);
    assert_int_equal(s.calls, 1);
    assert_int_equal(s.fd, p[0]);
    assert_true(s.events & EPOLLIN);
    /* Muted: readable but not reported, not even its hang-up; then back. */
    assert_int_equal(evloop_modify(&loop, p[0], 0), 0);
    assert_int_equal(write(p[1], "y", 1), 1);
    close(p[1]);
    assert_int_equal(evloop_run_once(&loop, 0), 0);
    assert_int_equal(evloop_modify(&loop, p[0], EPOLLIN), 0);
    assert_int_equal(evloop_run_once(&loop, GUARD_MS), 1);
    assert_int_equal(s.calls, 2);
    assert_int_equal(evloop_remove(&loop, p[0]), 0);
    close(p[0]);
}

static void errors_say_what(void **state)
{
    (void)state;
    struct seen s = {0};
    char path[] = "/tmp/mica-evloop-XXXXXX";
    int file = mkstemp(path);
    assert_true(file >= 0);
    unlink(path);
    assert_int_equal(evloop_add(&loop, file, EPOLLIN, on_fd, &s), -EPERM); /* not pollable */
    assert_non_null(strstr(evloop_error(&loop), "watch descriptor"));
    close(file);
    int fd = ready_fd();
    assert_int_equal(evloop_add(&loop, fd, EPOLLIN, on_fd, &s), 0);
    assert_int_equal(evloop_add(&loop, fd, EPOLLIN, on_fd, &s), -EEXIST);
    assert_int_equal(evloop_remove(&loop, fd), 0);
    assert_int_equal(evloop_remove(&loop, fd), -ENOENT);
    assert_int_equal(evloop_modify(&loop, fd, EPOLLIN), -ENOENT);
    assert_non_null(strstr(evloop_error(&loop), "not subscribed"));
    close(fd);
}

/* Each callback removes (and closes) every subscribed descriptor, its own
 * included: whichever runs first, the other's collected readiness must not
 * reach a freed subscription (ASan would say so). */
static int pair[2];
static int pair_calls;

static void remove_both(void *ctx, int fd, uint32_t events)
{
    (void)ctx, (void)fd, (void)events;
    pair_calls++;
    for (int i = 0; i < 2; i++)
        if (pair[i] >= 0) {
            assert_int_equal(evloop_remove(&loop, pair[i]), 0);
            close(pair[i]);
            pair[i] = -1;
        }
}

static void remove_inside_callback(void **state)
{
    (void)state;
    pair[0] = ready_fd();
    pair[1] = ready_fd();
    assert_int_equal(evloop_add(&loop, pair[0], EPOLLIN, remove_both, NULL), 0);
    assert_int_equal(evloop_add(&loop, pair[1], EPOLLIN, remove_both, NULL), 0);
    assert_int_equal(evloop_run_once(&loop, GUARD_MS), 1);
    assert_int_equal(pair_calls, 1);
    /* A new subscription on a reused descriptor number works as any other. */
    int fd = ready_fd();
    struct seen s = {0};
    assert_int_equal(evloop_add(&loop, fd, EPOLLIN, on_fd, &s), 0);
    assert_int_equal(evloop_run_once(&loop, GUARD_MS), 1);
    assert_int_equal(s.calls, 1);
    evloop_remove(&loop, fd);
    close(fd);
}

#define MANY (EVLOOP_MAX_EVENTS + 4)

static void bounded_events_per_wake_up(void **state)
{
    (void)state;
    int fds[MANY];
    struct seen s = {0};
    for (int i = 0; i < MANY; i++) {
        fds[i] = ready_fd();
        assert_int_equal(evloop_add(&loop, fds[i], EPOLLIN, on_fd, &s), 0);
    }
    assert_int_equal(evloop_run_once(&loop, 0), EVLOOP_MAX_EVENTS);
    assert_int_equal(evloop_run_once(&loop, 0), MANY - EVLOOP_MAX_EVENTS);
    assert_int_equal(evloop_run_once(&loop, 0), 0);
    assert_int_equal(s.calls, MANY);
    for (int i = 0; i < MANY; i++) {
        evloop_remove(&loop, fds[i]);
        close(fds[i]);
    }
}

/* ---- timers ----------------------------------------------------------------- */

static char order[64];
static size_t norder;

struct mark {
    char name;
    struct evloop_timer *cancel; /* a timer this one cancels when it fires */
};

static void on_timer(void *ctx)
{
    struct mark *m = ctx;
    if (norder + 1 < sizeof order)
        order[norder++] = m->name;
    order[norder] = '\0';
    if (m->cancel)
        evloop_timer_cancel(&loop, m->cancel);
}

static void timers_fire_in_deadline_order(void **state)
{
    (void)state;
    norder = 0;
    uint64_t now = monotonic_ns();
    struct mark a = {'a', NULL}, b = {'b', NULL}, c = {'c', NULL}, d = {'d', NULL}, later = {'z', NULL};
    struct evloop_timer ta, tb, tc, td, tz;
    evloop_timer_init(&ta, on_timer, &a);
    evloop_timer_init(&tb, on_timer, &b);
    evloop_timer_init(&tc, on_timer, &c);
    evloop_timer_init(&td, on_timer, &d);
    evloop_timer_init(&tz, on_timer, &later);
    /* All due (in the past) but one an hour away; c and d share a
     * deadline and fire in the order they were armed. */
    assert_int_equal(evloop_timer_at(&loop, &tz, now + 3600 * SECOND), 0);
    assert_int_equal(evloop_timer_at(&loop, &tc, now - 2 * SECOND), 0);
    assert_int_equal(evloop_timer_at(&loop, &ta, now - 3 * SECOND), 0);
    assert_int_equal(evloop_timer_at(&loop, &td, now - 2 * SECOND), 0);
    assert_int_equal(evloop_timer_at(&loop, &tb, now - 3 * SECOND + 1), 0);
    assert_int_equal(evloop_run_once(&loop, GUARD_MS), 4);
    assert_string_equal(order, "abcd");
    assert_true(tz.armed);
    evloop_timer_cancel(&loop, &tz);
    assert_false(tz.armed);
    assert_int_equal(evloop_run_once(&loop, 0), 0);
}

static void cancelled_timers_do_not_fire(void **state)
{
    (void)state;
    norder = 0;
    order[0] = '\0';
    uint64_t now = monotonic_ns();
    struct evloop_timer t1, t2, t3, t4;
    struct mark m1 = {'1', NULL}, m2 = {'2', &t3}, m3 = {'3', NULL}, m4 = {'4', NULL};
    evloop_timer_init(&t1, on_timer, &m1);
    evloop_timer_init(&t2, on_timer, &m2);
    evloop_timer_init(&t3, on_timer, &m3);
    evloop_timer_init(&t4, on_timer, &m4);
    assert_int_equal(evloop_timer_at(&loop, &t1, now - 4), 0);
    assert_int_equal(evloop_timer_at(&loop, &t2, now - 3), 0);
    assert_int_equal(evloop_timer_at(&loop, &t3, now - 2), 0); /* cancelled by 2 */
    assert_int_equal(evloop_timer_at(&loop, &t4, now - 1), 0);
    evloop_timer_cancel(&loop, &t1);
    evloop_timer_cancel(&loop, &t1); /* twice is harmless */
    /* Re-arming moves a timer rather than adding a second one. */
    assert_int_equal(evloop_timer_at(&loop, &t4, now - 10), 0);
    assert_int_equal(evloop_run_once(&loop, GUARD_MS), 2);
    assert_string_equal(order, "42");
    assert_false(t3.armed);
}

static void bounded_timers_per_wake_up(void **state)
{
    (void)state;
    norder = 0;
    struct evloop_timer t[MANY];
    struct mark m = {'t', NULL};
    uint64_t now = monotonic_ns();
    for (int i = 0; i < MANY; i++) {
        evloop_timer_init(&t[i], on_timer, &m);
        assert_int_equal(evloop_timer_at(&loop, &t[i], now - SECOND + (uint64_t)i), 0);
    }
    assert_int_equal(evloop_run_once(&loop, GUARD_MS), EVLOOP_MAX_TIMERS);
    assert_int_equal(evloop_run_once(&loop, GUARD_MS), MANY - EVLOOP_MAX_TIMERS);
}

/* A future deadline is reached through the timerfd: the wait ends by
 * itself (the guard only stops a broken loop from hanging the suite). */
static void future_timer_wakes_the_loop(void **state)
{
    (void)state;
    norder = 0;
    struct mark m = {'f', NULL};
    struct evloop_timer t;
    evloop_timer_init(&t, on_timer, &m);
    assert_int_equal(evloop_timer_after(&loop, &t, 1000000), 0); /* 1 ms */
    int ran = 0;
    uint64_t guard = monotonic_ns() + GUARD_MS * 1000000ull;
    while (ran == 0 && monotonic_ns() < guard)
        ran = evloop_run_once(&loop, GUARD_MS);
    assert_int_equal(ran, 1);
    assert_int_equal(order[0], 'f');
}

/* ---- quit and the after-wake hook ------------------------------------------- */

static void *run_loop(void *arg)
{
    (void)arg;
    return (void *)(intptr_t)evloop_run(&loop);
}

static void quit_from_another_thread(void **state)
{
    (void)state;
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, run_loop, NULL), 0);
    evloop_quit(&loop);
    struct timespec guard;
    clock_gettime(CLOCK_REALTIME, &guard);
    guard.tv_sec += GUARD_MS / 1000;
    void *rc = (void *)1;
    assert_int_equal(pthread_timedjoin_np(t, &rc, &guard), 0);
    assert_null(rc);
    assert_true(evloop_quitting(&loop));
    assert_int_equal(evloop_run(&loop), 0); /* sticky: returns at once */
}

static int wakes;
static void count_wake(void *ctx)
{
    (void)ctx;
    wakes++;
}

static void after_wake_runs_each_wake_up(void **state)
{
    (void)state;
    struct seen s = {0};
    int fd = ready_fd();
    evloop_set_after_wake(&loop, count_wake, NULL);
    assert_int_equal(evloop_add(&loop, fd, EPOLLIN, on_fd, &s), 0);
    assert_int_equal(evloop_run_once(&loop, GUARD_MS), 1);
    assert_int_equal(wakes, 1);
    assert_int_equal(evloop_run_once(&loop, 0), 0);
    assert_int_equal(wakes, 2);
    evloop_remove(&loop, fd);
    close(fd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(fd_readiness, setup, teardown),
        cmocka_unit_test_setup_teardown(errors_say_what, setup, teardown),
        cmocka_unit_test_setup_teardown(remove_inside_callback, setup, teardown),
        cmocka_unit_test_setup_teardown(bounded_events_per_wake_up, setup, teardown),
        cmocka_unit_test_setup_teardown(timers_fire_in_deadline_order, setup, teardown),
        cmocka_unit_test_setup_teardown(cancelled_timers_do_not_fire, setup, teardown),
        cmocka_unit_test_setup_teardown(bounded_timers_per_wake_up, setup, teardown),
        cmocka_unit_test_setup_teardown(future_timer_wakes_the_loop, setup, teardown),
        cmocka_unit_test_setup_teardown(quit_from_another_thread, setup, teardown),
        cmocka_unit_test_setup_teardown(after_wake_runs_each_wake_up, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
