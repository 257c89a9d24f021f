/* mica: the command line, git-style subcommands. */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/cp_commands.h"
#include "run/exit_status.h"
#include "util/log.h"
#include "util/proc_title.h"
#include "util/version.h"

struct subcommand {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
};

static const struct subcommand subcommands[] = {
    {"run", cmd_run, "boot a guest attached to this terminal (default: the bundled shell)"},
    {"oci", cmd_oci, "the runc-compatible OCI runtime (also as mica-runc; docs/oci.md)"},
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
    fputs("\n'mica COMMAND --help' tells more; 'mica --version' prints the version.\n"
          "\nexit status, the same for every command:\n"
          "  0        success\n"
          "  1        a control command failed (the daemon refused it or is not running)\n"
          "  1..123   mica run: the guest's own exit code\n"
          "  124      a wait expired (run --timeout, shutdown --wait)\n"
          "  125      bad usage (unknown command or option, bad value) or a mica error\n"
          "           (missing or malformed image, no KVM)\n"
          "  130      interrupted (Ctrl-C, SIGTERM)\n"
          "  139      the guest crashed (the crash report is on stderr)\n",
          out);
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
