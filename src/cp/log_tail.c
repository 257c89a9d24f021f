#include "cp/log_tail.h"

#include "cp/log_rotate.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

static int open_optional(const char *path, off_t *size)
{
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    *size = fd >= 0 && fstat(fd, &st) == 0 ? st.st_size : 0;
    return fd >= 0 || errno == ENOENT ? fd : -errno;
}

/* True when path still names the file open as fd (no rotation meanwhile). */
static int still_current(const char *path, int fd)
{
    struct stat a, b;
    if (fd < 0)
        return stat(path, &a) < 0;
    return stat(path, &a) == 0 && fstat(fd, &b) == 0 && a.st_ino == b.st_ino &&
           a.st_dev == b.st_dev;
}

/* Opens log.1 and log as one consistent pair: a rotation between the two
 * opens would show the same output twice or skip a file, so try again. */
static int open_pair(const char *path, const char *rotated, struct log_tail *t, off_t size[2])
{
    for (int attempt = 0; attempt < 5; attempt++) {
        t->fd[1] = open_optional(path, &size[1]);
        t->fd[0] = open_optional(rotated, &size[0]);
        if (t->fd[0] < -1 || t->fd[1] < -1) {
            int rc = t->fd[0] < -1 ? t->fd[0] : t->fd[1];
            log_tail_close(t);
            return rc;
        }
        if (still_current(path, t->fd[1]))
            return 0;
        log_tail_close(t);
    }
    return -EAGAIN;
}

int log_tail_open(const char *path, uint64_t tail, struct log_tail *t)
{
    char rotated[PATH_MAX];
    off_t size[2];
    t->fd[0] = t->fd[1] = -1;
    if (log_rotated_path(path, rotated, sizeof rotated) < 0)
        return -ENAMETOOLONG;
    int rc = open_pair(path, rotated, t, size);
    if (rc < 0)
        return rc;
    /* Newest first: the live log, then what log.1 adds before it. */
    for (int i = 1; i >= 0; i--) {
        uint64_t take = (uint64_t)size[i] < tail ? (uint64_t)size[i] : tail;
        t->len[i] = take;
        t->from[i] = size[i] - (off_t)take;
        tail -= take;
    }
    return 0;
}

uint64_t log_tail_size(const struct log_tail *t)
{
    return t->len[0] + t->len[1];
}

ssize_t log_tail_read(const struct log_tail *t, uint64_t pos, char *buf, size_t max)
{
    int i = pos < t->len[0] ? 0 : 1;
    uint64_t at = i == 0 ? pos : pos - t->len[0];
    if (at >= t->len[i])
        return 0;
    uint64_t left = t->len[i] - at;
    size_t want = left < max ? (size_t)left : max;
    ssize_t n = pread(t->fd[i], buf, want, t->from[i] + (off_t)at);
    return n == 0 ? -1 : n; /* the file shrank under us: no more to serve */
}

void log_tail_close(struct log_tail *t)
{
    for (int i = 0; i < 2; i++) {
        if (t->fd[i] >= 0)
            close(t->fd[i]);
        t->fd[i] = -1;
    }
}
