/*
 * The control program's subcommands of `mica`, for the dispatcher in
 * main.c.  Each takes argv as git does: argv[0] is the subcommand's name.
 * Each returns the process exit status: 0 success, 1 failure (one line on
 * stderr says why), 2 bad usage.  Client commands talk to the daemon at
 * --socket PATH, $MICA_SOCKET, or the default (cp_paths.h).
 */
#ifndef MICA_CLI_CP_COMMANDS_H
#define MICA_CLI_CP_COMMANDS_H

int cmd_daemon(int argc, char **argv);   /* mica daemon [--socket P] [--state-dir D] [--vmm EXE] */
int cmd_create(int argc, char **argv);   /* mica create NAME GUEST [--mem MIB] [--start] [-- ARGS] */
int cmd_start(int argc, char **argv);    /* mica start NAME      */
int cmd_pause(int argc, char **argv);    /* mica pause NAME      */
int cmd_resume(int argc, char **argv);   /* mica resume NAME     */
int cmd_shutdown(int argc, char **argv); /* mica shutdown NAME [--wait] */
int cmd_destroy(int argc, char **argv);  /* mica destroy NAME    */
int cmd_delete(int argc, char **argv);   /* mica delete NAME     */
int cmd_list(int argc, char **argv);     /* mica list [--json]   */
int cmd_info(int argc, char **argv);     /* mica info NAME [--json] */
int cmd_console(int argc, char **argv);  /* mica console NAME (Ctrl-] detaches) */
int cmd_logs(int argc, char **argv);     /* mica logs NAME [--tail BYTES] */
int cmd_top(int argc, char **argv);      /* mica top [--delay S] [--iterations N] */

/* The table, for dispatchers and help text. */
struct cp_command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
};
extern const struct cp_command cp_commands[];
/* The entry for name, or NULL. */
const struct cp_command *cp_command_find(const char *name);

#endif
