/*
 * Save, restore and clone of real PV guests (`mica run --control`, the
 * control channel's save and snapshot with the file passed as a descriptor,
 * `mica run --restore [--clone]`). counter.elf counts in memory and prints
 * every step: the output of a guest and of its restored copy, together,
 * must be 1, 2, ... without a gap or a repeat; ten clones of one snapshot
 * must each go on from the same count to the end on their own. Bad
 * snapshot files are refused with one line, KVM or not.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "support/run_cmd.h"
#include "support/test_text.h"

#define LIMIT 300
#define CLONES 10

static char dir[64];
static struct cmd_result res;

static const char *counter(void)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/counter.elf", getenv("GUESTS") ? getenv("GUESTS") : "build/guests");
    return path;
}

static const char *in_dir(const char *name)
{
    static char path[8][128];
    static int next;
    char *p = path[next++ % 8];
    snprintf(p, sizeof path[0], "%s/%s", dir, name);
    return p;
}

static char *read_text(const char *path)
{
    static char buf[8][65536];
    static int next;
    char *b = buf[next++ % 8];
    b[0] = 0;
    FILE *f = fopen(path, "r");
    if (f) {
        b[fread(b, 1, sizeof buf[0] - 1, f)] = 0;
        fclose(f);
    }
    return b;
}

static void wait_for_text(const char *path, const char *needle, int ms)
{
    for (int waited = 0; waited < ms; waited += 20) {
        if (strstr(read_text(path), needle))
            return;
        sleep_ms(20);
    }
    fail_msg("'%s' did not appear in %s: %s", needle, path, read_text(path));
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

static int connect_to(const char *path)
{
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    snprintf(a.sun_path, sizeof a.sun_path, "%s", path);
    for (int i = 0; i < 1000; i++) {
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0)
            return fd;
        close(fd);
        sleep_ms(10);
    }
    fail_msg("cannot connect to %s", path);
    return -1;
}

/* One request on the control channel, with file (when >= 0) passed along
 * as the daemon does; returns the reply line. */
static const char *ask(const char *sock, const char *cmd, int file)
{
    static char reply[1024];
    int fd = connect_to(sock);
    char req[128];
    int n = snprintf(req, sizeof req, "{\"cmd\":\"%s\"}\n", cmd);
    struct iovec iov = {req, (size_t)n};
    union {
        struct cmsghdr align;
        char buf[CMSG_SPACE(sizeof(int))];
    } control;
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
    if (file >= 0) {
        msg.msg_control = control.buf;
        msg.msg_controllen = sizeof control.buf;
        struct cmsghdr *h = CMSG_FIRSTHDR(&msg);
        h->cmsg_level = SOL_SOCKET, h->cmsg_type = SCM_RIGHTS, h->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(h), &file, sizeof file);
    }
    assert_int_equal(sendmsg(fd, &msg, 0), n);
    size_t len = 0;
    for (int waited = 0; waited < 60000 && !memchr(reply, '\n', len); waited += 20) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, 20) == 1) {
            ssize_t got = read(fd, reply + len, sizeof reply - 1 - len);
            if (got <= 0)
                break;
            len += (size_t)got;
        }
    }
    reply[len] = 0;
    close(fd);
    return reply;
}

/* The "count N" numbers in text, appended to seq. */
static void collect(const char *text, long *seq, int *n, int cap)
{
    for (const char *p = text; (p = strstr(p, "count ")) && *n < cap; p += 6)
        seq[(*n)++] = strtol(p + 6, NULL, 10);
}

/* Every number one more than the one before, from first to last. */
static void assert_consecutive(const long *seq, int n, long first, long last)
{
    assert_true(n > 0);
    if (seq[0] != first)
        fail_msg("the count starts at %ld, not %ld", seq[0], first);
    for (int i = 1; i < n; i++)
        if (seq[i] != seq[i - 1] + 1)
            fail_msg("the count goes %ld -> %ld at step %d (gap or repeat)", seq[i - 1], seq[i], i);
    assert_int_equal(seq[n - 1], last);
}

static pid_t start_counter(const char *sock, const char *log)
{
    char limit[16];
    snprintf(limit, sizeof limit, "%d", LIMIT);
    char *argv[] = {(char *)mica(), "run", (char *)counter(), "--name", "counter", "--control",
                    (char *)sock, "--", limit, "5", NULL};
    pid_t pid = spawn_cmd(argv, log);
    assert_true(pid > 0);
    wait_for_text(log, "count 20\n", 60000);
    return pid;
}

static int snapshot_file(const char *path)
{
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    assert_true(fd >= 0);
    return fd;
}

static void saved_guest_continues_without_gap_or_repeat(void **state)
{
    (void)state;
    if (!kvm_available())
        skip();
    const char *sock = in_dir("ctl"), *log = in_dir("before.log"), *snap = in_dir("saved.snap");
    pid_t pid = start_counter(sock, log);
    int fd = snapshot_file(snap);
    assert_contains(ask(sock, "save", fd), "\"ok\":true");
    close(fd);
    int status = wait_exit(pid, 60000);
    if (status != 0) /* saved: it ends */
        fail_msg("the saved guest ended with %d: %s", status, read_text(log));
    char *argv[] = {(char *)mica(), "run", "--restore", (char *)snap, NULL};
    assert_int_equal(run_cmd(argv, NULL, 120, &res), 0);
    if (res.status != 0)
        fail_msg("restore ended with %d: %s", res.status, res.err);
    assert_contains(res.out, "done");
    static long seq[2 * LIMIT];
    int n = 0;
    collect(read_text(log), seq, &n, 2 * LIMIT);
    int before = n;
    collect(res.out, seq, &n, 2 * LIMIT);
    print_message("saved after count %ld, restored from %ld\n", seq[before - 1],
                  n > before ? seq[before] : -1);
    assert_consecutive(seq, n, 1, LIMIT);
}

static void ten_clones_run_on_their_own(void **state)
{
    (void)state;
    if (!kvm_available())
        skip();
    const char *sock = in_dir("ctl2"), *log = in_dir("origin.log"), *snap = in_dir("clones.snap");
    pid_t origin = start_counter(sock, log);
    int fd = snapshot_file(snap);
    assert_contains(ask(sock, "snapshot", fd), "\"ok\":true");
    close(fd);
    /* The original runs on to its end, unharmed by its snapshot. */
    assert_int_equal(wait_exit(origin, 120000), 0);
    static long seq[2 * LIMIT];
    int n = 0;
    collect(read_text(log), seq, &n, 2 * LIMIT);
    assert_consecutive(seq, n, 1, LIMIT);
    pid_t pid[CLONES];
    char logs[CLONES][128], names[CLONES][24];
    for (int i = 0; i < CLONES; i++) {
        snprintf(logs[i], sizeof logs[i], "%s/clone%d.log", dir, i);
        snprintf(names[i], sizeof names[i], "clone%d", i);
        char *argv[] = {(char *)mica(), "run", "--restore", (char *)snap, "--clone", "--name",
                        names[i], NULL};
        pid[i] = spawn_cmd(argv, logs[i]);
        assert_true(pid[i] > 0);
    }
    long first = -1;
    for (int i = 0; i < CLONES; i++) {
        int status = wait_exit(pid[i], 120000);
        if (status != 0)
            fail_msg("clone %d ended with %d: %s", i, status, read_text(logs[i]));
        n = 0;
        collect(read_text(logs[i]), seq, &n, 2 * LIMIT);
        if (first < 0)
            first = seq[0];
        assert_consecutive(seq, n, first, LIMIT); /* each from the same count, on its own */
    }
    print_message("%d clones went on from count %ld to %d\n", CLONES, first, LIMIT);
}

static void bad_snapshots_are_refused(void **state)
{
    (void)state;
    const char *bad = in_dir("bad.snap");
    FILE *f = fopen(bad, "w");
    fputs("MICASNAP but not really a snapshot", f);
    fclose(f);
    char *argv[] = {(char *)mica(), "run", "--restore", (char *)bad, NULL};
    assert_int_equal(run_cmd(argv, NULL, 30, &res), 0);
    assert_int_equal(res.status, 125);
    assert_contains(res.err, "refused");
    assert_contains(res.err, bad);
    char *missing[] = {(char *)mica(), "run", "--restore", (char *)in_dir("none.snap"), NULL};
    assert_int_equal(run_cmd(missing, NULL, 30, &res), 0);
    assert_int_equal(res.status, 125);
    assert_contains(res.err, "No such file");
    char *both[] = {(char *)mica(), "run", (char *)counter(), "--restore", (char *)bad, NULL};
    assert_int_equal(run_cmd(both, NULL, 30, &res), 0);
    assert_int_equal(res.status, 125);
    assert_contains(res.err, "give no guest image");
}

static int make_dir(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/mica-snap-XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int remove_dir(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bad_snapshots_are_refused),
        cmocka_unit_test(saved_guest_continues_without_gap_or_repeat),
        cmocka_unit_test(ten_clones_run_on_their_own),
    };
    return cmocka_run_group_tests(tests, make_dir, remove_dir);
}
