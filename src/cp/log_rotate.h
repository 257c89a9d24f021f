/*
 * A VM's output log with a size cap: STATE/vms/ID/log holds the newest
 * output, log.1 the output before it, and neither grows past `max` bytes,
 * so a guest that floods its console uses at most 2 x max of the daemon's
 * disk.  The writer runs in the VM's monitor, a fork of the multi-threaded
 * daemon that never execs: it makes async-signal-safe calls only (no
 * malloc, no stdio).
 */
#ifndef MICA_CP_LOG_ROTATE_H
#define MICA_CP_LOG_ROTATE_H

#include <stddef.h>
#include <stdint.h>

/* The smallest and the default cap of one file (the daemon's --log-max-mib). */
#define LOG_ROTATE_MIN_BYTES (64u * 1024u)
#define LOG_ROTATE_DEFAULT_BYTES (8u * 1024u * 1024u)

struct log_writer {
    const char *path;    /* the live log                        */
    const char *rotated; /* where it goes when full (path.1)    */
    uint64_t max;        /* bytes per file                      */
    uint64_t size;       /* of the live log                     */
    int fd;              /* the live log, open for appending     */
};

/* The rotated file's name: path + ".1". 0, or -1 when it does not fit. */
int log_rotated_path(const char *path, char *out, size_t size);

/* Starts writing at the end of `fd` (the open live log); the writer then
 * owns fd. */
void log_writer_init(struct log_writer *w, int fd, const char *path, const char *rotated,
                     uint64_t max);

/* Appends len bytes, rotating first when they would not fit.  Bytes the
 * disk refuses are dropped: a guest's output must never stall the VM. */
void log_writer_append(struct log_writer *w, const void *buf, size_t len);

/* Copies everything readable from `in` into the log until end of file or,
 * once `ended` (a pidfd, or -1) is readable, until `in` is drained. */
void log_writer_pump(struct log_writer *w, int in, int ended);

#endif
