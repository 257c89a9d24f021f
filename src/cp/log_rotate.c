#include "cp/log_rotate.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PUMP_CHUNK (64u * 1024u)

int log_rotated_path(const char *path, char *out, size_t size)
{
    size_t n = strlen(path);
    if (n + 3 > size)
        return -1;
    memcpy(out, path, n);
    memcpy(out + n, ".1", 3);
    return 0;
}

void log_writer_init(struct log_writer *w, int fd, const char *path, const char *rotated,
                     uint64_t max)
{
    struct stat st;
    w->path = path;
    w->rotated = rotated;
    w->max = max < LOG_ROTATE_MIN_BYTES ? LOG_ROTATE_MIN_BYTES : max;
    w->size = fstat(fd, &st) == 0 ? (uint64_t)st.st_size : 0;
    w->fd = fd;
}

/* log -> log.1 (replacing the older one) and a fresh log under the same
 * descriptor number.  When the rename fails the log is emptied instead: the
 * cap holds either way. */
static void rotate(struct log_writer *w)
{
    if (rename(w->path, w->rotated) == 0) {
        int fresh = open(w->path, O_WRONLY | O_APPEND | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
        if (fresh >= 0) {
            dup2(fresh, w->fd); /* keeps FD_CLOEXEC off w->fd as before */
            close(fresh);
            w->size = 0;
            return;
        }
    }
    if (ftruncate(w->fd, 0) == 0)
        w->size = 0;
}

void log_writer_append(struct log_writer *w, const void *buf, size_t len)
{
    const char *p = buf;
    if (len > w->max) { /* only the newest max bytes can be kept */
        p += len - w->max;
        len = (size_t)w->max;
    }
    if (w->size + len > w->max)
        rotate(w);
    if (w->size + len > w->max) /* could not rotate or empty: drop */
        return;
    while (len > 0) {
        ssize_t n = write(w->fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return; /* disk full or similar: the rest is dropped */
        w->size += (uint64_t)n;
        p += n;
        len -= (size_t)n;
    }
}

/* One read from `in` into the log: 1 when it got bytes (or was
 * interrupted), 0 at end of file or when nothing is left to read. */
static int drain_once(struct log_writer *w, int in, char *buf)
{
    ssize_t n = read(in, buf, PUMP_CHUNK);
    if (n > 0)
        log_writer_append(w, buf, (size_t)n);
    return n > 0 || (n < 0 && errno == EINTR);
}

void log_writer_pump(struct log_writer *w, int in, int ended)
{
    static char buf[PUMP_CHUNK]; /* the monitor is single-threaded */
    for (;;) {
        struct pollfd p[2] = {{.fd = in, .events = POLLIN}, {.fd = ended, .events = POLLIN}};
        if (poll(p, ended >= 0 ? 2 : 1, -1) < 0) {
            if (errno == EINTR)
                continue;
            return;
        }
        if (ended >= 0 && (p[1].revents & POLLIN)) {
            /* The VMM is gone; whoever else holds the pipe must not keep
             * the monitor from recording its end. */
            fcntl(in, F_SETFL, fcntl(in, F_GETFL) | O_NONBLOCK);
            for (int i = 0; i < 64 && drain_once(w, in, buf); i++)
                ; /* bounded: a descendant could keep writing */
            return;
        }
        if (p[0].revents && !drain_once(w, in, buf))
            return;
    }
}
