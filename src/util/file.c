#include "util/file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/log.h"

static int read_all(int fd, uint8_t *buf, size_t size)
{
    size_t done = 0;
    while (done < size) {
        ssize_t n = read(fd, buf + done, size - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return n < 0 ? -errno : -EIO; /* a file that shrank under us */
        done += (size_t)n;
    }
    return 0;
}

int open_no_wait(const char *path, int flags, struct stat *st)
{
    /* O_NONBLOCK: opening a FIFO (or some devices) for reading would wait
     * for a writer, with signals already routed to a signalfd nobody reads
     * yet. O_NOCTTY: a terminal given as a file must not become ours. */
    int fd = open(path, flags | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    /* The type of what was opened, not of what the path named a moment
     * before (a symlink swapped in between). */
    int fl = fstat(fd, st) == 0 ? fcntl(fd, F_GETFL) : -1;
    if (fl < 0 || (!(flags & O_NONBLOCK) && fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0)) {
        int e = -errno;
        close(fd);
        return e;
    }
    return fd;
}

int open_regular_file(const char *path, int flags, struct stat *st, char *err, size_t errlen)
{
    int fd = open_no_wait(path, flags, st);
    if (fd < 0)
        return errmsg(err, errlen, fd, "%s", strerror(-fd));
    if (!S_ISREG(st->st_mode)) {
        close(fd);
        return errmsg(err, errlen, -EINVAL, "not a regular file");
    }
    return fd;
}

int read_whole_file(const char *path, size_t max, uint8_t **data, size_t *size, char *err,
                    size_t errlen)
{
    struct stat st;
    char why[128];
    int fd = open_regular_file(path, O_RDONLY, &st, why, sizeof why);
    if (fd < 0)
        return errmsg(err, errlen, -1, "%s: %s", path, why);
    if ((uint64_t)st.st_size > max) {
        close(fd);
        return errmsg(err, errlen, -1, "%s: %lld bytes is larger than the limit of %zu", path,
                       (long long)st.st_size, max);
    }
    uint8_t *buf = malloc(st.st_size ? (size_t)st.st_size : 1);
    int rc = buf ? read_all(fd, buf, (size_t)st.st_size) : -ENOMEM;
    close(fd);
    if (rc < 0) {
        free(buf);
        return errmsg(err, errlen, -1, "%s: %s", path, strerror(-rc));
    }
    *data = buf;
    *size = (size_t)st.st_size;
    return 0;
}

void close_fds(const int *fds, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (fds[i] >= 0)
            close(fds[i]);
}

char *read_file_tail(const char *path, size_t tail, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    off_t size = lseek(fd, 0, SEEK_END);
    off_t from = size > (off_t)tail ? size - (off_t)tail : 0;
    char *buf = size >= 0 ? malloc((size_t)(size - from) + 1) : NULL;
    ssize_t n = buf ? pread(fd, buf, (size_t)(size - from), from) : -1;
    close(fd);
    if (n < 0) {
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    if (len)
        *len = (size_t)n;
    return buf;
}
