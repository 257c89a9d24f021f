/* <errno.h> for guests: one thread per guest, so errno is a plain
 * variable. Set by strtol and friends (ERANGE), strtod (ERANGE), the math
 * functions (EDOM, ERANGE) and malloc's callers that say so (ENOMEM). */
#ifndef MICA_LIBC_ERRNO_H
#define MICA_LIBC_ERRNO_H

extern int mica_errno;
#define errno mica_errno

/* Linux's numbers, so messages and habits carry over. */
#define EPERM 1
#define ENOENT 2
#define EINTR 4
#define EIO 5
#define EBADF 9
#define EAGAIN 11
#define ENOMEM 12
#define EACCES 13
#define EFAULT 14
#define EBUSY 16
#define EEXIST 17
#define EINVAL 22
#define ENOSPC 28
#define EPIPE 32
#define EDOM 33
#define ERANGE 34
#define ENOSYS 38
#define EOVERFLOW 75

#endif
