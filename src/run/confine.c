#include "run/confine.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "run/jail.h"
#include "run/seccomp_filter.h"
#include "util/log.h"

static struct jail jail;
static bool jailed;

bool confine_apply_option(struct confine_options *o, int opt, const char *arg)
{
    if (opt == CONFINE_OPT_JAIL_USER)
        o->jail_user = arg;
    else if (opt != CONFINE_OPT_JAIL)
        return false;
    o->jail = true;
    return true;
}

/* The options, or the daemon's jail from the environment. */
static struct confine_options effective(const struct confine_options *o)
{
    struct confine_options e = *o;
    const char *env = getenv(CONFINE_ENV_JAIL);
    if (!e.jail && env && *env) {
        e.jail = true;
        e.jail_user = strcmp(env, "1") ? env : NULL;
    }
    return e;
}

int confine_prepare_child(const struct confine_options *opt, char *err, size_t errlen)
{
    struct confine_options e = effective(opt), *o = &e;
    if (o->jail && jail_new_pid_namespace() < 0)
        return errmsg(err, errlen, -1, "--jail: cannot create a PID namespace: %s",
                      strerror(errno));
    return 0;
}

int confine_begin(const struct confine_options *opt, char *err, size_t errlen)
{
    struct confine_options e = effective(opt), *o = &e;
    if (!o->jail)
        return 0;
    jail = (struct jail){.user = o->jail_user};
    if (jail_enter(&jail, err, errlen) < 0)
        return -1;
    jailed = true;
    return 0;
}

int confine_seal(char *err, size_t errlen)
{
    if (!jailed)
        return 0;
    if (jail_seal(&jail, err, errlen) < 0)
        return -1;
    return seccomp_filter_install(err, errlen);
}
