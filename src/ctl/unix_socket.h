/* Unix sockets for the control program's API and VM control channels. */
#ifndef MICA_CTL_UNIX_SOCKET_H
#define MICA_CTL_UNIX_SOCKET_H

#include <stddef.h>
#include <sys/types.h>

/* Listens on `path` with mode 0660, non-blocking and close-on-exec.  A stale
 * socket file (nobody listening) is replaced; a live one is an error.
 * Returns the fd, or -1 with a message in err. */
int unix_listen(const char *path, char *err, size_t errlen);

/* Connects to `path` (blocking, close-on-exec); fd or -errno. */
int unix_connect(const char *path);

/* The same, on a non-blocking socket: a server whose backlog is full (it
 * does not accept) fails at once with -EAGAIN instead of blocking. */
int unix_connect_nonblocking(const char *path);

/* The same for SOCK_SEQPACKET sockets (one message per read and write: the
 * links between VIFs and a switch process, vfr/switchd.h). */
int unix_listen_seqpacket(const char *path, char *err, size_t errlen);
int unix_connect_seqpacket(const char *path); /* blocking; fd or -errno */
/* sendmsg of buf with fd (when >= 0) passed along as SCM_RIGHTS, without
 * SIGPIPE; async-signal-safe. Returns what sendmsg returns. */
ssize_t unix_send_with_fd(int sock, const void *buf, size_t len, int fd);

#endif
