#include "oci/oci_console.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "util/errmsg.h"

static int connect_socket(const char *path, char *err, size_t errlen)
{
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof a.sun_path)
        return errmsg(err, errlen, -1, "--console-socket %s: path too long", path);
    memcpy(a.sun_path, path, strlen(path) + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        return errmsg(err, errlen, -1, "--console-socket %s: %s", path, strerror(e));
    }
    return fd;
}

static int send_fd(int sock, int fd, const char *name)
{
    char ctl[CMSG_SPACE(sizeof(int))] = {0};
    struct iovec iov = {.iov_base = (void *)name, .iov_len = strlen(name)};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
                       .msg_controllen = sizeof ctl};
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &fd, sizeof fd);
    ssize_t n;
    do
        n = sendmsg(sock, &m, MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    return n < 0 ? -1 : 0;
}

int oci_console_send(const char *socket_path, char *err, size_t errlen)
{
    char name[128];
    int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0 ||
        ptsname_r(master, name, sizeof name) != 0) {
        int e = errno;
        if (master >= 0)
            close(master);
        return errmsg(err, errlen, -1, "cannot make a pseudo-terminal: %s", strerror(e));
    }
    int slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
    int sock = slave < 0 ? -1 : connect_socket(socket_path, err, errlen);
    int rc = sock < 0 ? -1 : send_fd(sock, master, name);
    int e = errno;
    if (slave < 0)
        errmsg(err, errlen, -1, "cannot open %s: %s", name, strerror(e));
    else if (sock >= 0 && rc < 0)
        errmsg(err, errlen, -1, "--console-socket %s: cannot send the terminal: %s", socket_path,
               strerror(e));
    if (sock >= 0)
        close(sock);
    close(master);
    if (rc < 0 && slave >= 0) {
        close(slave);
        slave = -1;
    }
    return slave;
}

int oci_console_adopt(int slave, char *err, size_t errlen)
{
    if (ioctl(slave, TIOCSCTTY, 0) < 0)
        return errmsg(err, errlen, -1, "cannot make the terminal controlling: %s", strerror(errno));
    for (int fd = 0; fd <= 2; fd++)
        if (dup2(slave, fd) < 0)
            return errmsg(err, errlen, -1, "cannot attach the terminal: %s", strerror(errno));
    if (slave > 2)
        close(slave);
    return 0;
}
