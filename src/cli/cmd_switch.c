/* `mica switch`: a virtual switch and firewall-router process for VIFs of
 * VMs in other processes (run/net_switch.h, docs/network.md). */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/switch_options.h"
#include "cli/option_loop.h"
#include "run/exit_status.h"
#include "run/net_switch.h"
#include "util/log.h"

const char switch_usage[] =
    "usage: mica switch PATH [--rule RULE]... [--default allow|deny] [--tap NAME]\n"
    "  Runs a virtual switch and firewall-router: VMs plug in with\n"
    "  `mica run GUEST --net switch=PATH,mac=MAC,ip=A.B.C.D`. Every frame is checked:\n"
    "  a VIF sends only from its own MAC and IP (anti-spoofing), then the first rule\n"
    "  that matches decides, else the default policy (allow unless --default deny).\n"
    "  RULE is ACTION[,from=VIF][,ether=arp|ipv4|0xHHHH][,proto=tcp|udp|icmp|N]\n"
    "  [,src=A.B.C.D[/LEN]][,dst=A.B.C.D[/LEN]][,sport=N[-M]][,dport=N[-M]], ACTION\n"
    "  allow or deny; e.g. --rule deny,proto=udp,dport=9. --tap NAME adds an uplink to\n"
    "  a host tap device it creates (needs CAP_NET_ADMIN). SIGUSR1 prints the counters\n"
    "  of every port and rule; SIGTERM or SIGINT print them and end the switch.\n";

struct parsed {
    struct net_switch_config *c;
    int help;
};

static int apply(int opt, void *ctx, char *err, size_t errlen)
{
    struct parsed *p = ctx;
    struct net_switch_config *c = p->c;
    switch (opt) {
    case 'r':
        if (c->nrules == VFR_RULES_MAX)
            return errmsg(err, errlen, -1, "switch: more than %d rules", VFR_RULES_MAX);
        return vfr_rule_parse(optarg, &c->rules[c->nrules++], err, errlen);
    case 'd':
        if (!strcmp(optarg, "allow"))
            c->default_action = VFR_ALLOW;
        else if (!strcmp(optarg, "deny"))
            c->default_action = VFR_DENY;
        else
            return errmsg(err, errlen, -1, "--default '%s': give allow or deny", optarg);
        return 0;
    case 't':
        c->tap = optarg;
        return 0;
    case 'h':
        p->help = 1;
        return 0;
    default:
        return errmsg(err, errlen, -1, "unknown option (see 'mica switch --help')");
    }
}

/* 0, 1 for --help, or -1 with one line in err. */
int switch_options_parse(int argc, char **argv, struct net_switch_config *c, char *err,
                         size_t errlen)
{
    static const struct option longopts[] = {
        {"rule", required_argument, NULL, 'r'}, {"default", required_argument, NULL, 'd'},
        {"tap", required_argument, NULL, 't'},  {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    memset(c, 0, sizeof *c);
    struct parsed p = {.c = c};
    if (option_loop(argc, argv, longopts, apply, &p, err, errlen) < 0)
        return -1;
    if (p.help)
        return 1;
    if (optind != argc - 1)
        return errmsg(err, errlen, -1, "switch: give one socket PATH (see 'mica switch --help')");
    c->path = argv[optind];
    return 0;
}

int cmd_switch(int argc, char **argv)
{
    static struct net_switch_config cfg;
    char err[512];
    int rc = switch_options_parse(argc, argv, &cfg, err, sizeof err);
    if (rc < 0) {
        mica_error("%s", err);
        return MICA_STATUS_ERROR;
    }
    if (rc > 0) {
        fputs(switch_usage, stdout);
        return 0;
    }
    return net_switch_run(&cfg);
}
