#ifndef MICA_UTIL_FILE_H
#define MICA_UTIL_FILE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

/* Opens a file given by a user (guest image, kernel, initrd, disk) without
 * blocking: a FIFO or device must not stall open() itself. flags are
 * open(2)'s (O_RDONLY, O_RDWR; add O_NONBLOCK to keep the descriptor
 * non-blocking); *st describes the opened file. fd or -errno. */
int open_no_wait(const char *path, int flags, struct stat *st);
/* The same, refusing what is not a regular file (-EINVAL, "not a regular
 * file"). fd, or -errno with the reason (not the path) in err. */
int open_regular_file(const char *path, int flags, struct stat *st, char *err, size_t errlen);

/* Reads a whole regular file of at most max bytes into a malloc'd buffer.
 * Returns 0, or -1 with one line in err naming the file and the reason. */
int read_whole_file(const char *path, size_t max, uint8_t **data, size_t *size, char *err,
                    size_t errlen);

/* The last `tail` bytes of a file (all of it when shorter), NUL-terminated,
 * in a malloc'd buffer; *len (when len is not NULL) says how many. NULL with
 * errno set when it cannot be read (ENOENT: there is no such file). */
char *read_file_tail(const char *path, size_t tail, size_t *len);

/* Closes every fd of fds[0..n) that is open (>= 0). */
void close_fds(const int *fds, size_t n);

#endif
