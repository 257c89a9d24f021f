/* The full-virt console's output side with a stdout nobody reads: the UART
 * (which a vCPU drives under its lock) never blocks and the buffer stays
 * bounded; virtio-console's offers are cut short and resumed when the
 * reader comes back; a stop request drops the rest at once. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <poll.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include "fv/fv_console.h"
#include "support/test_text.h"
#include "hw/uart8250.h"

static struct fv_console con;
static int pipe_fd[2];

static int setup(void **state)
{
    (void)state;
    if (pipe2(pipe_fd, O_CLOEXEC) < 0)
        return -1;
    char err[128];
    return fv_console_init(&con, -1, pipe_fd[1], err, sizeof err);
}

static int teardown(void **state)
{
    (void)state;
    close(pipe_fd[0]);
    close(pipe_fd[1]);
    return 0;
}

/* Reads what the pipe has now; returns the byte count. */
static size_t drain_pipe(void)
{
    fcntl(pipe_fd[0], F_SETFL, O_NONBLOCK);
    char buf[65536];
    size_t total = 0;
    ssize_t n;
    while ((n = read(pipe_fd[0], buf, sizeof buf)) > 0)
        total += (size_t)n;
    return total;
}

static void uart_put(struct uart8250 *u, uint8_t byte)
{
    uart8250_write(u, 0, &byte, 1); /* THR */
}

static void uart_with_stalled_stdout_never_blocks(void **state)
{
    (void)state;
    struct uart8250 u;
    uart8250_init(&u, 4, NULL, NULL, fv_console_output, &con);
    double t0 = monotonic_s();
    for (unsigned i = 0; i < (4u << 20); i++) /* 4 MiB into a 64 KiB pipe nobody reads */
        uart_put(&u, 'x');
    assert_true(monotonic_s() - t0 < 10); /* ~1 s under ASan; a blocking write never returns */
    pthread_mutex_lock(&con.out_lock);
    assert_true(con.out_len <= FV_CONSOLE_OUTBUF);
    assert_true(con.dropped >= (4u << 20) - FV_CONSOLE_OUTBUF - (1u << 20)); /* pipe + buffer */
    pthread_mutex_unlock(&con.out_lock);
    /* The transmitter still looks idle to the guest: LSR THRE|TEMT. */
    uint8_t lsr;
    uart8250_read(&u, 5, &lsr, 1);
    assert_int_equal(lsr & 0x60, 0x60);
    t0 = monotonic_s();
    fv_console_destroy(&con); /* gives up on the reader after FV_CONSOLE_FLUSH_MS */
    assert_true(monotonic_s() - t0 < FV_CONSOLE_FLUSH_MS / 1000.0 + 3);
}

static void stop_request_drops_output_at_once(void **state)
{
    (void)state;
    uint8_t block[4096];
    memset(block, 'y', sizeof block);
    for (unsigned i = 0; i < 256; i++)
        fv_console_write(&con, block, sizeof block);
    fv_console_abandon(&con);
    assert_int_equal(fv_console_offer(&con, block, sizeof block), sizeof block); /* taken, dropped */
    double t0 = monotonic_s();
    fv_console_destroy(&con);
    assert_true(monotonic_s() - t0 < 1);
}

static atomic_int rooms;
static void on_room(void *ctx)
{
    (void)ctx;
    atomic_fetch_add(&rooms, 1);
}

static void offers_are_cut_short_and_resumed_when_the_reader_returns(void **state)
{
    (void)state;
    atomic_store(&rooms, 0);
    fv_console_set_room(&con, on_room, NULL);
    uint8_t block[4096];
    memset(block, 'z', sizeof block);
    size_t offered = 0, taken = 0;
    /* Fill the pipe and the buffer: offers shrink to nothing, never block. */
    for (int i = 0; i < 200 && (taken = fv_console_offer(&con, block, sizeof block)) == sizeof block; i++)
        offered += taken;
    offered += taken;
    assert_true(taken < sizeof block);
    assert_int_equal(atomic_load(&rooms), 0);
    /* The reader comes back: the writer drains and says there is room. */
    size_t got = 0;
    double t0 = monotonic_s();
    while (atomic_load(&rooms) == 0 && monotonic_s() - t0 < 5)
        got += drain_pipe();
    assert_true(atomic_load(&rooms) > 0);
    assert_true(fv_console_offer(&con, block, 1) == 1);
    offered += 1;
    t0 = monotonic_s();
    while (got < offered && monotonic_s() - t0 < 5)
        got += drain_pipe();
    assert_int_equal(got, offered); /* nothing offered and taken was lost */
    fv_console_destroy(&con);
}

/* ---- input: the escape keys of a keyboard (issue 13) ---- */

static uint8_t taken[64];
static size_t taken_len;

static size_t take_all(void *ctx, const uint8_t *buf, size_t len)
{
    (void)ctx;
    size_t n = len < sizeof taken - taken_len ? len : sizeof taken - taken_len;
    memcpy(taken + taken_len, buf, n);
    taken_len += n;
    return n;
}

static void escape_keys_filter_input_and_quit(void **state)
{
    (void)state;
    static struct fv_console in;
    int p[2];
    char err[128];
    assert_int_equal(pipe2(p, O_CLOEXEC), 0);
    assert_int_equal(fv_console_init(&in, p[0], -1, err, sizeof err), 0);
    fv_console_set_sink(&in, take_all, NULL);
    fv_console_set_escape_keys(&in);
    taken_len = 0;
    assert_int_equal(write(p[1], "ls\x01" "c\x01", 5), 5);
    fv_console_read_input(&in);
    assert_int_equal(taken_len, 3);
    assert_memory_equal(taken, "ls\x03", 3);
    assert_false(in.quit);
    assert_int_equal(write(p[1], "\x01" "\x01x" "after", 8), 8);
    fv_console_read_input(&in);
    assert_int_equal(taken_len, 4); /* Ctrl-A Ctrl-A: one Ctrl-A; Ctrl-A x: quit, the rest dropped */
    assert_int_equal(taken[3], 0x01);
    assert_true(in.quit);
    fv_console_destroy(&in);
    close(p[0]);
    close(p[1]);
}

/* Input that is not a keyboard's is left alone, quit keys included. */
static void without_escape_keys_input_passes(void **state)
{
    (void)state;
    static struct fv_console in;
    int p[2];
    char err[128];
    assert_int_equal(pipe2(p, O_CLOEXEC), 0);
    assert_int_equal(fv_console_init(&in, p[0], -1, err, sizeof err), 0);
    fv_console_set_sink(&in, take_all, NULL);
    taken_len = 0;
    assert_int_equal(write(p[1], "\x1d\x01x", 3), 3);
    fv_console_read_input(&in);
    assert_int_equal(taken_len, 3);
    assert_memory_equal(taken, "\x1d\x01x", 3);
    assert_false(in.quit);
    fv_console_destroy(&in);
    close(p[0]);
    close(p[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(escape_keys_filter_input_and_quit),
        cmocka_unit_test(without_escape_keys_input_passes),
        cmocka_unit_test_setup_teardown(uart_with_stalled_stdout_never_blocks, setup, teardown),
        cmocka_unit_test_setup_teardown(stop_request_drops_output_at_once, setup, teardown),
        cmocka_unit_test_setup_teardown(offers_are_cut_short_and_resumed_when_the_reader_returns, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
