/* The full-virtualization machine's I/O thread (fv/fv_io.h) and its pause
 * over every vCPU's run gate, without KVM: a machine with no VM, a console
 * whose sink is this test, and fake vCPU threads that pass their gates.
 * No test measures time: waits are bounded only to fail instead of hanging. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "fv/fv_io.h"
#include "fv/fv_machine.h"
#include "fv/fv_vcpu.h"
#include "util/time.h"

#define GUARD_NS (10 * 1000000000ull)

static struct fv_machine m;
static struct fv_io io;
static char err[256];

/* The console's input device: takes bytes only while `room` allows. */
static char taken[8192];
static size_t ntaken;
static atomic_size_t room;

static size_t sink(void *ctx, const uint8_t *buf, size_t len)
{
    (void)ctx;
    size_t n = atomic_load(&room);
    if (n > len)
        n = len;
    if (n > sizeof taken - ntaken)
        n = sizeof taken - ntaken;
    memcpy(taken + ntaken, buf, n);
    ntaken += n;
    atomic_fetch_sub(&room, n);
    return n;
}

static void machine(int in_fd, unsigned ncpus)
{
    memset(&m, 0, sizeof m);
    memset(&io, 0, sizeof io);
    ntaken = 0;
    atomic_store(&room, sizeof taken);
    m.ncpus = ncpus;
    fv_console_init(&m.console, in_fd, -1, NULL, 0);
    fv_console_set_sink(&m.console, sink, NULL);
}

static int teardown(void **state)
{
    (void)state;
    fv_io_stop(&io);
    fv_console_destroy(&m.console);
    return 0;
}

static void start(int sig_fd, uint64_t deadline_ns, const struct fv_watch *extra)
{
    assert_int_equal(fv_io_start(&io, &m, sig_fd, deadline_ns, extra, err, sizeof err), 0);
}

static void wait_until(bool (*cond)(void))
{
    uint64_t guard = monotonic_ns() + GUARD_NS;
    while (!cond() && monotonic_ns() < guard)
        poll(NULL, 0, 1);
    assert_true(cond());
}

static bool ended(void) { return atomic_load(&m.end) != FV_RUNNING; }

static void deadline_ends_the_machine(void **state)
{
    (void)state;
    machine(-1, 0);
    start(-1, monotonic_ns() + 1000000, NULL);
    wait_until(ended);
    assert_int_equal(atomic_load(&m.end), FV_END_TIMEOUT);
}

static void signal_ends_the_machine(void **state)
{
    (void)state;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    int sig_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    assert_true(sig_fd >= 0);
    machine(-1, 0);
    start(sig_fd, 0, NULL);
    assert_int_equal(kill(getpid(), SIGHUP), 0);
    wait_until(ended);
    assert_int_equal(atomic_load(&m.end), FV_END_INTERRUPTED);
    fv_io_stop(&io);
    close(sig_fd);
}

static bool all_taken(void) { return ntaken == 26; }

/* The device takes nothing at first: the input waits, and is offered again
 * (on the retry timer) once there is room. */
static void stdin_waits_for_room(void **state)
{
    (void)state;
    int p[2];
    assert_int_equal(pipe2(p, O_CLOEXEC | O_NONBLOCK), 0);
    machine(p[0], 0);
    atomic_store(&room, 0);
    start(-1, 0, NULL);
    assert_int_equal(write(p[1], "abcdefghijklmnopqrstuvwxyz", 26), 26);
    atomic_store(&room, 10);
    uint64_t guard = monotonic_ns() + GUARD_NS;
    while (ntaken < 10 && monotonic_ns() < guard)
        poll(NULL, 0, 1);
    atomic_store(&room, 100);
    wait_until(all_taken);
    assert_memory_equal(taken, "abcdefghijklmnopqrstuvwxyz", 26);
    fv_io_stop(&io);
    close(p[0]);
    close(p[1]);
}

static bool input_ended(void) { return __atomic_load_n(&m.console.in_done, __ATOMIC_ACQUIRE); }

static bool stdin_muted(void) { return __atomic_load_n(&io.in_muted, __ATOMIC_ACQUIRE); }

/* More than the console buffers: stdin is muted while the buffer is full
 * (no busy loop), and read again once the device takes input. */
static void full_input_mutes_stdin_until_there_is_room(void **state)
{
    (void)state;
    static char sent[6000];
    for (size_t i = 0; i < sizeof sent; i++)
        sent[i] = (char)('A' + i % 26);
    int p[2];
    assert_int_equal(pipe2(p, O_CLOEXEC | O_NONBLOCK), 0);
    assert_int_equal(write(p[1], sent, sizeof sent), sizeof sent);
    machine(p[0], 0);
    atomic_store(&room, 0);
    start(-1, 0, NULL);
    wait_until(stdin_muted);
    atomic_store(&room, sizeof taken);
    uint64_t guard = monotonic_ns() + GUARD_NS;
    while (ntaken < sizeof sent && monotonic_ns() < guard)
        poll(NULL, 0, 1);
    fv_io_stop(&io);
    assert_int_equal(ntaken, sizeof sent);
    assert_memory_equal(taken, sent, sizeof sent);
    assert_false(io.in_muted);
    close(p[0]);
    close(p[1]);
}

/* A regular file cannot be polled: it is read on the timer. */
static void unpollable_stdin_is_read_on_a_timer(void **state)
{
    (void)state;
    char path[] = "/tmp/mica-fv-io-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    unlink(path);
    assert_int_equal(write(fd, "abcdefghijklmnopqrstuvwxyz", 26), 26);
    assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
    machine(fd, 0);
    start(-1, 0, NULL);
    wait_until(all_taken);
    wait_until(input_ended);
    fv_io_stop(&io);
    close(fd);
}

static atomic_int extra_calls;
static int extra_pipe[2];

static void on_extra(void *ctx)
{
    (void)ctx;
    char c;
    (void)!read(extra_pipe[0], &c, 1);
    atomic_fetch_add(&extra_calls, 1);
}

static bool extra_called(void) { return atomic_load(&extra_calls) == 1; }

static void extra_watch_runs_on_the_io_thread(void **state)
{
    (void)state;
    assert_int_equal(pipe2(extra_pipe, O_CLOEXEC | O_NONBLOCK), 0);
    struct fv_watch w = {.fd = extra_pipe[0], .on_ready = on_extra};
    machine(-1, 0);
    start(-1, 0, &w);
    assert_int_equal(write(extra_pipe[1], "x", 1), 1);
    wait_until(extra_called);
    fv_io_stop(&io);
    close(extra_pipe[0]);
    close(extra_pipe[1]);
}

/* ---- pause over every vCPU's gate ------------------------------------------- */

#define NCPUS 3

static void *fake_vcpu(void *arg)
{
    struct fv_vcpu *v = arg;
    while (run_gate_enter(&v->gate))
        poll(NULL, 0, 1); /* "the guest"; the gate is passed again soon */
    run_gate_leave(&v->gate);
    return NULL;
}

static struct fv_vcpu vcpus[NCPUS];

static bool all_running(void)
{
    for (unsigned i = 0; i < NCPUS; i++)
        if (run_gate_where(&vcpus[i].gate) != RUN_GATE_RUNNING)
            return false;
    return true;
}

static void pause_parks_every_vcpu_and_end_releases_them(void **state)
{
    (void)state;
    machine(-1, NCPUS);
    m.vcpus = vcpus;
    for (unsigned i = 0; i < NCPUS; i++) {
        vcpus[i] = (struct fv_vcpu){.m = &m, .index = i};
        /* No kick: the fake passes its gate every millisecond anyway. */
        assert_int_equal(run_gate_init(&vcpus[i].gate, NULL, NULL), 0);
        vcpus[i].gate_ready = true;
        assert_int_equal(pthread_create(&vcpus[i].thread, NULL, fake_vcpu, &vcpus[i]), 0);
    }
    wait_until(all_running);
    assert_int_equal(fv_machine_pause(&m, 10000), 0);
    assert_true(fv_machine_paused(&m));
    for (unsigned i = 0; i < NCPUS; i++)
        assert_int_equal(run_gate_where(&vcpus[i].gate), RUN_GATE_PARKED);
    assert_int_equal(fv_machine_resume(&m), 0);
    assert_false(fv_machine_paused(&m));
    fv_machine_end(&m, FV_END_SHUTDOWN, NULL); /* running or parked, all end */
    for (unsigned i = 0; i < NCPUS; i++) {
        assert_int_equal(pthread_join(vcpus[i].thread, NULL), 0);
        assert_int_equal(run_gate_where(&vcpus[i].gate), RUN_GATE_LEFT);
    }
    assert_int_equal(fv_machine_pause(&m, 10000), -ESRCH);
    assert_int_equal(fv_machine_resume(&m), -ESRCH);
    for (unsigned i = 0; i < NCPUS; i++)
        fv_vcpu_destroy(&vcpus[i]);
    m.vcpus = NULL;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(deadline_ends_the_machine, teardown),
        cmocka_unit_test_teardown(signal_ends_the_machine, teardown),
        cmocka_unit_test_teardown(stdin_waits_for_room, teardown),
        cmocka_unit_test_teardown(full_input_mutes_stdin_until_there_is_room, teardown),
        cmocka_unit_test_teardown(unpollable_stdin_is_read_on_a_timer, teardown),
        cmocka_unit_test_teardown(extra_watch_runs_on_the_io_thread, teardown),
        cmocka_unit_test_teardown(pause_parks_every_vcpu_and_end_releases_them, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
