/*
 * `mica run --kernel ... --control SOCKET`: the per-VM control channel for a
 * full-virtualization machine, spoken to over its socket as the control
 * program does. The test kernel polls the UART for a line (fvtest.busy keeps
 * its vCPU running), so a pause must visibly stop the process using CPU;
 * a viewer sees the boot's history and live output, and its keys reach the
 * guest's serial console. Shutdown ends the machine with status 0.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "support/run_cmd.h"
#include "support/test_text.h"


static const char *fvtest(void)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/fvtest.elf", getenv("GUESTS") ? getenv("GUESTS") : "build/guests");
    return path;
}


static int connect_to(const char *path)
{
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    snprintf(a.sun_path, sizeof a.sun_path, "%s", path);
    for (int i = 0; i < 500; i++) { /* up to 5 s for mica to serve it */
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0)
            return fd;
        close(fd);
        sleep_ms(10);
    }
    fail_msg("cannot connect to %s", path);
    return -1;
}

/* Reads into buf (NUL-terminated, appending at *len) until needle shows or
 * ms pass. */
static bool read_until(int fd, char *buf, size_t cap, size_t *len, const char *needle, int ms)
{
    for (int waited = 0; waited < ms; waited += 20) {
        buf[*len] = 0;
        if (strstr(buf, needle))
            return true;
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, 20) == 1) {
            ssize_t n = read(fd, buf + *len, cap - 1 - *len);
            if (n <= 0)
                break;
            *len += (size_t)n;
        }
    }
    buf[*len] = 0;
    return strstr(buf, needle) != NULL;
}

/* One request on a fresh connection; returns the reply line. */
static const char *ask(const char *sock, const char *cmd)
{
    static char reply[1024];
    int fd = connect_to(sock);
    char req[128];
    int n = snprintf(req, sizeof req, "{\"cmd\":\"%s\"}\n", cmd);
    assert_int_equal(write(fd, req, (size_t)n), n);
    size_t len = 0;
    if (!read_until(fd, reply, sizeof reply, &len, "\n", 5000))
        fail_msg("no reply to %s: '%s'", cmd, reply);
    close(fd);
    return reply;
}


/* CPU time (user + system) of process pid, in clock ticks. */
static long cpu_ticks(pid_t pid)
{
    long t = process_cpu_ticks(pid);
    assert_true(t >= 0);
    return t;
}

static int wait_exit(pid_t pid, int ms)
{
    for (int waited = 0; waited < ms; waited += 10) {
        int st;
        if (waitpid(pid, &st, WNOHANG) == pid)
            return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        sleep_ms(10);
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    fail_msg("mica did not exit within %d ms", ms);
    return -1;
}

static char *read_file(const char *path)
{
    static char buf[65536];
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    return buf;
}

struct vm {
    pid_t pid;
    char sock[64], log[64];
};

/* What the teardown stops if a test fails: a copy, never a pointer into a
 * test's stack frame (gone after cmocka's longjmp; a stale pid of -1 or 0
 * would make kill() hit every process or our own group). */
static pid_t current_pid;
static char current_sock[64];

static void start(struct vm *vm, const char *console, const char *cmdline)
{
    static int n;
    snprintf(vm->sock, sizeof vm->sock, "/tmp/mica-fvctl-%d-%d.sock", (int)getpid(), n);
    snprintf(vm->log, sizeof vm->log, "/tmp/mica-fvctl-%d-%d.log", (int)getpid(), n++);
    char *argv[] = {(char *)mica(), "run", "--kernel", (char *)fvtest(), "--mem", "32", "--name",
                    "fv1", "--console", (char *)console, "--control", vm->sock, "--timeout", "120",
                    "--cmdline", (char *)cmdline, NULL};
    vm->pid = spawn_cmd(argv, vm->log);
    assert_true(vm->pid > 0);
    current_pid = vm->pid;
    snprintf(current_sock, sizeof current_sock, "%s", vm->sock);
}

static int stop_vm(void **state)
{
    (void)state;
    if (current_pid > 0 && waitpid(current_pid, NULL, WNOHANG) == 0) {
        kill(current_pid, SIGKILL);
        waitpid(current_pid, NULL, 0);
    }
    if (current_pid > 0)
        unlink(current_sock);
    current_pid = 0;
    return 0;
}

static void pause_stats_viewer_input(void **state)
{
    (void)state;
    if (!kvm_available())
        skip();
    struct vm vm;
    start(&vm, "serial", "console=ttyS0 fvtest.echo=ttyS0 fvtest.busy");
    /* A viewer: the reply, then the history (the boot so far), then live. */
    int viewer = connect_to(vm.sock);
    assert_int_equal(write(viewer, "{\"cmd\":\"console\"}\n", 18), 18);
    static char seen[65536];
    size_t len = 0;
    if (!read_until(viewer, seen, sizeof seen, &len, "fvtest: timer ok", 20000))
        fail_msg("the viewer did not see the boot: '%s'", seen);
    assert_contains(seen, "\"history_bytes\"");
    assert_contains(seen, "fvtest: hello from mica's test kernel");

    const char *r = ask(vm.sock, "stats");
    assert_contains(r, "\"ok\":true");
    assert_contains(r, "\"vcpus\":1");
    assert_contains(r, "\"mem_bytes\":33554432");
    assert_contains(r, "\"paused\":false");

    /* Polling the UART, the guest keeps the process busy... */
    long t0 = cpu_ticks(vm.pid);
    sleep_ms(500);
    long busy = cpu_ticks(vm.pid) - t0;
    /* ...and paused, it does not. */
    assert_contains(ask(vm.sock, "pause"), "\"ok\":true");
    assert_contains(ask(vm.sock, "stats"), "\"paused\":true");
    sleep_ms(100);
    t0 = cpu_ticks(vm.pid);
    sleep_ms(500);
    long paused = cpu_ticks(vm.pid) - t0;
    print_message("CPU ticks in 500 ms: running %ld, paused %ld\n", busy, paused);
    assert_true(busy >= 10);
    assert_true(paused <= 3);

    assert_contains(ask(vm.sock, "resume"), "\"ok\":true");
    assert_contains(ask(vm.sock, "stats"), "\"paused\":false");
    /* Keys from the viewer reach the serial console; the echo comes back. */
    assert_int_equal(write(viewer, "from a viewer\n", 14), 14);
    if (!read_until(viewer, seen, sizeof seen, &len, "fvtest: resetting via i8042", 20000))
        fail_msg("no echo: '%s'", seen);
    assert_contains(seen, " receive interrupts): from a viewer\n");
    close(viewer);
    assert_int_equal(wait_exit(vm.pid, 10000), 0); /* the guest reset: a clean end */
    current_pid = 0; /* already reaped */
    assert_contains(read_file(vm.log), "fvtest: ttyS0 input (");
    assert_int_equal(access(vm.sock, F_OK), -1); /* the socket is gone */
    unlink(vm.log);
}

static void virtio_console_viewer_and_shutdown_while_paused(void **state)
{
    (void)state;
    if (!kvm_available())
        skip();
    struct vm vm;
    start(&vm, "virtio", "console=hvc0 fvtest.echo=hvc0");
    int viewer = connect_to(vm.sock);
    assert_int_equal(write(viewer, "{\"cmd\":\"console\"}\n", 18), 18);
    static char seen[65536];
    size_t len = 0;
    if (!read_until(viewer, seen, sizeof seen, &len, "fvtest: virtio-console ok", 20000))
        fail_msg("the viewer did not see virtio-console output: '%s'", seen);
    assert_contains(seen, "fvtest: virtio-console: hello through the transmit queue");
    assert_contains(ask(vm.sock, "pause"), "\"ok\":true");
    assert_contains(ask(vm.sock, "shutdown"), "\"ok\":true");
    assert_int_equal(wait_exit(vm.pid, 10000), 0);
    current_pid = 0; /* already reaped */
    close(viewer);
    assert_int_equal(access(vm.sock, F_OK), -1);
    unlink(vm.log);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(pause_stats_viewer_input, stop_vm),
        cmocka_unit_test_teardown(virtio_console_viewer_and_shutdown_while_paused, stop_vm),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
