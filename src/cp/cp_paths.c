#include "cp/cp_paths.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void cp_default_socket(char *out, size_t size)
{
    const char *env = getenv("MICA_SOCKET"), *run = getenv("XDG_RUNTIME_DIR");
    if (env && *env)
        snprintf(out, size, "%s", env);
    else if (geteuid() == 0)
        snprintf(out, size, "/run/mica/mica.sock");
    else if (run && *run)
        snprintf(out, size, "%s/mica/mica.sock", run);
    else
        snprintf(out, size, "/tmp/mica-%u/mica.sock", (unsigned)geteuid());
}

void cp_default_state_dir(char *out, size_t size)
{
    const char *env = getenv("MICA_STATE_DIR"), *xdg = getenv("XDG_STATE_HOME");
    const char *home = getenv("HOME");
    if (env && *env)
        snprintf(out, size, "%s", env);
    else if (geteuid() == 0)
        snprintf(out, size, "/var/lib/mica");
    else if (xdg && *xdg)
        snprintf(out, size, "%s/mica", xdg);
    else
        snprintf(out, size, "%s/.local/state/mica", home ? home : "/tmp");
}

int cp_mkdir_p(const char *path, unsigned mode)
{
    char buf[PATH_MAX];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf)
        return -ENAMETOOLONG;
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, mode) < 0 && errno != EEXIST)
            return -errno;
        *p = '/';
    }
    if (mkdir(buf, mode) < 0 && errno != EEXIST)
        return -errno;
    return 0;
}
