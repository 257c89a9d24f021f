/* mica rename / set: the settings of a VM that may change after create
 * (PATCH /v1/vms/NAME). */
#include "cli/cp_client.h"
#include "cli/cp_commands.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* PATCH /v1/vms/NAME with changes (consumed); 0 or 1 (message printed). */
static int patch_vm(const char *verb, const char *name, json_t *changes)
{
    char *path = cp_vm_path(name, "");
    int rc = 1;
    if (path) {
        char what[128];
        snprintf(what, sizeof what, "%s %s", verb, name);
        rc = cp_call(what, "PATCH", path, changes, NULL);
    }
    free(path);
    json_decref(changes);
    return rc;
}

int cmd_rename(int argc, char **argv)
{
    cp_client_take_socket_option(&argc, argv);
    for (int i = 1; i < argc; i++)
        if (argv[i][0] == '-')
            return cp_bad_option("rename", argv[i]);
    if (argc != 3)
        return cp_usage("rename", argc < 3 ? "the VM's NAME and its NEW name are needed"
                                           : "one VM and one new name only");
    int rc = patch_vm("rename", argv[1], json_pack("{s:s}", "name", argv[2]));
    if (rc == 0)
        printf("%s renamed to %s\n", argv[1], argv[2]);
    return rc;
}

/* "on"/"off" (or true/false, yes/no, 1/0) -> 1/0; -1 otherwise. */
static int parse_switch(const char *s)
{
    static const char *const on[] = {"on", "true", "yes", "1"}, *const off[] = {"off", "false",
                                                                                "no", "0"};
    for (size_t i = 0; i < sizeof on / sizeof on[0]; i++) {
        if (strcmp(s, on[i]) == 0)
            return 1;
        if (strcmp(s, off[i]) == 0)
            return 0;
    }
    return -1;
}

int cmd_set(int argc, char **argv)
{
    cp_client_take_socket_option(&argc, argv);
    if (argc >= 2 && argv[1][0] == '-')
        return cp_usage("set", "the VM's NAME comes first");
    if (argc < 2)
        return cp_usage("set", "which VM?");
    if (argc == 2)
        return cp_usage("set", "what to set? (--autostart on|off)");
    if (strcmp(argv[2], "--autostart") != 0)
        return cp_bad_option("set", argv[2]);
    int on = argc == 4 ? parse_switch(argv[3]) : -1;
    if (on < 0)
        return cp_usage("set", "--autostart wants on or off");
    int rc = patch_vm("set", argv[1], json_pack("{s:b}", "autostart", on));
    if (rc == 0)
        printf("%s: autostart %s\n", argv[1], on ? "on" : "off");
    return rc;
}
