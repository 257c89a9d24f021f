/* mica: the command line, git-style subcommands. */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli_usage.h"
#include "cli/commands.h"
#include "cli/cp_commands.h"
#include "cli/man_page.h"
#include "cli/run_fv_options.h"
#include "cli/cell_options.h"
#include "cli/run_options.h"
#include "cli/switch_options.h"
#include "run/exit_status.h"
#include "util/log.h"
#include "util/proc_title.h"
#include "util/version.h"

struct subcommand {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
    const char *const *usages; /* for the man page, NULL-terminated */
};

static const char *const run_usages[] = {run_usage, fv_usage, NULL};
static const char *const cell_usages[] = {cell_usage, NULL};
static const char *const switch_usages[] = {switch_usage, NULL};

static const struct subcommand subcommands[] = {
    {"run", cmd_run, "boot a guest attached to this terminal (default: the bundled shell)",
     run_usages},
    {"cell", cmd_cell, "run several PV guests in one process under the BVT dispatcher",
     cell_usages},
    {"switch", cmd_switch, "run a virtual switch and firewall-router for VMs' --net",
     switch_usages},
    {"oci", cmd_oci, "the runc-compatible OCI runtime (also as mica-runc; docs/oci.md)", NULL},
};

/* Called as mica-runc (a link to mica): the OCI runtime, which container
 * engines call by a runc-like name. */
static bool called_as_runtime(char **argv)
{
    const char *slash = strrchr(argv[0], '/');
    return !strcmp(slash ? slash + 1 : argv[0], "mica-runc");
}

static bool version_asked(int argc, char **argv)
{
    return argc >= 2 && (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version"));
}

static int print_version(void)
{
    printf("mica %s\n", mica_version());
    return 0;
}

#ifdef MICA_LEAN
/* The lean `mica` runs guests itself and hands every other command to
 * mica-cp, installed beside it (see the Makefile). */
static int hand_to_full_binary(char **argv)
{
    char exe[PATH_MAX], path[PATH_MAX + 16];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) {
        mica_error("cannot find my own binary: %s", strerror(errno));
        return MICA_STATUS_ERROR;
    }
    exe[n] = 0;
    snprintf(path, sizeof path, "%s/mica-cp", dirname(exe));
    argv[0] = path;
    execv(path, argv);
    mica_error("%s: %s (the control-plane commands live there)", path, strerror(errno));
    return MICA_STATUS_ERROR;
}

int main(int argc, char **argv)
{
    if (called_as_runtime(argv))
        return cmd_oci(argc, argv);
    if (version_asked(argc, argv))
        return print_version();
    for (size_t i = 0; argc >= 2 && i < sizeof subcommands / sizeof subcommands[0]; i++)
        if (!strcmp(argv[1], subcommands[i].name))
            return subcommands[i].run(argc - 1, argv + 1);
    return hand_to_full_binary(argv);
}
#else
static void usage(FILE *out)
{
    fputs("usage: mica COMMAND [ARGS...]\n\ncommands:\n", out);
    for (size_t i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++)
        fprintf(out, "  %-10s %s\n", subcommands[i].name, subcommands[i].summary);
    for (const struct cp_command *c = cp_commands; c->name; c++)
        fprintf(out, "  %-10s %s\n", c->name, c->summary);
    fputs("\n'mica COMMAND --help' tells more; 'mica --version' prints the version;\n"
          "'mica --man' prints the manual page (mica(1)) made from these texts.\n"
          "\nexit status, the same for every command:\n",
          out);
    fputs(cli_exit_statuses, out);
}

/* mica(1), from the same texts as --help: nothing is written twice. */
static int print_man_page(void)
{
    man_page_begin(stdout, mica_version());
    for (size_t i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++)
        man_page_command(stdout, subcommands[i].name, subcommands[i].summary,
                         subcommands[i].usages);
    for (const struct cp_command *c = cp_commands; c->name; c++) {
        char usage[4096];
        snprintf(usage, sizeof usage, "usage: mica %s\n", c->usage);
        man_page_command(stdout, c->name, c->summary, (const char *const[]){usage, NULL});
    }
    man_page_end(stdout, cli_exit_statuses);
    return 0;
}

int main(int argc, char **argv)
{
    proc_title_init(argc, argv);
    if (called_as_runtime(argv))
        return cmd_oci(argc, argv);
    if (version_asked(argc, argv))
        return print_version();
    if (argc < 2) {
        usage(stderr);
        return MICA_STATUS_ERROR;
    }
    if (!strcmp(argv[1], "--man"))
        return print_man_page();
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return 0;
    }
    for (size_t i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++)
        if (!strcmp(argv[1], subcommands[i].name))
            return subcommands[i].run(argc - 1, argv + 1);
    const struct cp_command *cp = cp_command_find(argv[1]);
    if (cp)
        return cp_command_run(cp, argc - 1, argv + 1);
    mica_error("unknown command '%s' (see 'mica --help')", argv[1]);
    return MICA_STATUS_ERROR;
}
#endif
