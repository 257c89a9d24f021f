/*
 * Who may use a control socket: root, the user the server runs as, and any
 * process in the socket file's group (primary or supplementary).  Filesystem
 * permissions (0660) already say the same; checking SO_PEERCRED as well keeps
 * the rule even if the file's mode is loosened by mistake.
 */
#ifndef MICA_CTL_PEER_ACCESS_H
#define MICA_CTL_PEER_ACCESS_H

#include <stdbool.h>
#include <sys/types.h>

struct peer {
    pid_t pid;
    uid_t uid;
    gid_t gid;
};

/* Fills *who from the connected Unix socket fd; 0 or -errno. */
int peer_identify(int fd, struct peer *who);

/* True when `who` may use a socket whose file belongs to group socket_gid. */
bool peer_allowed(const struct peer *who, gid_t socket_gid);

#endif
