/* mica create / start / pause / resume / shutdown / destroy / delete */
#include "cli/cp_client.h"
#include "cli/cp_commands.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int usage(const char *text)
{
    fprintf(stderr, "usage: mica %s\n", text);
    return 2;
}

static int post_action(const char *name, const char *action, json_t **out)
{
    char suffix[32], what[128];
    snprintf(suffix, sizeof suffix, "/%s", action);
    snprintf(what, sizeof what, "%s %s", action, name);
    char *path = cp_vm_path(name, suffix);
    if (!path)
        return 1;
    int rc = cp_call(what, "POST", path, NULL, out);
    free(path);
    return rc;
}

static int simple_action(int argc, char **argv, const char *past)
{
    cp_client_take_socket_option(&argc, argv);
    if (argc != 2) {
        char text[64];
        snprintf(text, sizeof text, "%s NAME", argv[0]);
        return usage(text);
    }
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

int cmd_create(int argc, char **argv)
{
    cp_client_take_socket_option(&argc, argv);
    const char *use = "create NAME GUEST [--mem MIB] [--start] [-- ARGS]";
    const char *name = NULL, *guest = NULL;
    long mem = 0;
    int start = 0, i;
    for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
        if (strcmp(argv[i], "--mem") == 0 && i + 1 < argc)
            mem = strtol(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--start") == 0)
            start = 1;
        else if (argv[i][0] == '-')
            return usage(use);
        else if (!name)
            name = argv[i];
        else if (!guest)
            guest = argv[i];
        else
            return usage(use);
    }
    if (!name || !guest)
        return usage(use);
    /* The daemon runs elsewhere: send the guest's absolute path. */
    char abs[PATH_MAX];
    if (!realpath(guest, abs)) {
        fprintf(stderr, "mica: create %s: guest '%s' not found\n", name, guest);
        return 1;
    }
    json_t *spec = json_pack("{s:s,s:s,s:o}", "name", name, "guest", abs, "args",
                             guest_args(argc, argv, i + 1));
    if (mem)
        json_object_set_new(spec, "mem_mib", json_integer(mem));
    json_t *vm;
    char what[128];
    snprintf(what, sizeof what, "create %s", name);
    int rc = cp_call(what, "POST", "/v1/vms", spec, &vm);
    json_decref(spec);
    if (rc)
        return rc;
    printf("created %s (id %lld)\n", name,
           (long long)json_integer_value(json_object_get(vm, "id")));
    json_decref(vm);
    if (start && (rc = post_action(name, "start", NULL)) == 0)
        printf("%s started\n", name);
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
    return 1;
}

int cmd_shutdown(int argc, char **argv)
{
    cp_client_take_socket_option(&argc, argv);
    int wait = argc == 3 && strcmp(argv[2], "--wait") == 0;
    if (argc != 2 && !wait)
        return usage("shutdown NAME [--wait]");
    int rc = post_action(argv[1], "shutdown", NULL);
    if (rc)
        return rc;
    printf("%s shutting down\n", argv[1]);
    return wait ? wait_stopped(argv[1]) : 0;
}

int cmd_delete(int argc, char **argv)
{
    cp_client_take_socket_option(&argc, argv);
    if (argc != 2)
        return usage("delete NAME");
    char *path = cp_vm_path(argv[1], "");
    if (!path)
        return 1;
    char what[128];
    snprintf(what, sizeof what, "delete %s", argv[1]);
    int rc = cp_call(what, "DELETE", path, NULL, NULL);
    free(path);
    if (rc == 0)
        printf("%s deleted\n", argv[1]);
    return rc;
}
