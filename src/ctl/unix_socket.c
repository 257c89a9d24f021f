#include "ctl/unix_socket.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static int fill_address(struct sockaddr_un *addr, const char *path)
{
    memset(addr, 0, sizeof *addr);
    addr->sun_family = AF_UNIX;
    if (strlen(path) >= sizeof addr->sun_path)
        return -ENAMETOOLONG;
    strcpy(addr->sun_path, path);
    return 0;
}

static int connect_with(const char *path, int type, int flags)
{
    struct sockaddr_un addr;
    int rc = fill_address(&addr, path);
    if (rc < 0)
        return rc;
    int fd = socket(AF_UNIX, type | SOCK_CLOEXEC | flags, 0);
    if (fd < 0)
        return -errno;
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
        rc = -errno;
        close(fd);
        return rc;
    }
    return fd;
}

int unix_connect(const char *path)
{
    return connect_with(path, SOCK_STREAM, 0);
}

int unix_connect_nonblocking(const char *path)
{
    return connect_with(path, SOCK_STREAM, SOCK_NONBLOCK);
}

int unix_connect_seqpacket(const char *path)
{
    return connect_with(path, SOCK_SEQPACKET, 0);
}

/* A socket file nobody answers on is left over from a process that died. */
static int remove_stale_socket(const char *path, int type, char *err, size_t errlen)
{
    int fd = connect_with(path, type, 0);
    if (fd >= 0) {
        close(fd);
        snprintf(err, errlen, "%s: already in use by a running server", path);
        return -1;
    }
    if (unlink(path) < 0 && errno != ENOENT) {
        snprintf(err, errlen, "%s: cannot remove stale socket: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

static int listen_with(const char *path, int type, char *err, size_t errlen)
{
    struct sockaddr_un addr;
    if (fill_address(&addr, path) < 0) {
        snprintf(err, errlen, "%s: socket path too long (max %zu bytes)", path,
                 sizeof addr.sun_path - 1);
        return -1;
    }
    if (remove_stale_socket(path, type, err, errlen) < 0)
        return -1;
    int fd = socket(AF_UNIX, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        snprintf(err, errlen, "socket: %s", strerror(errno));
        return -1;
    }
    /* Bind under a restrictive umask so the file is never briefly open to all. */
    mode_t old = umask(0117);
    int rc = bind(fd, (struct sockaddr *)&addr, sizeof addr);
    umask(old);
    if (rc < 0 || chmod(path, 0660) < 0 || listen(fd, 128) < 0) {
        snprintf(err, errlen, "%s: cannot listen: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

int unix_listen(const char *path, char *err, size_t errlen)
{
    return listen_with(path, SOCK_STREAM, err, errlen);
}

int unix_listen_seqpacket(const char *path, char *err, size_t errlen)
{
    return listen_with(path, SOCK_SEQPACKET, err, errlen);
}

ssize_t unix_send_with_fd(int sock, const void *buf, size_t len, int fd)
{
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } control;
    struct iovec iov = {(void *)buf, len};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
    if (fd >= 0) {
        msg.msg_control = control.buf;
        msg.msg_controllen = sizeof control.buf;
        struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &fd, sizeof fd);
    }
    return sendmsg(sock, &msg, MSG_NOSIGNAL);
}
