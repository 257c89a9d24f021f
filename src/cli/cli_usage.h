/*
 * The CLI's conventions for usage and exit statuses, the same for every
 * command (see `mica --help` and README "Exit statuses"):
 *   0        success
 *   1        a control command's request failed: the daemon refused it
 *            or could not be reached (one line on stderr says why)
 *   1..123   `mica run`: the guest's own exit code
 *   124      a wait expired (`run --timeout`, `shutdown --wait`)
 *   125      mica refused or could not run the command: unknown command
 *            or option, bad value, missing or malformed image, no KVM
 *   130      interrupted (Ctrl-C, SIGTERM); 139 the guest crashed
 * `--help` (or -h) prints the usage to stdout with status 0; a usage error
 * prints it to stderr with status 125.
 */
#ifndef MICA_CLI_CLI_USAGE_H
#define MICA_CLI_CLI_USAGE_H

#include <stdbool.h>

#define MICA_STATUS_FAILED 1 /* a control command's request failed */

/* The table of exit statuses, for `mica --help` and the man page. */
extern const char cli_exit_statuses[];

/* Whether argv[1..argc) asks for help (--help or -h before any "--"). */
bool cli_help_asked(int argc, char **argv);

/* Prints "usage: mica TEXT" to stdout; returns 0. */
int cli_help(const char *text);

/* Prints "mica: CMD: WHY" (when why is not NULL) and the usage to stderr;
 * returns the usage status (125). */
int cli_usage_error(const char *cmd, const char *text, const char *why);

/* "unknown option 'OPT'" as a usage error of cmd. */
int cli_unknown_option(const char *cmd, const char *text, const char *opt);

#endif
