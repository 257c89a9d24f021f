#include "cli/run_shared_options.h"

#include <stdio.h>
#include <string.h>
#include <sys/un.h>

#include "mica/abi.h"
#include "util/errmsg.h"
#include "util/parse.h"

int run_option_control(const char *path, char *err, size_t errlen)
{
    size_t max = sizeof ((struct sockaddr_un *)0)->sun_path - 1;
    if (path[0] == '\0' || strlen(path) > max)
        return errmsg(err, errlen, -1, "--control '%s': give a socket path of 1 to %zu bytes",
                      path, max);
    return 0;
}

int run_option_timeout(const char *arg, uint64_t *ns, char *err, size_t errlen)
{
    if (parse_seconds(arg, ns) < 0)
        return errmsg(err, errlen, -1, "--timeout '%s': give seconds, more than 0 and at most 86400",
                      arg);
    return 0;
}

int run_option_name(const char *what, const char *name, char *err, size_t errlen)
{
    size_t n = strlen(name);
    if (n == 0 || n >= MICA_NAME_MAX)
        return errmsg(err, errlen, -1, "%s: must be 1 to %d characters", what, MICA_NAME_MAX - 1);
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.'))
            return errmsg(err, errlen, -1, "%s '%s': only letters, digits, '-', '_' and '.'", what,
                          name);
    }
    return 0;
}

int run_option_mem(const char *what, const char *arg, uint64_t *mib, char *err, size_t errlen)
{
    if (parse_u64(arg, MICA_MEM_MIN_MIB, MICA_MEM_MAX_MIB, mib) < 0)
        return errmsg(err, errlen, -1, "%s '%s': give MiB between %u and %u", what, arg,
                      MICA_MEM_MIN_MIB, MICA_MEM_MAX_MIB);
    return 0;
}

int run_option_disk(const char *arg, struct disk_spec *disk, unsigned *n, unsigned max,
                    char (*paths)[RUN_DISK_SPEC_MAX], char *err, size_t errlen)
{
    if (*n == max)
        return errmsg(err, errlen, -1, "--disk: at most %u disks", max);
    char *spec = paths[*n];
    if (snprintf(spec, RUN_DISK_SPEC_MAX, "%s", arg) >= RUN_DISK_SPEC_MAX || !*spec)
        return errmsg(err, errlen, -1, "--disk '%s': give FILE or FILE,ro", arg);
    struct disk_spec *d = &disk[(*n)++];
    *d = (struct disk_spec){0};
    char *comma = strrchr(spec, ',');
    if (comma && !strcmp(comma, ",ro")) {
        *comma = 0;
        d->read_only = true;
    } else if (comma && !strcmp(comma, ",rw")) {
        *comma = 0;
    }
    d->path = spec;
    return *spec ? 0 : errmsg(err, errlen, -1, "--disk '%s': give FILE or FILE,ro", arg);
}
