#include "oci/oci_vm_process.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mica/abi.h"
#include "oci/oci_console.h"
#include "run/exit_status.h"
#include "run/start_hold.h"
#include "util/errmsg.h"

#define READY_MSG_MAX 1024
#define RUN_ARGV_MAX (2 * OCI_ENV_MAX + OCI_ARGS_MAX + 32)

struct run_argv {
    char *v[RUN_ARGV_MAX + 1];
    int n;
    char mem[24], name[MICA_NAME_MAX];
};

static void add(struct run_argv *a, const char *s)
{
    if (a->n < RUN_ARGV_MAX)
        a->v[a->n++] = (char *)s;
}

/* The guest's name: the id as `mica run --name` takes it (at most 63
 * characters of [A-Za-z0-9._-]). */
static void name_from_id(char *out, size_t outlen, const char *id)
{
    size_t i = 0;
    for (; id[i] && i + 1 < outlen; i++)
        out[i] = id[i] == '+' ? '_' : id[i];
    out[i] = 0;
}

/* `mica run` as the config asks for: see docs/oci.md for the mapping. */
static void build_argv(const struct oci_vm_launch *l, struct run_argv *a)
{
    const struct oci_config *c = l->cfg;
    add(a, "run");
    if (c->kind == OCI_VM_LINUX) {
        add(a, "--kernel"), add(a, l->image);
        if (l->initrd)
            add(a, "--initrd"), add(a, l->initrd);
        if (c->cmdline)
            add(a, "--cmdline"), add(a, c->cmdline);
    }
    add(a, "--control"), add(a, l->control), add(a, "--control-stdin");
    add(a, "--hold"), add(a, l->hold);
    name_from_id(a->name, sizeof a->name, l->id);
    add(a, "--name"), add(a, a->name);
    if (c->mem_mib) {
        snprintf(a->mem, sizeof a->mem, "%llu", (unsigned long long)c->mem_mib);
        add(a, "--mem"), add(a, a->mem);
    }
    if (c->kind == OCI_VM_PV) {
        for (size_t i = 0; i < c->envc; i++)
            add(a, "--env"), add(a, c->env[i]);
        add(a, l->image), add(a, "--");
        for (size_t i = 1; i < c->argc; i++)
            add(a, c->args[i]);
    }
    a->v[a->n] = NULL;
}

static int join_network(const struct oci_config *c, char *err, size_t errlen)
{
    if (c->netns == OCI_NETNS_NEW && unshare(CLONE_NEWNET) < 0)
        return errmsg(err, errlen, -1, "cannot make a network namespace: %s", strerror(errno));
    if (c->netns == OCI_NETNS_JOIN) {
        int fd = open(c->netns_path, O_RDONLY | O_CLOEXEC);
        if (fd < 0 || setns(fd, CLONE_NEWNET) < 0) {
            int e = errno;
            if (fd >= 0)
                close(fd);
            return errmsg(err, errlen, -1, "cannot join the network namespace %s: %s",
                          c->netns_path, strerror(e));
        }
        close(fd);
    }
    return 0;
}

/* Signals as a fresh process has them: the caller (Go's exec) may have
 * blocked or ignored some. */
static void default_signals(void)
{
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGQUIT};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        signal(sigs[i], SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
}

/* A pod sandbox: past the start gate, wait for the end. */
static int hold_sandbox(const struct oci_vm_launch *l)
{
    char err[512];
    if (start_hold_wait(l->hold, err, sizeof err) < 0) {
        fprintf(stderr, "mica-runc: sandbox %s: %s\n", l->id, err);
        return MICA_STATUS_ERROR;
    }
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    sigprocmask(SIG_BLOCK, &set, NULL);
    int sig;
    sigwait(&set, &sig);
    return 0;
}

static __attribute__((noreturn)) void child(const struct oci_vm_launch *l, int ready_fd)
{
    char err[512];
    default_signals();
    if (setsid() < 0) {
        snprintf(err, sizeof err, "setsid: %s", strerror(errno));
    } else if ((l->tty < 0 || oci_console_adopt(l->tty, err, sizeof err) == 0) &&
               join_network(l->cfg, err, sizeof err) == 0) {
        static struct run_argv a; /* large: not on the stack */
        build_argv(l, &a);
        close(ready_fd); /* set up: create may return */
        int status = l->cfg->kind == OCI_VM_NONE ? hold_sandbox(l) : l->rt->run_vm(a.n, a.v);
        fflush(NULL);
        _exit(status);
    }
    (void)!write(ready_fd, err, strlen(err));
    _exit(MICA_STATUS_ERROR);
}

/* What the child wrote before closing its end: nothing when it is ready. */
static int wait_ready(int fd, char *err, size_t errlen)
{
    char msg[READY_MSG_MAX];
    size_t got = 0;
    for (;;) {
        ssize_t n = read(fd, msg + got, sizeof msg - 1 - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0 || (got += (size_t)n) == sizeof msg - 1)
            break;
    }
    msg[got] = 0;
    return got ? errmsg(err, errlen, -1, "the VM process: %s", msg) : 0;
}

pid_t oci_vm_spawn(const struct oci_vm_launch *l, char *err, size_t errlen)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0)
        return errmsg(err, errlen, -1, "pipe: %s", strerror(errno));
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        close(p[0]);
        child(l, p[1]);
    }
    close(p[1]);
    if (pid < 0) {
        close(p[0]);
        return errmsg(err, errlen, -1, "fork: %s", strerror(errno));
    }
    int rc = wait_ready(p[0], err, errlen);
    close(p[0]);
    if (rc < 0) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        return -1;
    }
    return pid;
}
