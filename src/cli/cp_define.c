/* mica create -f FILE and mica export NAME: VM definitions as files
 * (cli/vm_file.h), in the API's own schema. */
#include "cli/cp_client.h"
#include "cli/cp_commands.h"
#include "cli/vm_file.h"
#include "run/exit_status.h"

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* create -f FILE [NAME] [--start]: NAME, when given, replaces the file's. */
int cmd_create_from_file(int argc, char **argv)
{
    const char *file = NULL, *name = NULL;
    bool start = false;
    for (int i = 1; i < argc; i++) {
        if ((strcmp(argv[i], "-f") == 0 || strcmp(argv[i], "--file") == 0) && i + 1 < argc)
            file = argv[++i];
        else if (strcmp(argv[i], "--start") == 0)
            start = true;
        else if (argv[i][0] == '-' && argv[i][1])
            return cp_usage("create", strcmp(argv[i], "-f") == 0 || strcmp(argv[i], "--file") == 0
                                          ? "option '-f' needs a FILE"
                                          : "with -f FILE, only a NAME and --start may follow");
        else if (!name)
            name = argv[i];
        else
            return cp_usage("create", "with -f FILE, one NAME at most");
    }
    char why[PATH_MAX + 512];
    json_t *spec = vm_file_load(file, why, sizeof why);
    if (!spec) {
        fprintf(stderr, "mica: create -f %s\n", why);
        return MICA_STATUS_ERROR;
    }
    if (name)
        json_object_set_new(spec, "name", json_string(name));
    const char *vm_name = json_string_value(json_object_get(spec, "name"));
    char what[PATH_MAX + 32];
    snprintf(what, sizeof what, "create -f %s", file);
    json_t *vm;
    int rc = cp_call(what, "POST", "/v1/vms", spec, &vm);
    if (rc == 0) {
        printf("created %s (id %lld)\n", vm_name,
               (long long)json_integer_value(json_object_get(vm, "id")));
        json_decref(vm);
    }
    if (rc == 0 && start && (rc = cp_call_vm("start", "POST", vm_name, "/start", NULL)) == 0)
        printf("%s started\n", vm_name);
    json_decref(spec);
    return rc;
}

/* export NAME [--format json|kv] */
int cmd_export(int argc, char **argv)
{
    cp_client_take_socket_option(&argc, argv);
    const char *name = NULL, *format = "json";
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--format") == 0 && i + 1 < argc)
            format = argv[++i];
        else if (argv[i][0] == '-')
            return strcmp(argv[i], "--format") == 0
                       ? cp_usage("export", "option '--format' needs json or kv")
                       : cp_bad_option("export", argv[i]);
        else if (name)
            return cp_usage("export", "one VM NAME only");
        else
            name = argv[i];
    }
    if (!name)
        return cp_usage("export", "which VM?");
    if (strcmp(format, "json") != 0 && strcmp(format, "kv") != 0)
        return cp_usage("export", "--format is json or kv");
    json_t *spec;
    int rc = cp_call_vm("export", "GET", name, "/definition", &spec);
    if (rc)
        return rc;
    if (strcmp(format, "json") == 0) {
        print_json(spec);
    } else {
        char why[256];
        char *text = vm_file_format_kv(spec, why, sizeof why);
        if (text)
            fputs(text, stdout);
        else
            fprintf(stderr, "mica: export %s: %s\n", name, why);
        rc = text ? 0 : MICA_STATUS_ERROR;
        free(text);
    }
    json_decref(spec);
    return rc;
}
