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
    "                [--control SOCKET [--control-stdin]] [--raw-console] [--ksm]\n"
    "                [--env NAME=VALUE]... [--hold FIFO] [--jail] [--jail-user USER[:GROUP]]\n"
    "                [--supervisor auto|on|off] [--disk FILE[,ro]]...\n"
    "                [--net switch=PATH|tap=NAME[,mac=MAC][,ip=A.B.C.D][,name=NAME]]...\n"
    "                [-- GUEST-ARGS...]\n"
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
    "  --net adds a virtual network interface (up to 8): plugged into the switch process\n"
    "  at PATH (`mica switch`, the virtual firewall-router: it lets the VIF send only from\n"
    "  its MAC and IP), or to a host tap device; see docs/network.md.\n"
    "  --ksm offers the guest's memory to the host's same-page merging (KSM), as\n"
    "  `mica daemon --ksm` does for every VM (MICA_KSM=1 in the environment).\n"
    "  --control-stdin still reads stdin with --control (and makes a terminal raw).\n"
    "  --env NAME=VALUE puts a variable in the guest's environment (mica_getenv()).\n"
    "  --hold FIFO waits, before building the VM, until a starter opens FIFO (how\n"
    "  `mica oci start` releases a created container; see docs/oci.md).\n"
    "  --disk FILE[,ro] gives the guest a PV block device (a raw image: a regular file\n"
    "  or block device of whole 512-byte sectors; ,ro refuses its writes), at most 4.\n"
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

static int add_net(struct run_options *o, const char *arg, char *err, size_t errlen)
{
    if (o->net_count == MICA_DEVICES_MAX)
        return errmsg(err, errlen, -1, "--net: at most %d interfaces", MICA_DEVICES_MAX);
    char *text = o->net_text[o->net_count];
    if (strlen(arg) >= sizeof o->net_text[0])
        return errmsg(err, errlen, -1, "--net: longer than %zu characters",
                      sizeof o->net_text[0] - 1);
    strcpy(text, arg);
    if (vif_spec_parse(text, &o->net[o->net_count], err, errlen) < 0)
        return -1;
    o->net_count++;
    return 0;
}

static int add_env(struct run_options *o, char *arg, char *err, size_t errlen)
{
    const char *eq = strchr(arg, '=');
    if (!eq || eq == arg)
        return errmsg(err, errlen, -1, "--env '%s': give NAME=VALUE", arg);
    if (o->envc == RUN_ENV_MAX)
        return errmsg(err, errlen, -1, "--env: at most %d variables", RUN_ENV_MAX);
    o->envp[o->envc++] = arg;
    return 0;
}

static int apply_option(int c, void *ctx, char *err, size_t errlen)
{
    struct run_options *o = ctx;
    switch (c) {
    case 'm':
        return run_option_mem("--mem", optarg, &o->mem_mib, err, errlen);
    case 'n':
        o->name = optarg;
        return run_option_name("--name", optarg, err, errlen);
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
    case 'N':
        return add_net(o, optarg, err, errlen);
    case 'K':
        o->ksm = 1;
        return 0;
    case 'H':
        o->hold = optarg;
        return 0;
    case 'I':
        o->control_stdin = 1;
        return 0;
    case 'e':
        return add_env(o, optarg, err, errlen);
    case 'd':
        return run_option_disk(optarg, o->disk, &o->ndisks, RUN_MAX_DISKS, o->disk_spec, err,
                               errlen);
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
        {"net", required_argument, NULL, 'N'},
        {"ksm", no_argument, NULL, 'K'},
        {"hold", required_argument, NULL, 'H'},    {"control-stdin", no_argument, NULL, 'I'},
        {"env", required_argument, NULL, 'e'},
        {"disk", required_argument, NULL, 'd'},
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
    if (o->control_stdin && !o->control)
        return errmsg(err, errlen, -1, "--control-stdin: only with --control");
    if (o->clone && !o->restore)
        return errmsg(err, errlen, -1, "--clone needs --restore SNAPSHOT");
    if (o->restore && (o->guest || dashes < argc))
        return errmsg(err, errlen, -1, "--restore continues a saved guest: give no guest image "
                      "or arguments");
    if (o->restore && (o->net_count || o->ndisks || o->envc || o->ksm))
        return errmsg(err, errlen, -1, "--restore continues a saved guest with the devices and "
                      "environment it was saved with: no --net, --disk, --env or --ksm");
    o->guest_argc = dashes < argc ? argc - dashes - 1 : 0;
    o->guest_argv = argv + dashes + (dashes < argc);
    return 0;
}
