#include "cli/cp_commands.h"

#include <string.h>

const struct cp_command cp_commands[] = {
    {"daemon", cmd_daemon, "serve the control API on a Unix socket"},
    {"create", cmd_create, "define a VM: create NAME GUEST [--mem MIB] [--start] [-- ARGS]"},
    {"start", cmd_start, "start a defined or stopped VM"},
    {"pause", cmd_pause, "pause a running VM"},
    {"resume", cmd_resume, "resume a paused VM"},
    {"shutdown", cmd_shutdown, "ask a VM to shut down [--wait]"},
    {"destroy", cmd_destroy, "stop a VM at once"},
    {"delete", cmd_delete, "remove a stopped VM's definition"},
    {"list", cmd_list, "list VMs [--json]"},
    {"info", cmd_info, "show one VM [--json]"},
    {"console", cmd_console, "attach to a VM's console (Ctrl-] detaches)"},
    {"logs", cmd_logs, "print a VM's output log [--tail BYTES]"},
    {"top", cmd_top, "live view of every VM's CPU, memory and exits"},
    {NULL, NULL, NULL},
};

const struct cp_command *cp_command_find(const char *name)
{
    for (const struct cp_command *c = cp_commands; c->name; c++)
        if (strcmp(c->name, name) == 0)
            return c;
    return NULL;
}
