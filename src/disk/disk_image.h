/*
 * Raw disk images, the storage under every virtual disk mica serves
 * (virtio-blk for full virtualization, the PV block back end): a regular
 * file or a block device of whole 512-byte sectors, opened read-write or
 * read-only, read and written at sector offsets, flushed with fdatasync.
 * The callers check sector ranges against `sectors` before any I/O.
 */
#ifndef MICA_DISK_DISK_IMAGE_H
#define MICA_DISK_DISK_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#define DISK_SECTOR 512u

/* A disk as the user named it: `--disk FILE[,ro]`. */
struct disk_spec {
    const char *path;
    bool read_only;
};

struct disk_image {
    int fd;
    bool read_only;
    uint64_t sectors;
    ino_t ino; /* for a serial number */
};

/* Opens path (read-only if read_only) without blocking on a FIFO; it must
 * be a regular file or block device whose size is a non-zero multiple of
 * 512. 0, or -errno with "disk image PATH: why" in err. */
int disk_image_open(struct disk_image *d, const char *path, bool read_only, char *err,
                    size_t errlen);
void disk_image_close(struct disk_image *d);

/* What disk_image_open checks of an open file's stat (kind, and for a
 * regular file a size of whole sectors), for callers that only check:
 * 0, or -EINVAL with "disk image PATH: why" in err. */
struct stat;
int disk_image_check(const struct stat *st, const char *path, char *err, size_t errlen);

/* Whether count sectors from `sector` lie inside the disk (no overflow). */
bool disk_image_holds(const struct disk_image *d, uint64_t sector, uint64_t count);

/* Moves exactly len bytes between iov[0..n) and the disk at byte offset
 * off (the iovec array is consumed): true, or false on an I/O error or a
 * short transfer. */
bool disk_image_transfer(struct disk_image *d, bool write, struct iovec *iov, int n, uint64_t off,
                         uint64_t len);

/* Every write done so far reaches stable storage: 0 or -errno. */
int disk_image_flush(struct disk_image *d);

#endif
