/* `mica run`'s I/O threads (cli/run_io.h) around a KVM-less PV domain
 * (support/pv_testbed.h): the --timeout and signals become stop requests on
 * the vCPU's run gate, stdin reaches the guest's input ring (also more of
 * it than fits, and its end), guest output leaves through the doorbell, and
 * a stalled stdout cannot hold up the --timeout. No test measures time:
 * waits are bounded only to fail instead of hanging. */
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
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "run/run_io.h"
#include "mica/ring.h"
#include "support/pv_testbed.h"
#include "util/time.h"

#define GUARD_NS (10 * 1000000000ull)

static struct pv_domain *d;
static struct solo_control ctl;
static struct run_io io;
static char err[256];

static int setup(void **state)
{
    (void)state;
    d = testbed_domain(16);
    d->doorbell_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    memset(&io, 0, sizeof io);
    return d->doorbell_fd >= 0 && solo_control_init(&ctl, d) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    run_io_stop(&io);
    solo_control_destroy(&ctl);
    pv_domain_destroy(d);
    return 0;
}

static void start_with_keys(int in_fd, int sig_fd, uint64_t timeout_ns, bool escape_keys)
{
    struct run_io_config cfg = {.in_fd = in_fd, .sig_fd = sig_fd, .timeout_ns = timeout_ns,
                                .escape_keys = escape_keys};
    assert_int_equal(run_io_start(&io, d, &ctl, &cfg, err, sizeof err), 0);
}

static void start(int in_fd, int sig_fd, uint64_t timeout_ns)
{
    start_with_keys(in_fd, sig_fd, timeout_ns, false);
}

static void wait_for_stop(enum solo_stop_request why)
{
    uint64_t guard = monotonic_ns() + GUARD_NS;
    while (!run_gate_stopping(&ctl.gate) && monotonic_ns() < guard)
        poll(NULL, 0, 1);
    assert_int_equal(run_gate_stop_reason(&ctl.gate), why);
}

static void timeout_asks_for_a_stop(void **state)
{
    (void)state;
    start(-1, -1, 1000000); /* 1 ms */
    wait_for_stop(SOLO_STOP_TIMEOUT);
}

static void signal_asks_for_a_stop(void **state)
{
    (void)state;
    int sig_fd = run_io_block_signals(); /* SIGTERM now only reaches the signalfd */
    assert_true(sig_fd >= 0);
    start(-1, sig_fd, 0);
    assert_int_equal(kill(getpid(), SIGTERM), 0);
    wait_for_stop(SOLO_STOP_INTERRUPT);
    run_io_stop(&io);
    close(sig_fd);
}

/* What the guest kit's console read does: everything there is, in order. */
static size_t guest_read(char *buf, size_t cap, size_t want)
{
    size_t got = 0;
    uint64_t guard = monotonic_ns() + GUARD_NS;
    while (got < want && monotonic_ns() < guard) {
        long n = pvio_console_take_input(&d->console, buf + got, (uint32_t)(cap - got));
        assert_true(n >= 0);
        if (n == 0)
            poll(NULL, 0, 1);
        got += (size_t)n;
    }
    return got;
}

static bool console_event_raised(void)
{
    return __atomic_load_n(&d->shared->evt_pending, __ATOMIC_ACQUIRE) & (1ull << MICA_EVT_CONSOLE);
}

/* More than the pending buffer and the ring hold together: stdin is muted
 * while they are full and read again as the guest takes input. */
static void stdin_reaches_the_guest(bool escape_keys)
{
    int p[2];
    assert_int_equal(pipe2(p, O_CLOEXEC), 0);
    static char sent[3 * 4096 + 100], seen[sizeof sent];
    for (size_t i = 0; i < sizeof sent; i++)
        sent[i] = (char)('a' + i % 26);
    assert_int_equal(write(p[1], sent, sizeof sent), sizeof sent);
    start_with_keys(p[0], -1, 0, escape_keys);
    assert_int_equal(guest_read(seen, sizeof seen, sizeof sent), sizeof sent);
    assert_memory_equal(seen, sent, sizeof sent);
    assert_true(console_event_raised());
    close(p[1]); /* end of input: the guest is told */
    uint64_t guard = monotonic_ns() + GUARD_NS;
    while (!(d->console.ring->in_flags & MICA_CONS_IN_EOF) && monotonic_ns() < guard)
        poll(NULL, 0, 1);
    assert_true(d->console.ring->in_flags & MICA_CONS_IN_EOF);
    run_io_stop(&io);
    close(p[0]);
}

static void stdin_reaches_the_guest_and_ends(void **state)
{
    (void)state;
    stdin_reaches_the_guest(false);
}

/* The same with escape keys, which keep a byte of room in reserve. */
static void keyboard_input_reaches_the_guest_and_ends(void **state)
{
    (void)state;
    stdin_reaches_the_guest(true);
}

/* A keyboard's escape keys (issue 13): Ctrl-A c becomes the Ctrl-C the
 * terminal would otherwise turn into a signal, Ctrl-A Ctrl-A one Ctrl-A, a
 * Ctrl-A held over the end of one read acts on the next; Ctrl-] stops as
 * Ctrl-C does, and nothing after it reaches the guest. */
static void escape_keys_reach_the_guest_and_stop(void **state)
{
    (void)state;
    int p[2];
    assert_int_equal(pipe2(p, O_CLOEXEC), 0);
    start_with_keys(p[0], -1, 0, true);
    assert_int_equal(write(p[1], "ab\x01" "c\x01\x01" "d\x01", 8), 8);
    char seen[16];
    assert_int_equal(guest_read(seen, sizeof seen, 5), 5);
    assert_memory_equal(seen, "ab\x03\x01" "d", 5);
    assert_false(run_gate_stopping(&ctl.gate));
    assert_int_equal(write(p[1], "z\x1d" "lost", 6), 6);
    wait_for_stop(SOLO_STOP_INTERRUPT);
    assert_int_equal(guest_read(seen, sizeof seen, 2), 2);
    assert_memory_equal(seen, "\x01z", 2); /* the held Ctrl-A and its key */
    run_io_stop(&io);
    assert_int_equal(pvio_console_take_input(&d->console, seen, sizeof seen), 0);
    close(p[0]);
    close(p[1]);
}

/* Without escape keys (stdin is a pipe or file) every byte passes as it is. */
static void without_escape_keys_bytes_pass(void **state)
{
    (void)state;
    int p[2];
    assert_int_equal(pipe2(p, O_CLOEXEC), 0);
    start(p[0], -1, 0);
    assert_int_equal(write(p[1], "\x01x\x1d\x01" "c", 5), 5);
    char seen[8];
    assert_int_equal(guest_read(seen, sizeof seen, 5), 5);
    assert_memory_equal(seen, "\x01x\x1d\x01" "c", 5);
    assert_false(run_gate_stopping(&ctl.gate));
    run_io_stop(&io);
    close(p[0]);
    close(p[1]);
}

/* What the guest kit does to produce output, then its doorbell kick. */
static void guest_print(const char *s)
{
    struct mica_console_ring *r = d->console.ring;
    uint32_t n = (uint32_t)strlen(s);
    mica_ring_copy_in(r->out, MICA_CONS_OUT_SIZE, r->out_prod, s, n);
    __atomic_store_n(&r->out_prod, r->out_prod + n, __ATOMIC_RELEASE);
    uint64_t one = 1;
    assert_int_equal(write(d->doorbell_fd, &one, sizeof one), sizeof one);
}

static void doorbell_drains_guest_output(void **state)
{
    (void)state;
    start(-1, -1, 0);
    guest_print("hello from the guest\n");
    uint64_t guard = monotonic_ns() + GUARD_NS;
    while (!strstr(testbed_output, "hello from the guest") && monotonic_ns() < guard)
        poll(NULL, 0, 1);
    run_io_stop(&io);
    assert_non_null(strstr(testbed_output, "hello from the guest\n"));
}

/* The console thread is stuck writing to a stdout nobody reads; the
 * --timeout must still stop the domain (and then release that thread).
 * Last in the file: the sink gives up on stdout for good once stopping. */
static void stalled_stdout_does_not_hold_up_the_timeout(void **state)
{
    (void)state;
    int p[2];
    assert_int_equal(pipe2(p, O_CLOEXEC | O_NONBLOCK), 0);
    char fill[4096];
    memset(fill, 'f', sizeof fill);
    while (write(p[1], fill, sizeof fill) > 0) {
    } /* full: the next write would block */
    fflush(stdout);
    int saved = dup(STDOUT_FILENO);
    assert_true(saved >= 0);
    assert_int_equal(dup2(p[1], STDOUT_FILENO), STDOUT_FILENO);
    d->console.sink = run_io_stdout_sink;
    start(-1, -1, 50 * 1000000ull); /* 50 ms */
    guest_print("this output has nowhere to go\n");
    uint64_t guard = monotonic_ns() + GUARD_NS;
    while (!run_gate_stopping(&ctl.gate) && monotonic_ns() < guard)
        poll(NULL, 0, 1);
    run_io_stop(&io); /* the console thread lets go of stdout once stopping */
    dup2(saved, STDOUT_FILENO);
    close(saved);
    close(p[0]);
    close(p[1]);
    assert_int_equal(run_gate_stop_reason(&ctl.gate), SOLO_STOP_TIMEOUT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(timeout_asks_for_a_stop, setup, teardown),
        cmocka_unit_test_setup_teardown(signal_asks_for_a_stop, setup, teardown),
        cmocka_unit_test_setup_teardown(stdin_reaches_the_guest_and_ends, setup, teardown),
        cmocka_unit_test_setup_teardown(doorbell_drains_guest_output, setup, teardown),
        cmocka_unit_test_setup_teardown(keyboard_input_reaches_the_guest_and_ends, setup, teardown),
        cmocka_unit_test_setup_teardown(escape_keys_reach_the_guest_and_stop, setup, teardown),
        cmocka_unit_test_setup_teardown(without_escape_keys_bytes_pass, setup, teardown),
        cmocka_unit_test_setup_teardown(stalled_stdout_does_not_hold_up_the_timeout, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
