/* Who a jailed VM process becomes. */
#include "run/jail.h"

#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"

static bool parse_id(const char *s, unsigned long *out)
{
    char *end;
    if (!*s || *s < '0' || *s > '9')
        return false;
    *out = strtoul(s, &end, 10);
    return *end == '\0' && *out < (unsigned long)(uid_t)-1;
}

static int resolve_group(const char *name, gid_t *gid, char *err, size_t errlen)
{
    unsigned long id;
    if (parse_id(name, &id)) {
        *gid = (gid_t)id;
        return 0;
    }
    struct group *g = getgrnam(name);
    if (!g)
        return errmsg(err, errlen, -1, "--jail-user: no group '%s' on this host", name);
    *gid = g->gr_gid;
    return 0;
}

/* A numeric uid needs no passwd entry (a uid per VM, as Firecracker's
 * jailer takes them); its group is then the same number unless given. */
static int resolve_named(const char *user, const char *group, uid_t *uid, gid_t *gid, char *err,
                         size_t errlen)
{
    unsigned long id;
    if (parse_id(user, &id)) {
        *uid = (uid_t)id;
        *gid = (gid_t)id;
    } else {
        struct passwd *pw = getpwnam(user);
        if (!pw)
            return errmsg(err, errlen, -1, "--jail-user: no user '%s' on this host", user);
        *uid = pw->pw_uid;
        *gid = pw->pw_gid;
    }
    return group ? resolve_group(group, gid, err, errlen) : 0;
}

static void resolve_default(uid_t *uid, gid_t *gid)
{
    struct passwd *pw = getpwnam(JAIL_DEFAULT_USER);
    if (pw) {
        *uid = pw->pw_uid;
        *gid = pw->pw_gid;
        return;
    }
    pw = getpwnam("nobody");
    struct group *g = getgrnam("nogroup");
    *uid = pw ? pw->pw_uid : 65534;
    *gid = g ? g->gr_gid : pw ? pw->pw_gid : 65534;
}

int jail_resolve_user(const char *spec, uid_t *uid, gid_t *gid, char *err, size_t errlen)
{
    if (!spec) {
        resolve_default(uid, gid);
    } else {
        char user[256];
        if (snprintf(user, sizeof user, "%s", spec) >= (int)sizeof user || !*user)
            return errmsg(err, errlen, -1, "--jail-user '%s': give USER[:GROUP]", spec);
        char *colon = strchr(user, ':');
        if (colon)
            *colon = '\0';
        if (resolve_named(user, colon ? colon + 1 : NULL, uid, gid, err, errlen) < 0)
            return -1;
    }
    if (*uid == 0 || *gid == 0)
        return errmsg(err, errlen, -1, "--jail-user: a jailed VM must not run as root (uid/gid 0)");
    return 0;
}
