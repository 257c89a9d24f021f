#include "cli/cp_commands.h"

#include "cli/cli_usage.h"

#include <string.h>

#define CREATE_USAGE                                                                      \
    "create NAME GUEST [--mem MIB] [--disk FILE[,ro]]... [--autostart] [--start] [-- ARGS]\n"          \
    "       mica create NAME --kernel FILE [--initrd FILE] [--cmdline S] [--cpus N]\n"   \
    "                   [--mem MIB] [--disk FILE[,ro]]... [--rng] [--autostart] [--start]\n" \
    "       mica create -f FILE|- [NAME] [--start]\n"                                      \
    "  FILE is JSON (the API's VmSpec, as `mica export` prints it) or key = value\n"     \
    "  lines (name, kind, guest, kernel, initrd, cmdline, mem_mib, vcpus, rng,\n"        \
    "  autostart; arg and disk repeat); relative paths are from the file's directory."

/* Every command also takes --socket PATH (default $MICA_SOCKET, then the
 * per-user default) and --help. */
const struct cp_command cp_commands[] = {
    {"daemon", cmd_daemon, "serve the control API on a Unix socket",
     "daemon [--socket PATH] [--state-dir DIR] [--vmm EXE] [--log-max-mib N]\n"
     "                   [--jail] [--jail-user USER[:GROUP]] [--overcommit RATIO]\n"
     "                   [--host-mem-mib N] [--ksm]\n"
     "  --overcommit RATIO  start VMs while the sum of their --mem stays within RATIO x\n"
     "                      the host's memory (default 2)\n"
     "  --host-mem-mib N    the host memory that ratio applies to (default: MemTotal)\n"
     "  --ksm               offer every VM's memory to KSM and turn KSM on (as root)"},
    {"create", cmd_create, "define a VM: create NAME GUEST [--mem MIB] [--start] [-- ARGS]",
     CREATE_USAGE},
    {"start", cmd_start, "start a defined or stopped VM", "start NAME"},
    {"pause", cmd_pause, "pause a running VM", "pause NAME"},
    {"resume", cmd_resume, "resume a paused VM", "resume NAME"},
    {"shutdown", cmd_shutdown, "ask a VM to shut down [--wait]", "shutdown NAME [--wait]"},
    {"destroy", cmd_destroy, "stop a VM at once", "destroy NAME"},
    {"mem-set", cmd_mem_set, "set a running VM's memory target (its balloon)",
     "mem-set NAME MIB\n"
     "  The guest's balloon driver gives memory back down to MIB or takes it again,\n"
     "  never above the VM's --mem (its maximum) nor below its floor."},
    {"reboot", cmd_reboot, "shut a VM down and start it again [--force: at once]",
     "reboot NAME [--force]\n"
     "  The guest is asked to shut down and started again once it has ended;\n"
     "  --force destroys it and starts it again at once."},
    {"export", cmd_export, "print a VM's definition (create -f takes it back)",
     "export NAME [--format json|kv]"},
    {"rename", cmd_rename, "give a VM another name", "rename NAME NEW"},
    {"set", cmd_set, "change a VM's settings (--autostart on|off)",
     "set NAME --autostart on|off\n"
     "  autostart: the daemon starts the VM when it starts, unless it is running."},
    {"delete", cmd_delete, "remove a stopped VM's definition", "delete NAME"},
    {"list", cmd_list, "list VMs [--json] [-q] [--state S[,S]] [--name GLOB]",
     "list [--json] [-q|--quiet] [--state STATE[,STATE...]] [--name GLOB]\n"
     "  -q prints names only; STATE is defined, starting, running, paused, stopping,\n"
     "  shutdown or crashed; GLOB is a shell pattern ('web*')."},
    {"info", cmd_info, "show one VM [--json]", "info NAME [--json]"},
    {"console", cmd_console, "attach to a VM's console (Ctrl-] detaches)",
     "console NAME [--raw-console]\n"
     "  Keys go to the guest as bytes (Ctrl-C, Ctrl-D included: the bundled shell\n"
     "  exits on Ctrl-D at an empty prompt, as a Unix shell does).\n"
     "  Ctrl-] or Ctrl-A x detaches; Ctrl-A Ctrl-A sends Ctrl-A; Ctrl-A ? lists the keys."},
    {"logs", cmd_logs, "print a VM's output log [--tail LINES | --bytes N]",
     "logs NAME [--tail LINES | --bytes N]\n"
     "  The last LINES lines (or N bytes) of what the VM printed (default: 64 KiB)."},
    {"stats", cmd_stats, "one VM's state, uptime, CPU, memory and counters [--json]",
     "stats NAME [--json]"},
    {"events", cmd_events, "print lifecycle events as they happen [--json]",
     "events [--json] [--name GLOB] [--after ID] [--count N] [--timeout SECONDS]\n"
     "  One line per event of every VM you may see, from now on or after event ID\n"
     "  (--json: one JSON object per line, with its id); stops after N events or\n"
     "  SECONDS, else runs until killed."},
    {"save", cmd_save, "save a PV VM into a file; it ends", "save NAME FILE"},
    {"snapshot", cmd_snapshot, "save a PV VM into a file; it runs on", "snapshot NAME FILE"},
    {"restore", cmd_restore, "start a VM saved in a file where it stopped",
     "restore FILE [--name NEW]"},
    {"clone", cmd_clone, "start VMs from one snapshot, sharing its memory copy-on-write",
     "clone SNAPSHOT NEW..."},
    {"top", cmd_top, "live view of every VM's CPU, memory and exits (q quits)",
     "top [--delay SECONDS] [--iterations N]   (q quits)"},
    {"sched", cmd_sched, "show or set a VM's BVT weight and warp (VMs in a cell)",
     "sched --control SOCKET [--weight W] [--warp-us US] [--warp-limit-us US]\n"
     "                   [--unwarp-us US] [--json]\n"
     "  SOCKET is a guest's control socket under 'mica cell --control DIR'\n"
     "  (DIR/NAME.sock). With no option it shows the parameters and the guest's\n"
     "  virtual times; each option changes one while the guest runs."},
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
