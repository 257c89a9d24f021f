#include "ctl/peer_access.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int peer_identify(int fd, struct peer *who)
{
    struct ucred cred;
    socklen_t len = sizeof cred;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
        return -errno;
    who->pid = cred.pid;
    who->uid = cred.uid;
    who->gid = cred.gid;
    return 0;
}

/* The peer's supplementary groups, read from /proc so that they are the
 * process's real ones rather than what the group database says today. */
static bool peer_in_supplementary_group(pid_t pid, gid_t gid)
{
    char path[64], line[4096];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "re");
    if (!f)
        return false;
    bool found = false;
    while (!found && fgets(line, sizeof line, f)) {
        if (strncmp(line, "Groups:", 7) != 0)
            continue;
        char *p = line + 7, *end;
        for (;;) {
            unsigned long g = strtoul(p, &end, 10);
            if (end == p)
                break;
            if ((gid_t)g == gid)
                found = true;
            p = end;
        }
        break;
    }
    fclose(f);
    return found;
}

bool peer_allowed(const struct peer *who, gid_t socket_gid)
{
    if (who->uid == 0 || who->uid == geteuid() || who->gid == socket_gid)
        return true;
    return peer_in_supplementary_group(who->pid, socket_gid);
}
