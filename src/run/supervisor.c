#include "run/supervisor.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "run/exit_status.h"
#include "run/terminal.h"
#include "util/log.h"
#include "util/signals.h"

void supervisor_report(struct supervisor *s, int status)
{
    if (s->status_fd < 0)
        return;
    fflush(NULL);
    unsigned char code = (unsigned char)status;
    while (write(s->status_fd, &code, 1) < 0 && errno == EINTR)
        ;
    close(s->status_fd);
    s->status_fd = -1;
    int null = s->null_fd > STDERR_FILENO ? s->null_fd : open("/dev/null", O_RDWR | O_CLOEXEC);
    s->null_fd = -1;
    if (null >= 0) {
        dup2(null, STDOUT_FILENO);
        dup2(null, STDERR_FILENO);
        close(null);
    }
}

static void run_child(int (*body)(void *, struct supervisor *), void *ctx, int status_fd,
                      pid_t parent)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    /* The supervisor is already gone? (A child in a new PID namespace, with
     * --jail, sees no parent at all: getppid() is 0 there.) */
    pid_t ppid = getppid();
    if (ppid != parent && ppid != 0)
        _exit(MICA_STATUS_INTERRUPTED);
    struct supervisor s = {.status_fd = status_fd,
                           .null_fd = open("/dev/null", O_RDWR | O_CLOEXEC)};
    int status = body(ctx, &s);
    supervisor_report(&s, status);
    _exit(status);
}

static int child_exit_status(pid_t pid)
{
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    if (WIFEXITED(st))
        return WEXITSTATUS(st);
    mica_error("the VM process was killed by signal %d", WTERMSIG(st));
    return 128 + WTERMSIG(st);
}

/* Waits for the child's report, passing signals on to it. */
static int wait_report(pid_t pid, int status_fd, int sig_fd)
{
    struct pollfd p[2] = {{.fd = status_fd, .events = POLLIN}, {.fd = sig_fd, .events = POLLIN}};
    for (;;) {
        if (poll(p, sig_fd >= 0 ? 2 : 1, -1) < 0)
            continue;
        if (p[1].revents) {
            struct signalfd_siginfo si;
            if (read(sig_fd, &si, sizeof si) == sizeof si)
                kill(pid, (int)si.ssi_signo);
        }
        if (p[0].revents) {
            unsigned char code;
            ssize_t n = read(status_fd, &code, 1);
            if (n == 1)
                return code; /* the child tears the VM down on its own */
            if (n == 0) {
                terminal_restore(); /* it died without putting the terminal back */
                return child_exit_status(pid);
            }
        }
    }
}

int supervise(int (*body)(void *ctx, struct supervisor *s), void *ctx)
{
    int fds[2];
    sigset_t set, old;
    signal_set_of(&set, (const int[]){SIGINT, SIGTERM, SIGHUP, 0});
    sigprocmask(SIG_BLOCK, &set, &old);
    fflush(NULL);
    terminal_save(STDIN_FILENO);
    pid_t parent = getpid();
    bool piped = pipe2(fds, O_CLOEXEC) == 0;
    pid_t pid = piped ? fork() : -1;
    if (pid < 0) {
        if (piped)
            close(fds[0]), close(fds[1]);
        sigprocmask(SIG_SETMASK, &old, NULL);
        struct supervisor s = {.status_fd = -1};
        return body(ctx, &s); /* no child: do it all here */
    }
    if (pid == 0) {
        close(fds[0]);
        run_child(body, ctx, fds[1], parent);
    }
    close(fds[1]);
    int sig_fd = signalfd(-1, &set, SFD_CLOEXEC);
    int status = wait_report(pid, fds[0], sig_fd);
    close(fds[0]);
    if (sig_fd >= 0)
        close(sig_fd);
    return status;
}
