/* mica daemon [--socket PATH] [--state-dir DIR] [--vmm EXE] [--log-max-mib N] [--jail]
 *             [--jail-user U] [--overcommit RATIO] [--host-mem-mib N] [--ksm] */
#include "cli/cp_commands.h"

#include "cp/cp_paths.h"
#include "cp/daemon.h"
#include "cp/mem_policy.h"
#include "util/parse.h"
#include "run/confine.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* By default each VM runs in `mica run` from this very binary, or from the
 * lean `mica` installed beside it when this is mica-cp: that one loads no
 * HTTP, TLS or SQLite library at each VM start, and maps less memory. */
static void default_vmm(char *out, size_t size)
{
    ssize_t n = readlink("/proc/self/exe", out, size - 1);
    out[n > 0 ? n : 0] = '\0';
    char *slash = strrchr(out, '/');
    if (!slash || strcmp(slash + 1, "mica-cp") != 0)
        return;
    slash[5] = '\0'; /* ".../mica-cp" -> ".../mica" */
    if (access(out, X_OK) != 0)
        strcpy(slash + 5, "-cp");
}

/* Each VM's log is capped at N MiB, plus one rotated file of as much. */
static int parse_log_max(const char *arg, uint64_t *bytes)
{
    uint64_t mib;
    if (parse_u64(arg, 1, 1024 * 1024, &mib) < 0)
        return cp_usage("daemon", "--log-max-mib must be a whole number from 1 to 1048576");
    *bytes = mib << 20;
    return 0;
}

int cmd_daemon(int argc, char **argv)
{
    uint64_t log_max = 0;
    char socket_path[PATH_MAX], state_dir[PATH_MAX], vmm[PATH_MAX];
    cp_default_socket(socket_path, sizeof socket_path);
    cp_default_state_dir(state_dir, sizeof state_dir);
    const char *env_vmm = getenv("MICA_VMM");
    if (env_vmm && *env_vmm)
        snprintf(vmm, sizeof vmm, "%s", env_vmm);
    else
        default_vmm(vmm, sizeof vmm);
    char jail[PATH_MAX] = "";
    double overcommit = 0;
    uint64_t host_mem_mib = 0;
    int ksm = 0;
    for (int i = 1; i < argc; i++) {
        char *target = NULL;
        if (strcmp(argv[i], "--log-max-mib") == 0 && i + 1 < argc) {
            int rc = parse_log_max(argv[++i], &log_max);
            if (rc)
                return rc;
            continue;
        }
        if (strcmp(argv[i], "--overcommit") == 0 && i + 1 < argc) {
            if (mem_policy_parse_ratio(argv[++i], &overcommit) < 0)
                return cp_usage("daemon", "--overcommit must be a ratio from 0.1 to 100 (e.g. 1.5)");
            continue;
        }
        if (strcmp(argv[i], "--host-mem-mib") == 0 && i + 1 < argc) {
            if (parse_u64(argv[++i], 1, 1ull << 40, &host_mem_mib) < 0)
                return cp_usage("daemon", "--host-mem-mib must be a whole number of MiB, 1 or more");
            continue;
        }
        if (strcmp(argv[i], "--ksm") == 0) {
            ksm = 1;
            continue;
        }
        if (strcmp(argv[i], "--jail") == 0) {
            if (!*jail)
                strcpy(jail, "1");
            continue;
        }
        if (strcmp(argv[i], "--socket") == 0)
            target = socket_path;
        else if (strcmp(argv[i], "--state-dir") == 0)
            target = state_dir;
        else if (strcmp(argv[i], "--vmm") == 0)
            target = vmm;
        else if (strcmp(argv[i], "--jail-user") == 0)
            target = jail;
        if (!target && strcmp(argv[i], "--log-max-mib") != 0 && strcmp(argv[i], "--overcommit") != 0 &&
            strcmp(argv[i], "--host-mem-mib") != 0)
            return cp_bad_option("daemon", argv[i]);
        if (i + 1 >= argc) {
            char why[64];
            snprintf(why, sizeof why, "option '%s' needs a value", argv[i]);
            return cp_usage("daemon", why);
        }
        if (strlen(argv[i + 1]) >= PATH_MAX)
            return cp_usage("daemon", "a path is too long");
        snprintf(target, PATH_MAX, "%s", argv[++i]);
    }
    /* Every VM process it spawns inherits this: `mica run --jail` for all. */
    if (*jail)
        setenv(CONFINE_ENV_JAIL, jail, 1);
    /* And this: `mica run --ksm` for all. */
    if (ksm)
        setenv(MICA_ENV_KSM, "1", 1);
    struct daemon_options opt = {socket_path, state_dir, vmm, log_max, overcommit, host_mem_mib, ksm};
    char err[PATH_MAX + 128];
    if (daemon_check_options(&opt, err, sizeof err) < 0)
        return cp_usage("daemon", err);
    return daemon_run(&opt);
}
