/*
 * Opening files with a user's rights rather than the daemon's.  The daemon
 * (root, usually) opens the files a VM definition names on behalf of the
 * client that defined the VM, so it must never reach what that client
 * could not: each file is opened by a short-lived child that has dropped to
 * the user's uid, gid and groups (getgrouplist), and comes back to the
 * daemon as a descriptor (SCM_RIGHTS).  Only regular files are accepted:
 * a path is resolved with O_PATH and checked before the file is opened, so
 * no device or FIFO is ever opened (and O_NONBLOCK besides).
 */
#ifndef MICA_CP_OPEN_AS_USER_H
#define MICA_CP_OPEN_AS_USER_H

#include "ctl/cp_error.h"
#include "cp/vm_access.h"

#include <stdbool.h>
#include <stddef.h>

/* One file to open: `what` names it in messages ("kernel", "disk"...). */
struct file_request {
    const char *what;
    const char *path;
    bool writable; /* O_RDWR, else O_RDONLY */
};

#define OPEN_AS_USER_MAX 8

/* Opens files[0..n) (n <= OPEN_AS_USER_MAX) as `user` would, each O_CLOEXEC,
 * into fds[].  When the daemon already runs as that user, or the user is
 * root, the daemon opens them itself (its rights are then the user's, or
 * fewer).  On failure nothing is left open (fds[] are -1) and err names the first file
 * that failed: 403 when the user may not open it, 400 when it is missing or
 * not a regular file (or only readable while the definition wants to write
 * it), 500 when the daemon could not take the user's rights. */
int open_as_user(const struct cp_user *user, const struct file_request *files, size_t n,
                 int *fds, struct cp_error *err);

#endif
