#include "cli/cli_usage.h"

#include "run/exit_status.h"

#include <stdio.h>
#include <string.h>

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
