/* The commands that end a container: kill and delete. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cp/proc_info.h"
#include "oci/oci_runtime.h"
#include "oci/oci_state.h"
#include "util/parse.h"

#define GONE_WAIT_MS 5000 /* for delete --force: a VM's teardown takes 10-20 ms here */

/* A number, or a name with or without "SIG" (runc takes both). */
static int parse_signal(const char *s)
{
    uint64_t n;
    if (parse_u64(s, 1, 64, &n) == 0)
        return (int)n;
    if (!strncasecmp(s, "SIG", 3))
        s += 3;
    for (int sig = 1; sig < 32; sig++) {
        const char *abbrev = sigabbrev_np(sig);
        if (abbrev && !strcasecmp(s, abbrev))
            return sig;
    }
    return -1;
}

static int apply_flag(int c, void *ctx, char *err, size_t errlen)
{
    (void)err, (void)errlen;
    *(int *)ctx = c == 'a' || c == 'f';
    return 0;
}

/* With --all as without: the VM process is the container's one process. */
int oci_kill(const struct oci_runtime *rt, int argc, char **argv)
{
    static const struct option opts[] = {{"all", no_argument, NULL, 'a'}, {NULL, 0, NULL, 0}};
    int all = 0;
    char err[512];
    struct oci_state st;
    int i = oci_parse_args(argc, argv, opts, apply_flag, &all, 2, err, sizeof err);
    if (i < 0)
        return oci_fail(rt, "%s", err);
    int sig = i + 1 < argc ? parse_signal(argv[i + 1]) : SIGTERM;
    if (sig < 0)
        return oci_fail(rt, "kill: unknown signal '%s'", argv[i + 1]);
    if (oci_state_load(rt->root, argv[i], &st, err, sizeof err) < 0)
        return oci_fail(rt, "kill: %s", err);
    int rc = 0;
    if (oci_state_status(&st) == OCI_STOPPED) /* the shim looks for these words */
        rc = oci_fail(rt, "kill: container %s: container not running", st.id);
    else if (kill(st.pid, sig) < 0)
        rc = oci_fail(rt, "kill: container %s (pid %d): %s", st.id, (int)st.pid, strerror(errno));
    oci_state_free(&st);
    return rc;
}

static void wait_gone(const struct oci_state *st)
{
    for (int ms = 0; ms < GONE_WAIT_MS && oci_state_status(st) != OCI_STOPPED; ms += 5)
        nanosleep(&(struct timespec){0, 5000000}, NULL);
}

/* A stopped or created container goes at once (runc kills a created one);
 * a running or paused one only with --force, which kills its VM. */
int oci_delete(const struct oci_runtime *rt, int argc, char **argv)
{
    static const struct option opts[] = {{"force", no_argument, NULL, 'f'}, {NULL, 0, NULL, 0}};
    int force = 0;
    char err[1024];
    struct oci_state st;
    int i = oci_parse_args(argc, argv, opts, apply_flag, &force, 1, err, sizeof err);
    if (i < 0)
        return oci_fail(rt, "%s", err);
    int rc = oci_state_load(rt->root, argv[i], &st, err, sizeof err);
    if (rc == -ENOENT && force)
        return 0;
    if (rc < 0)
        return oci_fail(rt, "delete: %s", err);
    enum oci_status s = oci_state_status(&st);
    if ((s == OCI_RUNNING || s == OCI_PAUSED) && !force) {
        oci_state_free(&st);
        return oci_fail(rt, "delete: container %s is %s: stop it first or use --force", st.id,
                        oci_status_name(s));
    }
    if (s != OCI_STOPPED) {
        kill(st.pid, SIGKILL);
        wait_gone(&st);
    }
    rc = oci_state_remove(rt->root, st.id, err, sizeof err);
    oci_state_free(&st);
    return rc < 0 ? oci_fail(rt, "delete: %s", err) : 0;
}
