/* The small shared pieces of the VM process and the control protocol: one
 * exit-status mapping for either kind of VM, the console history ring, the
 * control channel's life, the option checks both `mica run` parsers share,
 * reading a file's tail and blocking signals into a signalfd. No KVM. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/run_fv_options.h"
#include "cli/run_options.h"
#include "cli/run_shared_options.h"
#include "ctl/console_history.h"
#include "run/control_channel.h"
#include "run/exit_status.h"
#include "util/file.h"
#include "util/signals.h"

/* Silences stderr around f (the mapping says why a VM ended there). */
static int quietly(int (*f)(const struct run_outcome *), const struct run_outcome *r)
{
    fflush(stderr);
    int saved = dup(STDERR_FILENO);
    FILE *null = fopen("/dev/null", "w");
    dup2(fileno(null), STDERR_FILENO);
    int status = f(r);
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
    fclose(null);
    return status;
}

static void exit_status_for_every_end(void **state)
{
    (void)state;
    struct run_outcome r = {.kind = "guest", .name = "g", .exit_code = 7, .report = "boom\n",
                            .timeout_ns = 1500000000ull};
    r.end = RUN_END_EXITED;
    assert_int_equal(quietly(run_exit_status, &r), 7);
    r.end = RUN_END_CLEAN;
    assert_int_equal(quietly(run_exit_status, &r), 0);
    r.end = RUN_END_CRASHED;
    assert_int_equal(quietly(run_exit_status, &r), MICA_STATUS_CRASHED);
    r.end = RUN_END_TIMED_OUT;
    assert_int_equal(quietly(run_exit_status, &r), MICA_STATUS_TIMEOUT);
    r.end = RUN_END_INTERRUPTED;
    assert_int_equal(quietly(run_exit_status, &r), MICA_STATUS_INTERRUPTED);
}

static void console_history_keeps_the_latest_bytes(void **state)
{
    (void)state;
    struct console_history h;
    char out[8];
    assert_int_equal(console_history_init(&h, 8), 0);
    assert_int_equal(console_history_used(&h), 0);
    console_history_append(&h, "abcde", 5);
    assert_int_equal(console_history_used(&h), 5);
    console_history_copy(&h, out);
    assert_memory_equal(out, "abcde", 5);
    console_history_append(&h, "fghij", 5); /* wraps: the oldest two go */
    assert_int_equal(console_history_used(&h), 8);
    console_history_copy(&h, out);
    assert_memory_equal(out, "cdefghij", 8);
    console_history_append(&h, "0123456789AB", 12); /* more than it holds */
    console_history_copy(&h, out);
    assert_memory_equal(out, "456789AB", 8);
    console_history_free(&h);
}

static int no_op(void *ctx) { (void)ctx; return 0; }
static int no_stats(void *ctx, struct vm_control_stats *out) { (void)ctx; (void)out; return 0; }
static void no_input(void *ctx, const void *buf, size_t len) { (void)ctx; (void)buf; (void)len; }

static void control_channel_open_output_close(void **state)
{
    (void)state;
    static const struct vm_control_ops ops = {
        .pause = no_op, .resume = no_op, .shutdown = no_op, .stats = no_stats,
        .console_input = no_input,
    };
    struct control_channel ch = {0};
    char path[64], err[256];
    snprintf(path, sizeof path, "/tmp/mica-cc-%d.sock", (int)getpid());
    control_channel_output(&ch, "lost", 4); /* not open yet: dropped */
    assert_null(control_channel_server(&ch));
    struct vm_control *c = control_channel_open(&ch, path, &ops, NULL, err, sizeof err);
    assert_non_null(c);
    assert_ptr_equal(control_channel_server(&ch), c);
    assert_true(vm_control_fd(c) >= 0);
    control_channel_output(&ch, "kept", 4);
    assert_int_equal(vm_control_viewers(c), 0);
    control_channel_close(&ch);
    assert_null(control_channel_server(&ch));
    struct stat st;
    assert_int_equal(stat(path, &st), -1); /* the socket is gone */
    control_channel_close(&ch);           /* closing twice is harmless */
    assert_null(control_channel_open(&ch, "/nonexistent-dir/x.sock", &ops, NULL, err, sizeof err));
    assert_null(control_channel_server(&ch));
}

/* Both parsers of `mica run` check --control and --timeout alike. */
static void both_parsers_share_the_option_checks(void **state)
{
    (void)state;
    char err[256];
    uint64_t ns;
    assert_int_equal(run_option_timeout("0.5", &ns, err, sizeof err), 0);
    assert_int_equal(ns, 500000000ull);
    assert_int_equal(run_option_timeout("soon", &ns, err, sizeof err), -1);
    assert_non_null(strstr(err, "--timeout 'soon'"));
    assert_int_equal(run_option_control("", err, sizeof err), -1);
    assert_non_null(strstr(err, "socket path"));

    static struct run_options pv;
    static struct fv_options fv;
    char *pv_argv[] = {"run", "--timeout", "soon"};
    char *fv_argv[] = {"run", "--kernel", "k", "--timeout", "soon"};
    char pv_err[256], fv_err[256];
    assert_int_equal(run_options_parse(3, pv_argv, &pv, pv_err, sizeof pv_err), -1);
    assert_int_equal(fv_options_parse(5, fv_argv, &fv, fv_err, sizeof fv_err), -1);
    assert_string_equal(pv_err, fv_err);
    char *pv_ctl[] = {"run", "--control", ""};
    char *fv_ctl[] = {"run", "--kernel", "k", "--control", ""};
    assert_int_equal(run_options_parse(3, pv_ctl, &pv, pv_err, sizeof pv_err), -1);
    assert_int_equal(fv_options_parse(5, fv_ctl, &fv, fv_err, sizeof fv_err), -1);
    assert_string_equal(pv_err, fv_err);
}

static void file_tail(void **state)
{
    (void)state;
    char path[64];
    snprintf(path, sizeof path, "/tmp/mica-tail-%d.log", (int)getpid());
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("first line\nsecond line\n", f);
    fclose(f);
    size_t len = 0;
    char *t = read_file_tail(path, 12, &len);
    assert_non_null(t);
    assert_int_equal(len, 12);
    assert_string_equal(t, "second line\n");
    free(t);
    t = read_file_tail(path, 4096, NULL); /* shorter than asked: all of it */
    assert_string_equal(t, "first line\nsecond line\n");
    free(t);
    unlink(path);
    errno = 0;
    assert_null(read_file_tail(path, 10, &len));
    assert_int_equal(errno, ENOENT);
}

static void signals_become_a_descriptor(void **state)
{
    (void)state;
    sigset_t set, old;
    signal_set_of(&set, (const int[]){SIGUSR1, SIGUSR2, 0});
    assert_true(sigismember(&set, SIGUSR1) && sigismember(&set, SIGUSR2));
    assert_false(sigismember(&set, SIGINT));
    pthread_sigmask(SIG_SETMASK, NULL, &old);
    int fd = signals_block_to_fd((const int[]){SIGUSR1, 0});
    assert_true(fd >= 0);
    raise(SIGUSR1); /* blocked: waits in the descriptor instead of killing us */
    char buf[128];
    assert_true(read(fd, buf, sizeof buf) > 0);
    close(fd);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    signal(SIGPIPE, SIG_DFL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(exit_status_for_every_end),
        cmocka_unit_test(console_history_keeps_the_latest_bytes),
        cmocka_unit_test(control_channel_open_output_close),
        cmocka_unit_test(both_parsers_share_the_option_checks),
        cmocka_unit_test(file_tail),
        cmocka_unit_test(signals_become_a_descriptor),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
