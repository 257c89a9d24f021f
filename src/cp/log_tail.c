#include "cp/log_tail.h"

#include "cp/log_rotate.h"

#include <errno.h>
#include <stdlib.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
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

/* Drops the first `skip` bytes of the tail. */
static void skip_front(struct log_tail *t, uint64_t skip)
{
    for (int i = 0; i < 2 && skip; i++) {
        uint64_t cut = skip < t->len[i] ? skip : t->len[i];
        t->from[i] += (off_t)cut;
        t->len[i] -= cut;
        skip -= cut;
    }
}

#define LINE_SCAN_BLOCK (64u * 1024u)

/* Reads [at, at + want) of the tail into buf; 0 or -1. */
static int read_exactly(const struct log_tail *t, uint64_t at, char *buf, size_t want)
{
    for (size_t got = 0; got < want;) {
        ssize_t n = log_tail_read(t, at + got, buf + got, want - got);
        if (n <= 0)
            return -1;
        got += (size_t)n;
    }
    return 0;
}

int log_tail_keep_lines(struct log_tail *t, uint64_t lines)
{
    uint64_t end = log_tail_size(t), pos = end, found = 0;
    char *block = lines ? malloc(LINE_SCAN_BLOCK) : NULL;
    if (lines && !block)
        return -1;
    while (lines && pos > 0) {
        size_t want = pos < LINE_SCAN_BLOCK ? (size_t)pos : LINE_SCAN_BLOCK;
        uint64_t at = pos - want;
        if (read_exactly(t, at, block, want) < 0) {
            free(block);
            return -1;
        }
        for (size_t i = want; i-- > 0;) {
            /* A final newline ends the last line; any other starts the next. */
            if (block[i] == '\n' && at + i + 1 != end && ++found == lines) {
                free(block);
                skip_front(t, at + i + 1);
                return 0;
            }
        }
        pos = at;
    }
    free(block);
    if (!lines)
        skip_front(t, end);
    return 0; /* fewer lines than asked: all of them */
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
