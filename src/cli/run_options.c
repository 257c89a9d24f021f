#include "cli/run_options.h"

#include <string.h>

#include "mica/abi.h"
#include "cli/option_loop.h"
#include "cli/run_shared_options.h"
#include "util/log.h"
#include "util/escape_keys.h"
#include "util/parse.h"

const char run_usage[] =
    "usage: mica run [GUEST.elf] [--mem MIB] [--name NAME] [--timeout SECONDS]\n"
    "                [--control SOCKET] [--raw-console] [--jail] [--jail-user USER[:GROUP]]\n"
    "                [--supervisor auto|on|off] [-- GUEST-ARGS...]\n"
    "       mica run --restore SNAPSHOT [--clone] [--name NAME] [--timeout S] [--control S]\n"
    "  Boots a paravirtualized guest built with the guest kit (default: the bundled shell)\n"
    "  attached to this terminal. The guest's exit code is mica's exit status; 124 means\n"
    "  --timeout expired, 125 a mica error, 130 interrupted, 139 the guest crashed.\n"
    "  --control SOCKET serves the per-VM control channel there (pause, resume, shutdown,\n"
    "  stats, console viewers; see docs/control-program.md) instead of using the terminal:\n"
    "  stdin is not read, console output goes to stdout and to the viewers, and a\n"
    "  shutdown request ends the VM with status 0. `mica daemon` runs VMs this way.\n"
    "  On a terminal, escape sequences and control characters in the guest's output are\n"
    "  dropped (colours pass) so that it cannot rewrite the screen or the title;\n"
    "  --raw-console passes every byte as the guest sent it.\n"
    "  --supervisor: hypercalls enter mica's in-guest supervisor by `syscall` and those\n"
    "  that need no host service are served without leaving the VM (on: always; off:\n"
    "  every hypercall traps out; auto, the default: on where the host runs guest CPL0\n"
    "  natively, i.e. not on kvm_pvm).\n"
    "  --restore continues the PV guest saved in SNAPSHOT (`mica save`, `mica snapshot`)\n"
    "  where it stopped; --clone maps its memory copy-on-write from the file, which must\n"
    "  then stay unchanged while the guest runs (many clones share its pages).\n"
    ESCAPE_KEYS_RUN_USAGE CONFINE_USAGE;

static int split_at_dashes(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--") == 0)
            return i;
    return argc;
}

static int check_name(const char *name, char *err, size_t errlen)
{
    size_t n = strlen(name);
    if (n == 0 || n >= MICA_NAME_MAX)
        return errmsg(err, errlen, -1, "--name: must be 1 to %d characters", MICA_NAME_MAX - 1);
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.'))
            return errmsg(err, errlen, -1, "--name '%s': only letters, digits, '-', '_' and '.'",
                           name);
    }
    return 0;
}

static int parse_supervisor(const char *arg, int *out, char *err, size_t errlen)
{
    static const char *const names[] = {[RUN_SUPERVISOR_AUTO] = "auto", [RUN_SUPERVISOR_ON] = "on",
                                        [RUN_SUPERVISOR_OFF] = "off"};
    for (int i = 0; i < 3; i++)
        if (strcmp(arg, names[i]) == 0) {
            *out = i;
            return 0;
        }
    return errmsg(err, errlen, -1, "--supervisor '%s': give auto, on or off", arg);
}

static int apply_option(int c, void *ctx, char *err, size_t errlen)
{
    struct run_options *o = ctx;
    switch (c) {
    case 'm':
        if (parse_u64(optarg, MICA_MEM_MIN_MIB, MICA_MEM_MAX_MIB, &o->mem_mib) < 0)
            return errmsg(err, errlen, -1, "--mem '%s': give MiB between %u and %u", optarg,
                           MICA_MEM_MIN_MIB, MICA_MEM_MAX_MIB);
        return 0;
    case 'n':
        o->name = optarg;
        return check_name(optarg, err, errlen);
    case 't':
        return run_option_timeout(optarg, &o->timeout_ns, err, errlen);
    case 'c':
        o->control = optarg;
        return run_option_control(optarg, err, errlen);
    case 'h':
        o->help = 1;
        return 0;
    case 'W':
        o->raw_console = 1;
        return 0;
    case 'S':
        return parse_supervisor(optarg, &o->supervisor, err, errlen);
    case 'R':
        o->restore = optarg;
        return 0;
    case 'C':
        o->clone = 1;
        return 0;
    default:
        if (confine_apply_option(&o->confine, c, optarg))
            return 0;
        return errmsg(err, errlen, -1, "unknown option (see 'mica run --help')");
    }
}

int run_options_parse(int argc, char **argv, struct run_options *o, char *err, size_t errlen)
{
    static const struct option longopts[] = {
        {"mem", required_argument, NULL, 'm'},     {"name", required_argument, NULL, 'n'},
        {"timeout", required_argument, NULL, 't'}, {"control", required_argument, NULL, 'c'},
        {"help", no_argument, NULL, 'h'},          {"raw-console", no_argument, NULL, 'W'},
        {"supervisor", required_argument, NULL, 'S'},
        {"restore", required_argument, NULL, 'R'}, {"clone", no_argument, NULL, 'C'},
        CONFINE_LONGOPTS,
        {NULL, 0, NULL, 0},
    };
    memset(o, 0, sizeof *o);
    o->mem_mib = RUN_DEFAULT_MEM_MIB;
    int dashes = split_at_dashes(argc, argv);
    if (option_loop(dashes, argv, longopts, apply_option, o, err, errlen) < 0)
        return -1;
    if (optind < dashes)
        o->guest = argv[optind++];
    if (optind < dashes)
        return errmsg(err, errlen, -1, "unexpected argument '%s' (guest arguments go after '--')",
                       argv[optind]);
    if (o->clone && !o->restore)
        return errmsg(err, errlen, -1, "--clone needs --restore SNAPSHOT");
    if (o->restore && (o->guest || dashes < argc))
        return errmsg(err, errlen, -1, "--restore continues a saved guest: give no guest image "
                      "or arguments");
    o->guest_argc = dashes < argc ? argc - dashes - 1 : 0;
    o->guest_argv = argv + dashes + (dashes < argc);
    return 0;
}
