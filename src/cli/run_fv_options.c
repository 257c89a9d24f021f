#include "cli/run_fv_options.h"

#include <stdio.h>
#include <string.h>

#include "cli/option_loop.h"
#include "cli/run_shared_options.h"
#include "run/confine.h"
#include "util/log.h"
#include "util/escape_keys.h"
#include "util/parse.h"

const char fv_usage[] =
    "usage: mica run --kernel bzImage|vmlinux [--initrd FILE] [--cmdline \"...\"] [--cpus N]\n"
    "                [--mem MIB] [--disk FILE[,ro]]... [--rng] [--balloon] [--cpu-template NAME]\n"
    "                [--console serial|virtio] [--reboot] [--timeout SECONDS] [--stats]\n"
    "                [--control SOCKET] [--name NAME] [--raw-console] [--jail]\n"
    "                [--jail-user USER[:GROUP]] [--control-stdin] [--hold FIFO]\n"
    "  Boots a Linux kernel on a virtual PC with the serial console (ttyS0) on this\n"
    "  terminal. Defaults: --mem " "256" ", --cpus 1, --cpu-template " FV_DEFAULT_TEMPLATE ",\n"
    "  --cmdline \"" FV_DEFAULT_CMDLINE "\".\n"
    "  --console virtio adds a virtio-console (the guest's hvc0) and gives it the\n"
    "  terminal's input; the default command line then says console=hvc0. The UART\n"
    "  stays, and its output still shows (earlyprintk=ttyS0).\n"
    "  --balloon adds a virtio-balloon: the control channel's mem-set (mica mem-set)\n"
    "  asks the guest's virtio_balloon driver to give memory back or take it again.\n"
    "  --control SOCKET serves the per-VM control channel there (pause, resume,\n"
    "  shutdown, stats, console viewers; see docs/control-program.md) instead of\n"
    "  using the terminal: stdin is not read (unless --control-stdin), output still\n"
    "  goes to stdout. --hold FIFO: as for a PV guest (mica run --help).\n"
    "  On a terminal, escape sequences and control characters in the guest's output\n"
    "  are dropped (colours pass) so that it cannot rewrite the screen or the title;\n"
    "  --raw-console passes every byte as the guest sent it.\n"
    "  The guest resetting or powering off ends mica with status 0 (--reboot restarts\n"
    "  it instead); 124 means --timeout expired, 125 a mica error or bad input,\n"
    "  130 interrupted, 139 the guest stopped on an instruction mica cannot complete.\n"
    ESCAPE_KEYS_RUN_USAGE CONFINE_USAGE;

static int parse_console(struct fv_options *o, const char *arg, char *err, size_t errlen)
{
    if (!strcmp(arg, "serial"))
        o->console = FV_CONSOLE_SERIAL;
    else if (!strcmp(arg, "virtio"))
        o->console = FV_CONSOLE_VIRTIO;
    else
        return errmsg(err, errlen, -1, "--console '%s': give serial or virtio", arg);
    return 0;
}

static int apply_option(int c, void *ctx, char *err, size_t errlen)
{
    struct fv_options *o = ctx;
    uint64_t v;
    switch (c) {
    case 'k': o->kernel = optarg; return 0;
    case 'i': o->initrd = optarg; return 0;
    case 'c': o->cmdline = optarg; return 0;
    case 'T': o->cpu_template = optarg; return 0;
    case 'r': o->rng = true; return 0;
    case 'B': o->balloon = true; return 0;
    case 'R': o->reboot = true; return 0;
    case 's': o->stats = true; return 0;
    case 'W': o->raw_console = true; return 0;
    case 'h': o->help = true; return 0;
    case 'd':
        return run_option_disk(optarg, o->disk, &o->ndisks, FV_MAX_DISKS, o->disk_spec, err, errlen);
    case 'C': return parse_console(o, optarg, err, errlen);
    case 'n': o->name = optarg; return 0;
    case 'H': o->hold = optarg; return 0;
    case 'I': o->control_stdin = true; return 0;
    case 'S':
        o->control = optarg;
        return run_option_control(optarg, err, errlen);
    case 'p':
        if (parse_u64(optarg, 1, FV_MAX_CPUS, &v) < 0)
            return errmsg(err, errlen, -1, "--cpus '%s': out of range, give 1 to %d", optarg, FV_MAX_CPUS);
        o->cpus = (unsigned)v;
        return 0;
    case 'm':
        if (parse_u64(optarg, FV_MIN_MEM_MIB, FV_MAX_MEM_MIB, &o->mem_mib) < 0)
            return errmsg(err, errlen, -1, "--mem '%s': give MiB between %d and %d", optarg,
                           FV_MIN_MEM_MIB, FV_MAX_MEM_MIB);
        return 0;
    case 't':
        return run_option_timeout(optarg, &o->timeout_ns, err, errlen);
    default: {
        struct confine_options jail = {o->jail, o->jail_user};
        if (!confine_apply_option(&jail, c, optarg))
            return errmsg(err, errlen, -1, "unknown option (see 'mica run --help')");
        o->jail = jail.jail;
        o->jail_user = jail.jail_user;
        return 0;
    }
    }
}

int fv_options_parse(int argc, char **argv, struct fv_options *o, char *err, size_t errlen)
{
    static const struct option longopts[] = {
        {"kernel", required_argument, NULL, 'k'}, {"initrd", required_argument, NULL, 'i'},
        {"cmdline", required_argument, NULL, 'c'}, {"cpus", required_argument, NULL, 'p'},
        {"mem", required_argument, NULL, 'm'},     {"disk", required_argument, NULL, 'd'},
        {"rng", no_argument, NULL, 'r'},           {"cpu-template", required_argument, NULL, 'T'},
        {"balloon", no_argument, NULL, 'B'},
        {"reboot", no_argument, NULL, 'R'},        {"timeout", required_argument, NULL, 't'},
        {"stats", no_argument, NULL, 's'},         {"help", no_argument, NULL, 'h'},
        {"console", required_argument, NULL, 'C'}, {"control", required_argument, NULL, 'S'},
        {"name", required_argument, NULL, 'n'},     {"raw-console", no_argument, NULL, 'W'},
        {"hold", required_argument, NULL, 'H'},     {"control-stdin", no_argument, NULL, 'I'},
        CONFINE_LONGOPTS,
        {NULL, 0, NULL, 0},
    };
    memset(o, 0, sizeof *o);
    o->cpus = 1;
    o->mem_mib = FV_DEFAULT_MEM_MIB;
    o->cpu_template = FV_DEFAULT_TEMPLATE;
    if (option_loop(argc, argv, longopts, apply_option, o, err, errlen) < 0)
        return -1;
    if (optind < argc)
        return errmsg(err, errlen, -1, "unexpected argument '%s' (with --kernel, a PV guest is not given)",
                       argv[optind]);
    if (!o->kernel && !o->help)
        return errmsg(err, errlen, -1, "--kernel: give a bzImage or vmlinux file");
    if (o->control_stdin && !o->control)
        return errmsg(err, errlen, -1, "--control-stdin: only with --control");
    if (o->jail && o->reboot) /* a sealed process cannot build a new machine */
        return errmsg(err, errlen, -1, "--jail and --reboot: give one (a jailed VM cannot reboot "
                                       "in place; let the control program start it again)");
    return 0;
}
