/* mica create / start / pause / resume / shutdown / destroy / delete */
#include "cli/cli_usage.h"
#include "cli/cp_client.h"
#include "cli/cp_commands.h"
#include "run/exit_status.h"
#include "util/errmsg.h"

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int post_action(const char *name, const char *action, json_t **out)
{
    char suffix[32];
    snprintf(suffix, sizeof suffix, "/%s", action);
    return cp_call_vm(action, "POST", name, suffix, out);
}

static int simple_action(int argc, char **argv, const char *past)
{
    cp_client_take_socket_option(&argc, argv);
    if (argc >= 2 && strncmp(argv[1], "--", 2) == 0)
        return cp_bad_option(argv[0], argv[1]);
    if (argc != 2)
        return cp_usage(argv[0], argc < 2 ? "which VM?" : "one VM NAME only");
    int rc = post_action(argv[1], argv[0], NULL);
    if (rc == 0)
        printf("%s %s\n", argv[1], past);
    return rc;
}

static json_t *guest_args(int argc, char **argv, int from)
{
    json_t *args = json_array();
    for (int i = from; i < argc; i++)
        json_array_append_new(args, json_string(argv[i]));
    return args;
}

/* The daemon runs elsewhere: files are sent as absolute paths.  NULL (and
 * a message) when the file is not there. */
static json_t *abs_path(const char *name, const char *what, const char *path)
{
    char abs[PATH_MAX];
    if (!realpath(path, abs)) {
        fprintf(stderr, "mica: create %s: %s '%s' not found\n", name, what, path);
        return NULL;
    }
    return json_string(abs);
}

/* FILE or FILE,ro -> {"path": ABS, "readonly": BOOL} */
static json_t *disk_spec(const char *name, const char *arg)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s", arg);
    size_t len = strlen(path);
    bool ro = len > 3 && strcmp(path + len - 3, ",ro") == 0;
    if (ro)
        path[len - 3] = '\0';
    json_t *abs = abs_path(name, "disk", path);
    return abs ? json_pack("{s:o,s:b}", "path", abs, "readonly", ro) : NULL;
}

/* Options of `mica run` that create does not take (yet): named as such. */
static bool run_only_option(const char *opt)
{
    static const char *const run_only[] = {"--console", "--cpu-template", "--reboot",
                                           "--timeout", "--control", "--stats", "--name"};
    for (size_t k = 0; k < sizeof run_only / sizeof run_only[0]; k++)
        if (strcmp(opt, run_only[k]) == 0)
            return true;
    return false;
}

/* The usage error for option opt, in why. */
static int bad_option(const char *opt, const char *value, char *why, size_t whylen)
{
    if (run_only_option(opt))
        return errmsg(why, whylen, 2, "option '%s' is one of mica run's; create does not take it",
                      opt);
    if (!value && (strcmp(opt, "--kernel") == 0 || strcmp(opt, "--initrd") == 0 ||
                   strcmp(opt, "--cmdline") == 0 || strcmp(opt, "--mem") == 0 ||
                   strcmp(opt, "--cpus") == 0 || strcmp(opt, "--disk") == 0))
        return errmsg(why, whylen, 2, "option '%s' needs a value", opt);
    return errmsg(why, whylen, 2, "unknown option '%s' (see 'mica create --help')", opt);
}

/* Sets spec[key] to the value of an option; 0, 1 when a file is missing,
 * 2 (why says it) when the option is unknown or lacks its value. */
static int take_option(json_t *spec, const char *name, const char *opt, const char *value,
                       char *why, size_t whylen)
{
    static const char *const files[] = {"kernel", "initrd"};
    if (!value)
        return bad_option(opt, value, why, whylen);
    for (size_t k = 0; k < sizeof files / sizeof files[0]; k++) {
        if (strcmp(opt + 2, files[k]) == 0) {
            json_t *abs = abs_path(name, files[k], value);
            return abs ? (json_object_set_new(spec, files[k], abs), 0) : 1;
        }
    }
    if (strcmp(opt, "--cmdline") == 0)
        return json_object_set_new(spec, "cmdline", json_string(value)), 0;
    if (strcmp(opt, "--mem") == 0 || strcmp(opt, "--cpus") == 0)
        return json_object_set_new(spec, opt[2] == 'm' ? "mem_mib" : "vcpus",
                                   json_integer(strtol(value, NULL, 10))), 0;
    if (strcmp(opt, "--disk") == 0) {
        json_t *disk = disk_spec(name, value);
        if (!disk)
            return 1;
        if (!json_object_get(spec, "disks"))
            json_object_set_new(spec, "disks", json_array());
        return json_array_append_new(json_object_get(spec, "disks"), disk), 0;
    }
    return bad_option(opt, value, why, whylen);
}

/* Fills spec from argv; *start for --start.  0, 1 (message printed) or 2
 * (a usage error; why says which). */
static int parse_create(int argc, char **argv, json_t *spec, int *start, char *why,
                        size_t whylen)
{
    const char *name = NULL, *guest = NULL;
    int i, rc = 0;
    for (i = 1; i < argc && rc == 0 && strcmp(argv[i], "--") != 0; i++) {
        if (strcmp(argv[i], "--start") == 0)
            *start = 1;
        else if (strcmp(argv[i], "--autostart") == 0)
            json_object_set_new(spec, "autostart", json_true());
        else if (strcmp(argv[i], "--rng") == 0)
            json_object_set_new(spec, "rng", json_true());
        else if (argv[i][0] == '-' && argv[i][1] == '-') {
            const char *value = i + 1 < argc ? argv[i + 1] : NULL;
            rc = take_option(spec, name ? name : "", argv[i], value, why, whylen);
            i++;
        }
        else if (argv[i][0] == '-')
            rc = bad_option(argv[i], argv[i], why, whylen);
        else if (!name)
            json_object_set_new(spec, "name", json_string(name = argv[i]));
        else if (!guest)
            guest = argv[i];
        else
            rc = errmsg(why, whylen, 2, "unexpected argument '%s'", argv[i]);
    }
    bool linux = json_object_get(spec, "kernel") != NULL;
    if (rc)
        return rc;
    if (!name || (!guest && !linux))
        return errmsg(why, whylen, 2, "a NAME and a GUEST (or --kernel FILE) are needed");
    if (guest && linux)
        return errmsg(why, whylen, 2, "a GUEST and --kernel exclude each other");
    if (linux && i < argc)
        return errmsg(why, whylen, 2, "arguments after '--' are for a GUEST, not --kernel");
    if (linux)
        return 0;
    json_t *abs = abs_path(name, "guest", guest);
    if (!abs)
        return 1;
    json_object_set_new(spec, "guest", abs);
    json_object_set_new(spec, "args", guest_args(argc, argv, i + 1));
    return 0;
}

int cmd_create(int argc, char **argv)
{
    cp_client_take_socket_option(&argc, argv);
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
        if (strcmp(argv[i], "-f") == 0 || strcmp(argv[i], "--file") == 0)
            return cmd_create_from_file(argc, argv);
    json_t *spec = json_object();
    int start = 0;
    char why[256] = "";
    int rc = parse_create(argc, argv, spec, &start, why, sizeof why);
    if (rc) {
        json_decref(spec);
        return rc == 2 ? cp_usage("create", why) : rc;
    }
    const char *name = json_string_value(json_object_get(spec, "name"));
    json_t *vm;
    char what[128];
    snprintf(what, sizeof what, "create %s", name);
    rc = cp_call(what, "POST", "/v1/vms", spec, &vm);
    if (rc == 0) {
        printf("created %s (id %lld)\n", name,
               (long long)json_integer_value(json_object_get(vm, "id")));
        json_decref(vm);
    }
    if (rc == 0 && start && (rc = post_action(name, "start", NULL)) == 0)
        printf("%s started\n", name);
    json_decref(spec);
    return rc;
}

int cmd_start(int argc, char **argv)
{
    return simple_action(argc, argv, "started");
}

int cmd_pause(int argc, char **argv)
{
    return simple_action(argc, argv, "paused");
}

int cmd_resume(int argc, char **argv)
{
    return simple_action(argc, argv, "resumed");
}

int cmd_destroy(int argc, char **argv)
{
    return simple_action(argc, argv, "destroyed");
}

/* Polls until the VM has left the "stopping" state. */
static int wait_stopped(const char *name)
{
    char *path = cp_vm_path(name, "");
    for (int i = 0; path && i < 3000; i++) {
        json_t *vm;
        if (cp_call(name, "GET", path, NULL, &vm))
            break;
        const char *state = json_string_value(json_object_get(vm, "state"));
        int done = state && strcmp(state, "stopping") != 0;
        if (done)
            printf("%s is %s\n", name, state);
        json_decref(vm);
        if (done) {
            free(path);
            return 0;
        }
        nanosleep(&(struct timespec){0, 10000000}, NULL);
    }
    free(path);
    fprintf(stderr, "mica: shutdown %s: the VM did not stop in time\n", name);
    return MICA_STATUS_TIMEOUT;
}

int cmd_shutdown(int argc, char **argv)
{
    cp_client_take_socket_option(&argc, argv);
    int wait = argc == 3 && strcmp(argv[2], "--wait") == 0;
    for (int i = 1; i < argc; i++)
        if (strncmp(argv[i], "--", 2) == 0 && strcmp(argv[i], "--wait") != 0)
            return cp_bad_option("shutdown", argv[i]);
    if (argc != 2 && !wait)
        return cp_usage("shutdown", NULL);
    int rc = post_action(argv[1], "shutdown", NULL);
    if (rc)
        return rc;
    printf("%s shutting down\n", argv[1]);
    return wait ? wait_stopped(argv[1]) : 0;
}

/* reboot NAME: the guest is asked to shut down and started again when it
 * has; --force: destroyed and started again at once (POST .../reset). */
int cmd_reboot(int argc, char **argv)
{
    cp_client_take_socket_option(&argc, argv);
    bool force = false;
    const char *name = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--force") == 0)
            force = true;
        else if (argv[i][0] == '-')
            return cp_bad_option("reboot", argv[i]);
        else if (name)
            return cp_usage("reboot", "one VM NAME only");
        else
            name = argv[i];
    }
    if (!name)
        return cp_usage("reboot", "which VM?");
    int rc = post_action(name, force ? "reset" : "reboot", NULL);
    if (rc == 0)
        printf(force ? "%s reset\n" : "%s rebooting\n", name);
    return rc;
}

int cmd_delete(int argc, char **argv)
{
    cp_client_take_socket_option(&argc, argv);
    if (argc >= 2 && strncmp(argv[1], "--", 2) == 0)
        return cp_bad_option("delete", argv[1]);
    if (argc != 2)
        return cp_usage("delete", NULL);
    int rc = cp_call_vm("delete", "DELETE", argv[1], "", NULL);
    if (rc == 0)
        printf("%s deleted\n", argv[1]);
    return rc;
}
