#include "cli/bundled_guest.h"

#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/log.h"

static int try_path(const char *dir, const char *rel, const char *file, char *out, size_t outlen)
{
    int n = snprintf(out, outlen, "%s/%s%s", dir, rel, file);
    return n > 0 && (size_t)n < outlen && access(out, R_OK) == 0 ? 0 : -1;
}

int bundled_guest_path(const char *file, char *out, size_t outlen, char *err, size_t errlen)
{
    const char *env = getenv("MICA_GUEST_DIR");
    if (env && *env && try_path(env, "", file, out, outlen) == 0)
        return 0;
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = 0;
        const char *dir = dirname(exe);
        static const char *const rels[] = {"guests/", "../guests/", "../share/mica/guests/"};
        for (size_t i = 0; i < sizeof rels / sizeof rels[0]; i++)
            if (try_path(dir, rels[i], file, out, outlen) == 0)
                return 0;
    }
    return errmsg(err, errlen, -1, "bundled guest %s not found (set MICA_GUEST_DIR or run 'make')",
                   file);
}
