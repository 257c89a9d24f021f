/*
 * The control program's subcommands of `mica`, for the dispatcher in
 * main.c.  Each takes argv as git does: argv[0] is the subcommand's name.
 * Each returns the process exit status of cli/cli_usage.h: 0 success, 1 the
 * request failed (one line on stderr says why), 125 bad usage.  Client commands talk to the daemon at
 * --socket PATH, $MICA_SOCKET, or the default (cp_paths.h).
 */
#ifndef MICA_CLI_CP_COMMANDS_H
#define MICA_CLI_CP_COMMANDS_H

int cmd_daemon(int argc, char **argv);   /* mica daemon [--socket P] [--state-dir D] [--vmm EXE] */
int cmd_create(int argc, char **argv);   /* mica create NAME GUEST [--mem MIB] [--start] [-- ARGS] */
int cmd_start(int argc, char **argv);    /* mica start NAME      */
int cmd_pause(int argc, char **argv);    /* mica pause NAME      */
int cmd_mem_set(int argc, char **argv);  /* mica mem-set NAME MIB */
int cmd_resume(int argc, char **argv);   /* mica resume NAME     */
int cmd_shutdown(int argc, char **argv); /* mica shutdown NAME [--wait] */
int cmd_destroy(int argc, char **argv);  /* mica destroy NAME    */
int cmd_delete(int argc, char **argv);   /* mica delete NAME     */
int cmd_create_from_file(int argc, char **argv); /* mica create -f FILE [NAME] [--start] */
int cmd_export(int argc, char **argv);   /* mica export NAME [--format json|kv] */
int cmd_reboot(int argc, char **argv);   /* mica reboot NAME [--force] */
int cmd_rename(int argc, char **argv);   /* mica rename NAME NEW */
int cmd_set(int argc, char **argv);      /* mica set NAME --autostart on|off */
int cmd_list(int argc, char **argv);     /* mica list [--json]   */
int cmd_info(int argc, char **argv);     /* mica info NAME [--json] */
int cmd_console(int argc, char **argv);  /* mica console NAME (Ctrl-] detaches) */
int cmd_logs(int argc, char **argv);     /* mica logs NAME [--tail LINES|--bytes N] */
int cmd_stats(int argc, char **argv);    /* mica stats NAME [--json] */
int cmd_events(int argc, char **argv);   /* mica events [--json] [--name G] [--count N] [--timeout S] */
int cmd_top(int argc, char **argv);      /* mica top [--delay S] [--iterations N] */
int cmd_sched(int argc, char **argv);    /* mica sched --control SOCKET [--weight W] ... */
int cmd_save(int argc, char **argv);     /* mica save NAME FILE  */
int cmd_snapshot(int argc, char **argv); /* mica snapshot NAME FILE */
int cmd_restore(int argc, char **argv);  /* mica restore FILE [--name NEW] */
int cmd_clone(int argc, char **argv);    /* mica clone SNAP NEW... */

/* The table, for dispatchers and help text. */
struct cp_command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
    const char *usage; /* after "usage: mica " */
};
extern const struct cp_command cp_commands[];
/* The entry for name, or NULL. */
const struct cp_command *cp_command_find(const char *name);

/* Runs c, or prints its usage to stdout (status 0) when argv asks --help. */
int cp_command_run(const struct cp_command *c, int argc, char **argv);

/* Usage errors of command cmd: its usage on stderr after "mica: CMD: WHY"
 * (why may be NULL), or after "unknown option 'OPT'"; both return 125. */
int cp_usage(const char *cmd, const char *why);
int cp_bad_option(const char *cmd, const char *opt);

/* The viewer's terminal under `mica console`: raw input, but LF still
 * written as CR LF (cp_console.c; declared here for its test). */
struct termios;
void viewer_raw(struct termios *t);

#endif
