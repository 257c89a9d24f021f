#include "support/run_cmd.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void child(char *const argv[], int in, int out, int err)
{
    dup2(in, 0);
    dup2(out, 1);
    dup2(err, 2);
    for (int fd = 3; fd < 64; fd++)
        close(fd); /* only stdio: a leaked pipe end would delay EOF */
    execv(argv[0], argv);
    _exit(127);
}

static size_t drain(int fd, char *buf, size_t len, size_t cap)
{
    ssize_t n = read(fd, buf + len, cap - 1 - len);
    if (n > 0)
        len += (size_t)n;
    buf[len] = 0;
    return len;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void collect(int o, int e, pid_t pid, int limit_s, struct cmd_result *r)
{
    size_t ol = 0, el = 0;
    double end = now_s() + limit_s;
    struct pollfd p[2] = {{.fd = o, .events = POLLIN}, {.fd = e, .events = POLLIN}};
    while (p[0].fd >= 0 || p[1].fd >= 0) {
        int left = (int)((end - now_s()) * 1000);
        if (left <= 0) {
            r->timed_out = true;
            kill(pid, SIGKILL);
            break;
        }
        if (poll(p, 2, left) <= 0)
            continue;
        for (int i = 0; i < 2; i++)
            if (p[i].fd >= 0 && p[i].revents) {
                size_t before = i ? el : ol;
                size_t after = i ? (el = drain(e, r->err, el, sizeof r->err))
                                 : (ol = drain(o, r->out, ol, sizeof r->out));
                if (after == before)
                    p[i].fd = -1;
            }
    }
}

int run_cmd(char *const argv[], const char *input, int limit_s, struct cmd_result *r)
{
    memset(r, 0, sizeof *r);
    int in[2], out[2], err[2];
    if (pipe(in) || pipe(out) || pipe(err))
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        close(in[1]), close(out[0]), close(err[0]);
        child(argv, in[0], out[1], err[1]);
    }
    close(in[0]), close(out[1]), close(err[1]);
    signal(SIGPIPE, SIG_IGN);
    if (input && write(in[1], input, strlen(input)) < 0)
        perror("run_cmd: write");
    close(in[1]);
    collect(out[0], err[0], pid, limit_s, r);
    close(out[0]), close(err[0]);
    int st;
    waitpid(pid, &st, 0);
    r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    return 0;
}

int spawn_cmd(char *const argv[], const char *out_path)
{
    pid_t pid = fork();
    if (pid < 0)
        abort(); /* never hand a caller -1: kill(-1, ...) signals every process */
    if (pid == 0) {
        int fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int null = open("/dev/null", O_RDONLY);
        child(argv, null, fd, fd);
    }
    return pid;
}

bool kvm_available(void)
{
    int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        printf("skipped: /dev/kvm cannot be opened (%s); this test boots real guests\n",
               strerror(errno));
        return false;
    }
    close(fd);
    return true;
}
