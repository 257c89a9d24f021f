#include "disk/disk_image.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/errmsg.h"
#include "util/file.h"

int disk_image_check(const struct stat *st, const char *path, char *err, size_t errlen)
{
    if (!S_ISREG(st->st_mode) && !S_ISBLK(st->st_mode))
        return errmsg(err, errlen, -EINVAL, "disk image %s: not a regular file or block device",
                      path);
    if (S_ISREG(st->st_mode) && (st->st_size == 0 || st->st_size % DISK_SECTOR))
        return errmsg(err, errlen, -EINVAL,
                      "disk image %s: size %lld is not a non-zero multiple of 512 bytes", path,
                      (long long)st->st_size);
    return 0;
}

int disk_image_open(struct disk_image *d, const char *path, bool read_only, char *err,
                    size_t errlen)
{
    memset(d, 0, sizeof *d);
    struct stat st;
    d->fd = open_no_wait(path, read_only ? O_RDONLY : O_RDWR, &st);
    if (d->fd == -EISDIR)
        return errmsg(err, errlen, d->fd, "disk image %s: a directory, not a regular file or "
                      "block device", path);
    if (d->fd < 0)
        return errmsg(err, errlen, d->fd, "disk image %s: %s", path, strerror(-d->fd));
    int rc = disk_image_check(&st, path, err, errlen);
    off_t size = S_ISREG(st.st_mode) ? st.st_size : lseek(d->fd, 0, SEEK_END);
    if (rc == 0 && (size <= 0 || size % DISK_SECTOR))
        rc = errmsg(err, errlen, -EINVAL, "disk image %s: block device of %lld bytes", path,
                    (long long)size);
    if (rc < 0) {
        disk_image_close(d);
        return rc;
    }
    d->sectors = (uint64_t)size / DISK_SECTOR;
    d->read_only = read_only;
    d->ino = st.st_ino;
    return 0;
}

void disk_image_close(struct disk_image *d)
{
    if (d->fd >= 0)
        close(d->fd);
    d->fd = -1;
}

bool disk_image_holds(const struct disk_image *d, uint64_t sector, uint64_t count)
{
    return sector <= d->sectors && count <= d->sectors - sector;
}

/* Steps the iovec array past r bytes. */
static void advance(struct iovec **iov, int *n, size_t r)
{
    while (r > 0 && *n > 0) {
        if (r >= (*iov)->iov_len) {
            r -= (*iov)->iov_len;
            ++*iov, --*n;
        } else {
            (*iov)->iov_base = (uint8_t *)(*iov)->iov_base + r;
            (*iov)->iov_len -= r;
            r = 0;
        }
    }
}

/* Full transfer or failure: reads past the end cannot happen (callers check
 * the bounds), so a short count that makes no progress is an I/O error. */
bool disk_image_transfer(struct disk_image *d, bool write, struct iovec *iov, int n, uint64_t off,
                         uint64_t len)
{
    while (len) {
        ssize_t r = write ? pwritev(d->fd, iov, n, (off_t)off) : preadv(d->fd, iov, n, (off_t)off);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return false;
        off += (uint64_t)r;
        len -= (uint64_t)r;
        advance(&iov, &n, (size_t)r);
    }
    return true;
}

int disk_image_flush(struct disk_image *d) { return fdatasync(d->fd) == 0 ? 0 : -errno; }
