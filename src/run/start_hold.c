#include "run/start_hold.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/errmsg.h"

#define LIVENESS_CHECK_MS 50

int start_hold_wait(const char *path, char *err, size_t errlen)
{
    struct stat st;
    if (lstat(path, &st) < 0)
        return errmsg(err, errlen, -1, "--hold %s: %s", path, strerror(errno));
    if (!S_ISFIFO(st.st_mode))
        return errmsg(err, errlen, -1, "--hold %s: not a FIFO", path);
    int fd;
    do
        fd = open(path, O_WRONLY | O_CLOEXEC); /* the gate: until a starter reads */
    while (fd < 0 && errno == EINTR);
    if (fd < 0)
        return errmsg(err, errlen, -1, "--hold %s: %s", path, strerror(errno));
    ssize_t n;
    do
        n = write(fd, "s", 1);
    while (n < 0 && errno == EINTR);
    close(fd);
    if (n != 1)
        return errmsg(err, errlen, -1, "--hold %s: the starter went away", path);
    return 0;
}

static int process_gone(pid_t pid)
{
    return kill(pid, 0) < 0 && errno == ESRCH;
}

int start_hold_release(const char *path, pid_t pid, unsigned timeout_ms, char *err,
                       size_t errlen)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return errmsg(err, errlen, -1, "start gate %s: %s", path, strerror(errno));
    for (unsigned waited = 0; waited < timeout_ms; waited += LIVENESS_CHECK_MS) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, LIVENESS_CHECK_MS) > 0 && (p.revents & POLLIN)) {
            char c;
            ssize_t n = read(fd, &c, 1);
            close(fd);
            return n == 1 ? 0 : errmsg(err, errlen, -1, "the VM process (pid %d) left the start gate "
                                                        "without passing it", (int)pid);
        }
        if (process_gone(pid))
            break;
    }
    close(fd);
    if (process_gone(pid))
        return errmsg(err, errlen, -1, "the VM process (pid %d) is gone", (int)pid);
    return errmsg(err, errlen, -1, "the VM process (pid %d) did not pass its start gate in %u ms",
                  (int)pid, timeout_ms);
}
