/*
 * Confinement of the VM process (src/run/): the seccomp filter and the jail,
 * each exercised in a forked child through the very functions `mica run
 * --jail` calls. The child reports through its exit status (which check
 * failed) and its stderr (the filter's report line); no KVM is needed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli/run_fv_options.h"
#include "cli/run_options.h"
#include "ctl/vm_control_client.h"
#include "run/pv_control.h"
#include "run/run_io.h"
#include "run/confine.h"
#include "run/jail.h"
#include "run/seccomp_filter.h"
#include "support/pv_testbed.h"

#define SKIP_STATUS 77 /* the child lacked a privilege: the test says skipped */

struct child_result {
    int status;       /* exit status, or 128 + signal */
    char stderr[1024]; /* what it wrote there */
};

struct child {
    pid_t pid;
    int err_fd; /* the read end of its stderr */
};

/* Starts body() in a child with stderr on a pipe. */
static struct child start_child(int (*body)(void))
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        dup2(fds[1], STDERR_FILENO);
        _exit(body());
    }
    close(fds[1]);
    return (struct child){.pid = pid, .err_fd = fds[0]};
}

/* The rest of its stderr, appended to r->stderr, and how it ended. */
static void finish_child(struct child c, struct child_result *r)
{
    size_t len = strlen(r->stderr);
    ssize_t n;
    while ((n = read(c.err_fd, r->stderr + len, sizeof r->stderr - 1 - len)) > 0)
        len += (size_t)n;
    r->stderr[len] = '\0';
    close(c.err_fd);
    int st;
    assert_int_equal(waitpid(c.pid, &st, 0), c.pid);
    r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static struct child_result run_child(int (*body)(void))
{
    struct child_result r = {0};
    finish_child(start_child(body), &r);
    return r;
}

static void install_or_die(void)
{
    char err[256];
    if (seccomp_filter_install(err, sizeof err) < 0) {
        fprintf(stderr, "%s\n", err);
        _exit(3);
    }
}

/* ---- the filter ---------------------------------------------------------- */

static int open_inet_socket(void)
{
    install_or_die();
    socket(AF_INET, SOCK_STREAM, 0);
    return 0; /* not reached: the filter stops the process */
}

static int exec_a_program(void)
{
    install_or_die();
    char *argv[] = {"/bin/true", NULL};
    execve(argv[0], argv, NULL);
    return 0;
}

static int fork_a_process(void)
{
    install_or_die();
    pid_t pid = fork(); /* clone without CLONE_THREAD */
    if (pid == 0)
        _exit(0);
    return 0;
}

static void forbidden_calls_end_with_a_report(void **state)
{
    (void)state;
    struct {
        int (*body)(void);
        const char *name;
    } cases[] = {{open_inet_socket, "socket"}, {exec_a_program, "execve"}, {fork_a_process, "clone"}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        struct child_result r = run_child(cases[i].body);
        char want[128];
        snprintf(want, sizeof want, "forbidden system call: %s (number ", cases[i].name);
        print_message("child %zu: status %d, stderr: %s", i, r.status, r.stderr);
        assert_int_equal(r.status, MICA_STATUS_FORBIDDEN_SYSCALL);
        assert_non_null(strstr(r.stderr, want));
        assert_non_null(strstr(r.stderr, "seccomp"));
        assert_int_equal(strchr(r.stderr, '\n') - r.stderr + 1, (long)strlen(r.stderr)); /* one line */
    }
}

static void *thread_body(void *arg)
{
    int *fd = arg;
    uint64_t one = 1;
    return write(*fd, &one, sizeof one) == sizeof one ? arg : NULL;
}

/* What the VM process does at run time, step by step; the exit status says
 * which step failed (0: all passed). */
static int run_time_calls(void)
{
    install_or_die();
    int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (efd < 0)
        return 10;
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = efd};
    if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev) < 0)
        return 11;
    pthread_t t; /* threads: the I/O thread, the stopper, FV's vCPUs */
    void *ret;
    if (pthread_create(&t, NULL, thread_body, &efd) != 0 || pthread_join(t, &ret) != 0 || !ret)
        return 12;
    if (epoll_wait(ep, &ev, 1, 1000) != 1)
        return 13;
    int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
    struct itimerspec its = {.it_value = {.tv_nsec = 1000}};
    if (tfd < 0 || timerfd_settime(tfd, 0, &its, NULL) < 0)
        return 14;
    /* KVM_RUN is allowed by number: on a non-KVM descriptor the kernel, not
     * the filter, refuses it. */
    if (ioctl(efd, KVM_RUN, 0) != -1 || errno != ENOTTY)
        return 15;
    char buf[16];
    if (getrandom(buf, sizeof buf, 0) != (ssize_t)sizeof buf) /* virtio-rng */
        return 16;
    void *big = malloc(64 << 20); /* mmap and munmap under malloc */
    if (!big)
        return 17;
    memset(big, 1, 4096);
    free(big);
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0 || nanosleep(&(struct timespec){0, 1000}, NULL) < 0)
        return 18;
    /* Opening files by path is refused, not trapped. */
    if (open("/etc/passwd", O_RDONLY | O_CLOEXEC) != -1 || errno != EACCES)
        return 19;
    if (write(STDERR_FILENO, "ok\n", 3) != 3)
        return 20;
    return 0;
}

static void run_time_calls_are_allowed(void **state)
{
    (void)state;
    struct child_result r = run_child(run_time_calls);
    print_message("status %d, stderr: %s", r.status, r.stderr);
    assert_int_equal(r.status, 0);
    assert_string_equal(r.stderr, "ok\n");
}

/* ---- mica run's own run-time paths under the filter ------------------------ */

static char control_path[108];

/* A PV domain without KVM, attached as `mica run --control` attaches one
 * (control channel, I/O and stopper threads, signalfd), with the filter
 * installed where attach() installs it; the vCPU's part is played by a
 * loop that waits for a stop, as solo_run's wait does. */
static int pv_attached_under_filter(void)
{
    struct pv_domain *d = testbed_domain(4);
    d->doorbell_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    d->vcpus[0].cpu.run = calloc(1, sizeof *d->vcpus[0].cpu.run); /* kicks write immediate_exit */
    int sig_fd = run_io_block_signals();
    struct solo_control ctl;
    if (solo_control_init(&ctl, d) < 0)
        return 49;
    struct pv_control rc = {.dom = d, .ctl = &ctl};
    char err[256];
    struct run_io_config cfg = {.in_fd = -1, .sig_fd = sig_fd};
    cfg.control = pv_control_open(&rc, control_path, err, sizeof err);
    if (!cfg.control)
        return 50;
    install_or_die();
    struct run_io io;
    if (run_io_start(&io, d, &ctl, &cfg, err, sizeof err) < 0)
        return 51;
    if (write(STDERR_FILENO, "ready\n", 6) != 6)
        return 52;
    while (!run_gate_stopping(&ctl.gate)) {
        struct pollfd p = {.fd = d->vcpus[0].wake_fd, .events = POLLIN};
        poll(&p, 1, 1000);
    }
    run_io_stop(&io);
    pvio_console_drain(&d->console);
    pv_control_close(&rc); /* its unlink is refused: the daemon cleans up */
    int why = run_gate_stop_reason(&ctl.gate);
    solo_control_destroy(&ctl);
    return why == SOLO_STOP_INTERRUPT ? 0 : 53;
}

static bool wait_for_socket(const char *path)
{
    for (int i = 0; i < 500; i++) {
        if (access(path, F_OK) == 0)
            return true;
        usleep(10000);
    }
    return false;
}

/* A local user who is not allowed on the channel (the socket file made
 * reachable by mistake): refused by the peer check, which reads geteuid()
 * and tries /proc — the VM must survive it. 0 when refused. */
static int stranger_asks_stats(void)
{
    if (setresgid(65534, 65534, 65534) < 0 || setresuid(65534, 65534, 65534) < 0)
        return 60;
    json_t *reply = NULL;
    struct cp_error cerr;
    int rc = vmctl_request(control_path, "stats", 2000, &reply, &cerr);
    json_decref(reply);
    return rc < 0 ? 0 : 61;
}

static void pv_run_time_paths_pass_the_filter(void **state)
{
    (void)state;
    snprintf(control_path, sizeof control_path, "/tmp/mica-confine-%d.sock", (int)getpid());
    unlink(control_path);
    struct child c = start_child(pv_attached_under_filter);
    struct child_result r = {0};
    /* Checked only once the child is gone: a failed assert must not leave
     * it running. */
    bool ready = read(c.err_fd, r.stderr, 6) == 6 && !strcmp(r.stderr, "ready\n") &&
                 wait_for_socket(control_path);
    json_t *reply = NULL;
    struct cp_error cerr;
    /* accept4, SO_PEERCRED, recv, send on the I/O thread */
    bool stats = ready && vmctl_request(control_path, "stats", 2000, &reply, &cerr) == 0 &&
                 json_object_get(json_object_get(reply, "stats"), "exits");
    json_decref(reply);
    bool stranger_refused = true, alive_after = true;
    if (stats && geteuid() == 0) {
        chmod(control_path, 0666);
        stranger_refused = run_child(stranger_asks_stats).status == 0;
        reply = NULL;
        alive_after = vmctl_request(control_path, "stats", 2000, &reply, &cerr) == 0;
        json_decref(reply);
    }
    kill(c.pid, SIGTERM); /* signalfd on the stopper thread, a kick, the wake fd */
    finish_child(c, &r);
    print_message("status %d, stderr: %s\n", r.status, r.stderr);
    assert_true(ready);
    assert_true(stats);
    assert_true(stranger_refused);
    assert_true(alive_after);
    assert_int_equal(r.status, 0);
    assert_memory_equal(r.stderr, "ready\n", 6);
    assert_null(strstr(r.stderr, "forbidden"));
    if (geteuid() == 0) /* the VM's log says whom it turned away */
        assert_non_null(strstr(r.stderr, "refused connection from pid"));
    unlink(control_path);
}

/* ---- the jail ------------------------------------------------------------ */

static const char *const namespaces[] = {"mnt", "net", "ipc", "pid", "uts"};
static ino_t parent_ns[5];

static ino_t ns_inode(const char *ns)
{
    char path[64];
    struct stat st;
    snprintf(path, sizeof path, "/proc/self/ns/%s", ns);
    return stat(path, &st) == 0 ? st.st_ino : 0;
}

static bool status_has(const char *status, const char *line)
{
    return strstr(status, line) != NULL;
}

/* After the seal, /proc is out of reach: the status file stays open. */
static int check_sealed(int status_fd, uid_t uid)
{
    char status[4096];
    ssize_t n = pread(status_fd, status, sizeof status - 1, 0);
    if (n <= 0)
        return 30;
    status[n] = '\0';
    if (!status_has(status, "CapEff:\t0000000000000000") ||
        !status_has(status, "CapPrm:\t0000000000000000") ||
        !status_has(status, "CapBnd:\t0000000000000000"))
        return 31;
    if (!status_has(status, "NoNewPrivs:\t1"))
        return 32;
    if (getuid() != uid || geteuid() != uid || getuid() == 0)
        return 33;
    if (open("/etc/passwd", O_RDONLY | O_CLOEXEC) != -1 || errno != ENOENT)
        return 34; /* outside the root: not there at all */
    if (open("/x", O_CREAT | O_WRONLY | O_CLOEXEC, 0600) != -1)
        return 35; /* and the root holds nothing, nor takes anything */
    if (getpid() != 1)
        return 36; /* PID 1 of its own namespace */
    return 0;
}

static int jailed_process(void)
{
    struct jail j = {0};
    char err[256];
    if (jail_enter(&j, err, sizeof err) < 0) {
        fprintf(stderr, "%s\n", err);
        return errno == EPERM ? SKIP_STATUS : 20;
    }
    for (size_t i = 0; i < sizeof namespaces / sizeof *namespaces; i++)
        if (ns_inode(namespaces[i]) == 0 || ns_inode(namespaces[i]) == parent_ns[i])
            return 21 + (int)i; /* 21..25: not a new namespace */
    int status_fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
    if (jail_seal(&j, err, sizeof err) < 0) {
        fprintf(stderr, "%s\n", err);
        return 26;
    }
    return check_sealed(status_fd, j.uid);
}

static void jail_drops_everything(void **state)
{
    (void)state;
    if (geteuid() != 0) {
        print_message("skipped: the jail needs root (namespaces, pivot_root, setuid)\n");
        skip();
    }
    for (size_t i = 0; i < sizeof namespaces / sizeof *namespaces; i++)
        parent_ns[i] = ns_inode(namespaces[i]);
    struct child_result r = run_child(jailed_process);
    print_message("status %d, stderr: %s", r.status, r.stderr);
    if (r.status == SKIP_STATUS) {
        print_message("skipped: this host refuses namespaces to root (%s)\n", r.stderr);
        skip();
    }
    assert_int_equal(r.status, 0);
}

/* The whole of --jail as the VM process runs it: confine_begin before
 * set-up, confine_seal after; then a forbidden call is reported. */
static int confined_then_forbidden(void)
{
    struct confine_options o = {.jail = true};
    char err[256];
    if (confine_begin(&o, err, sizeof err) < 0 || confine_seal(err, sizeof err) < 0) {
        fprintf(stderr, "%s\n", err);
        return errno == EPERM ? SKIP_STATUS : 40;
    }
    socket(AF_INET, SOCK_DGRAM, 0);
    return 41;
}

static void confined_process_dies_on_forbidden_call(void **state)
{
    (void)state;
    if (geteuid() != 0) {
        print_message("skipped: the jail needs root (namespaces, pivot_root, setuid)\n");
        skip();
    }
    struct child_result r = run_child(confined_then_forbidden);
    print_message("status %d, stderr: %s", r.status, r.stderr);
    if (r.status == SKIP_STATUS) {
        print_message("skipped: this host refuses namespaces to root (%s)\n", r.stderr);
        skip();
    }
    /* The keeper outside the PID namespace passes the status on. */
    assert_int_equal(r.status, MICA_STATUS_FORBIDDEN_SYSCALL);
    assert_non_null(strstr(r.stderr, "forbidden system call: socket (number 41)"));
}

/* ---- users and options --------------------------------------------------- */

static void jail_users(void **state)
{
    (void)state;
    uid_t uid;
    gid_t gid;
    char err[256];
    assert_int_equal(jail_resolve_user("4242:4343", &uid, &gid, err, sizeof err), 0);
    assert_int_equal(uid, 4242);
    assert_int_equal(gid, 4343);
    assert_int_equal(jail_resolve_user("4242", &uid, &gid, err, sizeof err), 0);
    assert_int_equal(gid, 4242);
    assert_int_equal(jail_resolve_user(NULL, &uid, &gid, err, sizeof err), 0);
    assert_true(uid != 0 && gid != 0);
    assert_int_equal(jail_resolve_user("root", &uid, &gid, err, sizeof err), -1);
    assert_non_null(strstr(err, "must not run as root"));
    assert_int_equal(jail_resolve_user("0:5", &uid, &gid, err, sizeof err), -1);
    assert_int_equal(jail_resolve_user("no-such-user-here", &uid, &gid, err, sizeof err), -1);
    assert_non_null(strstr(err, "no user 'no-such-user-here'"));
    assert_int_equal(jail_resolve_user("4242:no-such-group", &uid, &gid, err, sizeof err), -1);
    assert_non_null(strstr(err, "no group"));
}

static void jail_options(void **state)
{
    (void)state;
    char err[256];
    struct run_options o;
    char *pv[] = {"run", "g.elf", "--jail-user", "7:8", "--", "--jail"};
    assert_int_equal(run_options_parse(6, pv, &o, err, sizeof err), 0);
    assert_true(o.confine.jail);
    assert_string_equal(o.confine.jail_user, "7:8");
    assert_int_equal(o.guest_argc, 1); /* after "--" it is the guest's */
    char *plain[] = {"run", "g.elf"};
    assert_int_equal(run_options_parse(2, plain, &o, err, sizeof err), 0);
    assert_false(o.confine.jail); /* off unless asked for */
    static struct fv_options f;
    char *fv[] = {"run", "--kernel", "k", "--jail"};
    assert_int_equal(fv_options_parse(4, fv, &f, err, sizeof err), 0);
    assert_true(f.jail);
    assert_null(f.jail_user);
    char *fv_reboot[] = {"run", "--kernel", "k", "--jail", "--reboot"};
    assert_int_equal(fv_options_parse(5, fv_reboot, &f, err, sizeof err), -1);
    assert_non_null(strstr(err, "--jail and --reboot"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(forbidden_calls_end_with_a_report),
        cmocka_unit_test(run_time_calls_are_allowed),
        cmocka_unit_test(pv_run_time_paths_pass_the_filter),
        cmocka_unit_test(jail_drops_everything),
        cmocka_unit_test(confined_process_dies_on_forbidden_call),
        cmocka_unit_test(jail_users),
        cmocka_unit_test(jail_options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
