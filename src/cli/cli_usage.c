#include "cli/cli_usage.h"

#include "run/exit_status.h"

#include <stdio.h>
#include <string.h>

const char cli_exit_statuses[] =
    "  0        success\n"
    "  1        a control command failed (the daemon refused it or is not running)\n"
    "  1..123   mica run: the guest's own exit code\n"
    "  124      a wait expired (run --timeout, shutdown --wait)\n"
    "  125      bad usage (unknown command or option, bad value) or a mica error\n"
    "           (missing or malformed image, no KVM)\n"
    "  130      interrupted (Ctrl-C, SIGTERM)\n"
    "  139      the guest crashed (the crash report is on stderr)\n";

bool cli_help_asked(int argc, char **argv)
{
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return true;
    return false;
}

int cli_help(const char *text)
{
    printf("usage: mica %s\n", text);
    return 0;
}

int cli_usage_error(const char *cmd, const char *text, const char *why)
{
    if (why)
        fprintf(stderr, "mica: %s: %s\n", cmd, why);
    fprintf(stderr, "usage: mica %s\n", text);
    return MICA_STATUS_ERROR;
}

int cli_unknown_option(const char *cmd, const char *text, const char *opt)
{
    char why[256];
    snprintf(why, sizeof why, "unknown option '%.200s' (see 'mica %s --help')", opt, cmd);
    return cli_usage_error(cmd, text, why);
}
