#include "cp/open_as_user.h"

#include "ctl/unix_socket.h"

#include "util/file.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* The child answers within this time in all, or is killed: a path on a
 * hung network file system must not hold the daemon. */
#define CHILD_TIMEOUT_MS 5000

/* What happened to one file; travels from the child as is. */
enum open_result { OPENED, OPEN_FAILED, NOT_REGULAR, ONLY_READABLE };

struct open_outcome {
    int32_t result; /* enum open_result */
    int32_t error;  /* errno for OPEN_FAILED */
};

static int open_flags(bool writable)
{
    return (writable ? O_RDWR : O_RDONLY) | O_NONBLOCK | O_NOCTTY | O_CLOEXEC;
}

/* "/proc/self/fd/N" into buf (async-signal-safe: no snprintf). */
static const char *fd_path(int fd, char buf[32])
{
    static const char prefix[] = "/proc/self/fd/";
    char digits[12];
    size_t n = 0, len = sizeof prefix - 1;
    unsigned v = (unsigned)fd;
    do {
        digits[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v && n < sizeof digits);
    memcpy(buf, prefix, len);
    while (n)
        buf[len++] = digits[--n];
    buf[len] = '\0';
    return buf;
}

/* Async-signal-safe: runs in the child that has taken the user's rights.
 * The path is first resolved to an O_PATH descriptor (no open of the file
 * itself, so a device or FIFO is never opened, with whatever that would
 * set off) and must be a regular file; only then is that very file opened
 * for reading (or writing) through /proc/self/fd, which checks the user's
 * permissions on it as open(path) would. */
static int open_one(const struct file_request *f, struct open_outcome *out)
{
    char proc[32];
    struct stat st;
    int where = open(f->path, O_PATH | O_CLOEXEC);
    if (where < 0) {
        *out = (struct open_outcome){OPEN_FAILED, errno};
        return -1;
    }
    if (fstat(where, &st) < 0 || !S_ISREG(st.st_mode)) {
        close(where);
        *out = (struct open_outcome){NOT_REGULAR, 0};
        return -1;
    }
    int fd = open(fd_path(where, proc), open_flags(f->writable));
    int error = errno;
    if (fd < 0 && f->writable && (error == EACCES || error == EROFS)) {
        int probe = open(proc, open_flags(false));
        if (probe >= 0) { /* readable: the definition just forgot "readonly" */
            close(probe);
            close(where);
            *out = (struct open_outcome){ONLY_READABLE, 0};
            return -1;
        }
        error = EACCES;
    }
    close(where);
    *out = fd < 0 ? (struct open_outcome){OPEN_FAILED, error} : (struct open_outcome){OPENED, 0};
    return fd;
}

static int explain(const struct cp_user *user, const struct file_request *f,
                   const struct open_outcome *o, struct cp_error *err)
{
    switch (o->result) {
    case ONLY_READABLE:
        return cp_fail(err, 400, "%s '%s' is not writable (add \"readonly\": true?)", f->what,
                       f->path);
    case NOT_REGULAR:
        return cp_fail(err, 400, "%s '%s' is not a readable file (not a regular file)", f->what,
                       f->path);
    default:
        if (o->error == EACCES || o->error == EPERM)
            return cp_fail(err, 403, "%s '%s': permission denied for uid %u (files are opened "
                                     "with the rights of the VM's owner)",
                           f->what, f->path, (unsigned)user->uid);
        return cp_fail(err, 400, "%s '%s' is not a readable file (%s)", f->what, f->path,
                       strerror(o->error));
    }
}

static int open_here(const struct cp_user *user, const struct file_request *files, size_t n,
                     int *fds, struct cp_error *err)
{
    for (size_t i = 0; i < n; i++) {
        struct open_outcome o;
        fds[i] = open_one(&files[i], &o);
        if (fds[i] < 0)
            return explain(user, &files[i], &o, err);
    }
    return 0;
}

/* ---- in the child: async-signal-safe only (the daemon has threads) ------- */

static void send_outcome(int sock, const struct open_outcome *o, int fd)
{
    if (unix_send_with_fd(sock, o, sizeof *o, fd) < 0)
        _exit(1);
}

/* Raw system calls: they change only this (single-threaded) child. */
static _Noreturn void child_main(const struct cp_user *user, const gid_t *groups,
                                 size_t ngroups, const struct file_request *files, size_t n,
                                 int sock)
{
    /* Nothing of the daemon's (registry, sockets, locks) stays with a
     * process that is about to run as the user. */
    if (sock > 0)
        syscall(SYS_close_range, 0u, (unsigned)sock - 1, 0u);
    syscall(SYS_close_range, (unsigned)sock + 1, ~0u, 0u);
    prctl(PR_SET_DUMPABLE, 0); /* and the user may not ptrace it */
    if (syscall(SYS_setgroups, ngroups, groups) < 0 ||
        syscall(SYS_setresgid, user->gid, user->gid, user->gid) < 0 ||
        syscall(SYS_setresuid, user->uid, user->uid, user->uid) < 0)
        _exit(2); /* the parent reads EOF: it cannot take the user's rights */
    for (size_t i = 0; i < n; i++) {
        struct open_outcome o;
        int fd = open_one(&files[i], &o);
        send_outcome(sock, &o, fd);
        if (fd < 0)
            _exit(0); /* the first failure is the answer */
        close(fd);
    }
    _exit(0);
}

/* ---- in the daemon --------------------------------------------------------- */

/* The user's groups as the group database has them (malloc'd), or just its
 * primary group when it has no passwd entry. */
static gid_t *user_groups(const struct cp_user *user, size_t *ngroups)
{
    struct passwd pw, *found = NULL;
    char buf[4096];
    int n = 64;
    gid_t *groups = malloc((size_t)n * sizeof *groups);
    if (!groups)
        return NULL;
    if (getpwuid_r(user->uid, &pw, buf, sizeof buf, &found) != 0 || !found) {
        groups[0] = user->gid;
        *ngroups = 1;
        return groups;
    }
    while (getgrouplist(found->pw_name, user->gid, groups, &n) < 0) {
        gid_t *bigger = n > 0 && n <= 65536 ? realloc(groups, (size_t)n * sizeof *groups) : NULL;
        if (!bigger) {
            free(groups);
            return NULL;
        }
        groups = bigger;
    }
    *ngroups = (size_t)n;
    return groups;
}

/* One outcome and its descriptor; false on EOF, timeout or garbage. */
static bool receive_outcome(int sock, struct open_outcome *o, int *fd)
{
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } control;
    struct iovec iov = {o, sizeof *o};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
                         .msg_controllen = sizeof control.buf};
    struct pollfd p = {.fd = sock, .events = POLLIN};
    *fd = -1;
    if (poll(&p, 1, CHILD_TIMEOUT_MS) != 1 ||
        recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) != (ssize_t)sizeof *o)
        return false;
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
        c->cmsg_len == CMSG_LEN(sizeof(int)))
        memcpy(fd, CMSG_DATA(c), sizeof *fd);
    if ((o->result == OPENED) != (*fd >= 0)) {
        if (*fd >= 0)
            close(*fd);
        return false;
    }
    return true;
}

/* Reaps the child by pidfd: the daemon's SIGCHLD loop may reap it first,
 * and a pid alone could by then name another child. */
static void reap(int pidfd)
{
    if (pidfd >= 0) {
        siginfo_t info;
        /* it is done, or it took too long */
        syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
        waitid((idtype_t)P_PIDFD, (id_t)pidfd, &info, WEXITED);
        close(pidfd);
    }
}

static int collect(const struct cp_user *user, const struct file_request *files, size_t n,
                   int sock, int *fds, struct cp_error *err)
{
    for (size_t i = 0; i < n; i++) {
        struct open_outcome o;
        if (!receive_outcome(sock, &o, &fds[i]))
            return cp_fail(err, 403, "%s '%s': cannot be checked with uid %u's rights (the "
                                     "daemon runs as uid %u and cannot take them)",
                           files[i].what, files[i].path, (unsigned)user->uid,
                           (unsigned)geteuid());
        if (o.result != OPENED)
            return explain(user, &files[i], &o, err);
    }
    return 0;
}

static int open_in_child(const struct cp_user *user, const struct file_request *files,
                         size_t n, int *fds, struct cp_error *err)
{
    size_t ngroups = 0;
    gid_t *groups = user_groups(user, &ngroups);
    int sv[2];
    if (!groups)
        return cp_fail(err, 500, "cannot read the groups of uid %u", (unsigned)user->uid);
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
        free(groups);
        return cp_fail(err, 500, "socketpair: %s", strerror(errno));
    }
    pid_t pid = fork();
    if (pid == 0) {
        close(sv[0]);
        child_main(user, groups, ngroups, files, n, sv[1]);
    }
    int saved = errno;
    free(groups);
    close(sv[1]);
    if (pid < 0) {
        close(sv[0]);
        return cp_fail(err, 500, "fork: %s", strerror(saved));
    }
    int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    int rc = collect(user, files, n, sv[0], fds, err);
    close(sv[0]);
    reap(pidfd);
    return rc;
}

int open_as_user(const struct cp_user *user, const struct file_request *files, size_t n,
                 int *fds, struct cp_error *err)
{
    if (n > OPEN_AS_USER_MAX)
        return cp_fail(err, 400, "too many files (at most %d)", OPEN_AS_USER_MAX);
    for (size_t i = 0; i < n; i++)
        fds[i] = -1;
    bool here = user->uid == geteuid() || user->uid == 0;
    if ((here ? open_here : open_in_child)(user, files, n, fds, err) == 0)
        return 0;
    close_fds(fds, n); /* the ones opened before the failure */
    for (size_t i = 0; i < n; i++)
        fds[i] = -1;
    return -1;
}
