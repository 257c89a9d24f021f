/* errno and the messages strerror and perror give for its values. */
#include "host_test_names.h" /* renames everything for host tests only */

#include "../include/libc/errno.h"
#include "../include/libc/string.h"

int mica_errno;

static const char *const messages[] = {
    [0] = "Success",
    [EPERM] = "Operation not permitted",
    [ENOENT] = "No such file or directory",
    [EINTR] = "Interrupted system call",
    [EIO] = "Input/output error",
    [EBADF] = "Bad file descriptor",
    [EAGAIN] = "Resource temporarily unavailable",
    [ENOMEM] = "Cannot allocate memory",
    [EACCES] = "Permission denied",
    [EFAULT] = "Bad address",
    [EBUSY] = "Device or resource busy",
    [EEXIST] = "File exists",
    [EINVAL] = "Invalid argument",
    [ENOSPC] = "No space left on device",
    [EPIPE] = "Broken pipe",
    [EDOM] = "Numerical argument out of domain",
    [ERANGE] = "Numerical result out of range",
    [ENOSYS] = "Function not implemented",
    [EOVERFLOW] = "Value too large for defined data type",
};

char *strerror(int errnum)
{
    const char *m = errnum >= 0 && (size_t)errnum < sizeof messages / sizeof *messages
                        ? messages[errnum]
                        : NULL;
    return (char *)(m ? m : "Unknown error");
}
