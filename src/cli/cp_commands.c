#include "cli/cp_commands.h"

#include "cli/cli_usage.h"

#include <string.h>

#define CREATE_USAGE                                                                      \
    "create NAME GUEST [--mem MIB] [--start] [-- ARGS]\n"                                 \
    "       mica create NAME --kernel FILE [--initrd FILE] [--cmdline S] [--cpus N]\n"   \
    "                   [--mem MIB] [--disk FILE[,ro]]... [--rng] [--start]"

/* Every command also takes --socket PATH (default $MICA_SOCKET, then the
 * per-user default) and --help. */
const struct cp_command cp_commands[] = {
    {"daemon", cmd_daemon, "serve the control API on a Unix socket",
     "daemon [--socket PATH] [--state-dir DIR] [--vmm EXE] [--log-max-mib N]\n"
     "                   [--jail] [--jail-user USER[:GROUP]]"},
    {"create", cmd_create, "define a VM: create NAME GUEST [--mem MIB] [--start] [-- ARGS]",
     CREATE_USAGE},
    {"start", cmd_start, "start a defined or stopped VM", "start NAME"},
    {"pause", cmd_pause, "pause a running VM", "pause NAME"},
    {"resume", cmd_resume, "resume a paused VM", "resume NAME"},
    {"shutdown", cmd_shutdown, "ask a VM to shut down [--wait]", "shutdown NAME [--wait]"},
    {"destroy", cmd_destroy, "stop a VM at once", "destroy NAME"},
    {"delete", cmd_delete, "remove a stopped VM's definition", "delete NAME"},
    {"list", cmd_list, "list VMs [--json]", "list [--json]"},
    {"info", cmd_info, "show one VM [--json]", "info NAME [--json]"},
    {"console", cmd_console, "attach to a VM's console (Ctrl-] detaches)",
     "console NAME [--raw-console]\n"
     "  Keys go to the guest as bytes (Ctrl-C, Ctrl-D included: the bundled shell\n"
     "  exits on Ctrl-D at an empty prompt, as a Unix shell does).\n"
     "  Ctrl-] or Ctrl-A x detaches; Ctrl-A Ctrl-A sends Ctrl-A; Ctrl-A ? lists the keys."},
    {"logs", cmd_logs, "print a VM's output log [--tail BYTES]", "logs NAME [--tail BYTES]"},
    {"save", cmd_save, "save a PV VM into a file; it ends", "save NAME FILE"},
    {"snapshot", cmd_snapshot, "save a PV VM into a file; it runs on", "snapshot NAME FILE"},
    {"restore", cmd_restore, "start a VM saved in a file where it stopped",
     "restore FILE [--name NEW]"},
    {"clone", cmd_clone, "start VMs from one snapshot, sharing its memory copy-on-write",
     "clone SNAPSHOT NEW..."},
    {"top", cmd_top, "live view of every VM's CPU, memory and exits (q quits)",
     "top [--delay SECONDS] [--iterations N]   (q quits)"},
    {NULL, NULL, NULL, NULL},
};

const struct cp_command *cp_command_find(const char *name)
{
    for (const struct cp_command *c = cp_commands; c->name; c++)
        if (strcmp(c->name, name) == 0)
            return c;
    return NULL;
}

int cp_command_run(const struct cp_command *c, int argc, char **argv)
{
    if (cli_help_asked(argc, argv))
        return cli_help(c->usage);
    return c->run(argc, argv);
}

int cp_usage(const char *cmd, const char *why)
{
    const struct cp_command *c = cp_command_find(cmd);
    return cli_usage_error(cmd, c ? c->usage : cmd, why);
}

int cp_bad_option(const char *cmd, const char *opt)
{
    const struct cp_command *c = cp_command_find(cmd);
    return cli_unknown_option(cmd, c ? c->usage : cmd, opt);
}
