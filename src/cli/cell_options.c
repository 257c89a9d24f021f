#include "cli/cell_options.h"

#include <stdlib.h>
#include <string.h>

#include "cli/option_loop.h"
#include "cli/run_options.h"
#include "cli/run_shared_options.h"
#include "sched/dispatcher.h"
#include "sched/policy.h"
#include "util/errmsg.h"
#include "util/parse.h"

const char cell_usage[] =
    "usage: mica cell [--workers N] [--timeout SECONDS] [--mem MIB] [--quiet] [--stats]\n"
    "                 [--control DIR] [--settle SECONDS] GUEST.elf[,KEY=VALUE...]...\n"
    "  Runs several paravirtualized guests in this one process (a cell): a few worker\n"
    "  threads (default: one per host CPU) run their vCPUs under mica's Borrowed Virtual\n"
    "  Time dispatcher, not the host's scheduler; a blocked guest costs no CPU. Each\n"
    "  guest's output lines are prefixed with its name. Ends when every guest has ended\n"
    "  (or at --timeout, 124; Ctrl-C, 130), then prints each guest's end and share of CPU\n"
    "  on stderr. Status: 139 if a guest crashed (only that guest ends), else the first\n"
    "  non-zero guest exit code, else 0; 125 for a mica error.\n"
    "  Keys of a guest spec:\n"
    "    name=NAME        its name (default: the file's base name)\n"
    "    mem=MIB          its memory (default --mem, 32)\n"
    "    weight=W         its share of CPU, relative, 1..10000 (default 100)\n"
    "    warp-us=US       BVT warp: how far back its virtual time goes when it wakes\n"
    "    warp-limit-us=US how long it may run warped (required with warp-us)\n"
    "    unwarp-us=US     the least time between two warps\n"
    "    count=N          N copies, named NAME-1..NAME-N\n"
    "    arg=A            an argument for the guest (repeat for more)\n"
    "  --quiet drops guest output; --stats adds the dispatcher's counters and the\n"
    "  wake-up-to-run latency of the guests' events. --control DIR serves each guest's\n"
    "  control channel at DIR/NAME.sock (pause, resume, shutdown, stats, console, and\n"
    "  sched: 'mica sched --control DIR/NAME.sock --weight W' changes its BVT\n"
    "  parameters while it runs); guest names must then differ. --settle SECONDS counts\n"
    "  the shares only from then on (start-up excluded).\n";

#define US 1000ull

static int apply_option(int c, void *ctx, char *err, size_t errlen)
{
    struct cell_options *o = ctx;
    uint64_t v;
    switch (c) {
    case 'w':
        if (parse_u64(optarg, 1, DISPATCHER_MAX_WORKERS, &v) < 0)
            return errmsg(err, errlen, -1, "--workers '%s': give 1 to %u", optarg, DISPATCHER_MAX_WORKERS);
        o->workers = (unsigned)v;
        return 0;
    case 't':
        return run_option_timeout(optarg, &o->timeout_ns, err, errlen);
    case 'm':
        return run_option_mem("--mem", optarg, &o->mem_mib, err, errlen);
    case 'q':
        o->quiet = 1;
        return 0;
    case 's':
        o->stats = 1;
        return 0;
    case 'h':
        o->help = 1;
        return 0;
    case 'c':
        o->control = optarg;
        return 0;
    case 'S':
        if (parse_seconds(optarg, &o->settle_ns) < 0)
            return errmsg(err, errlen, -1, "--settle '%s': give seconds, more than 0 and at most 86400", optarg);
        return 0;
    default:
        return errmsg(err, errlen, -1, "unknown option (see 'mica cell --help')");
    }
}

/* A duration key in microseconds into ns, within max_ns. */
static int micros(const char *spec, const char *key, const char *val, uint64_t max_ns, uint64_t *ns,
                  char *err, size_t errlen)
{
    uint64_t us;
    if (parse_u64(val, 0, max_ns / US, &us) < 0)
        return errmsg(err, errlen, -1, "guest %s: %s '%s': give microseconds, 0 to %llu", spec, key, val,
                      (unsigned long long)(max_ns / US));
    *ns = us * US;
    return 0;
}

static int apply_key(struct cell_guest_spec *g, const char *key, char *val, char *err, size_t errlen)
{
    uint64_t v;
    if (!strcmp(key, "name")) {
        g->name = val;
        return run_option_name("name=", val, err, errlen);
    }
    if (!strcmp(key, "mem"))
        return run_option_mem("mem=", val, &g->mem_mib, err, errlen);
    if (!strcmp(key, "weight")) {
        if (parse_u64(val, 1, SCHED_WEIGHT_MAX, &v) < 0)
            return errmsg(err, errlen, -1, "guest %s: weight '%s': give 1 to %u", g->path, val,
                          SCHED_WEIGHT_MAX);
        g->params.weight = (uint32_t)v;
        return 0;
    }
    if (!strcmp(key, "warp-us"))
        return micros(g->path, key, val, SCHED_WARP_MAX_NS, &g->params.warp_ns, err, errlen);
    if (!strcmp(key, "warp-limit-us"))
        return micros(g->path, key, val, SCHED_WARP_LIMIT_MAX_NS, &g->params.warp_limit_ns, err, errlen);
    if (!strcmp(key, "unwarp-us"))
        return micros(g->path, key, val, SCHED_UNWARP_MAX_NS, &g->params.unwarp_ns, err, errlen);
    if (!strcmp(key, "count")) {
        if (parse_u64(val, 1, CELL_SPEC_COUNT_MAX, &v) < 0)
            return errmsg(err, errlen, -1, "guest %s: count '%s': give 1 to %u", g->path, val,
                          CELL_SPEC_COUNT_MAX);
        g->count = (unsigned)v;
        return 0;
    }
    if (!strcmp(key, "arg")) {
        if (g->argc == CELL_GUEST_ARGS_MAX)
            return errmsg(err, errlen, -1, "guest %s: more than %d arg=", g->path, CELL_GUEST_ARGS_MAX);
        g->argv[g->argc++] = val;
        return 0;
    }
    return errmsg(err, errlen, -1, "guest %s: unknown key '%s' (see 'mica cell --help')", g->path, key);
}

/* Splits "PATH,k=v,k=v" in place. An arg= value cannot hold a ','. */
static int parse_spec(char *text, uint64_t mem_mib, struct cell_guest_spec *g, char *err, size_t errlen)
{
    *g = (struct cell_guest_spec){.mem_mib = mem_mib, .params = sched_params_default(), .count = 1};
    char *save = NULL;
    g->path = strtok_r(text, ",", &save);
    if (!g->path || !*g->path)
        return errmsg(err, errlen, -1, "empty guest spec");
    for (char *kv; (kv = strtok_r(NULL, ",", &save));) {
        char *eq = strchr(kv, '=');
        if (!eq)
            return errmsg(err, errlen, -1, "guest %s: '%s' is not KEY=VALUE", g->path, kv);
        *eq = '\0';
        if (apply_key(g, kv, eq + 1, err, errlen) < 0)
            return -1;
    }
    if (g->params.warp_ns && !g->params.warp_limit_ns)
        return errmsg(err, errlen, -1, "guest %s: warp-us needs warp-limit-us", g->path);
    return 0;
}

static int parse_specs(int n, char **texts, struct cell_options *o, char *err, size_t errlen)
{
    if (n == 0)
        return errmsg(err, errlen, -1, "no guest given (see 'mica cell --help')");
    if (n > (int)CELL_SPEC_COUNT_MAX)
        return errmsg(err, errlen, -1, "more than %u guests", CELL_SPEC_COUNT_MAX);
    o->specs = calloc((size_t)n, sizeof *o->specs);
    if (!o->specs)
        return errmsg(err, errlen, -1, "out of memory");
    for (int i = 0; i < n; i++) {
        if (parse_spec(texts[i], o->mem_mib, &o->specs[i], err, errlen) < 0)
            return -1;
        o->nspecs++;
        o->guests += o->specs[i].count;
        if (o->guests > CELL_SPEC_COUNT_MAX)
            return errmsg(err, errlen, -1, "more than %u guests", CELL_SPEC_COUNT_MAX);
    }
    return 0;
}

int cell_options_parse(int argc, char **argv, struct cell_options *o, char *err, size_t errlen)
{
    static const struct option longopts[] = {
        {"workers", required_argument, NULL, 'w'}, {"timeout", required_argument, NULL, 't'},
        {"mem", required_argument, NULL, 'm'},     {"quiet", no_argument, NULL, 'q'},
        {"stats", no_argument, NULL, 's'},         {"help", no_argument, NULL, 'h'},
        {"control", required_argument, NULL, 'c'}, {"settle", required_argument, NULL, 'S'},
        {NULL, 0, NULL, 0},
    };
    memset(o, 0, sizeof *o);
    o->mem_mib = RUN_DEFAULT_MEM_MIB;
    if (option_loop(argc, argv, longopts, apply_option, o, err, errlen) < 0)
        return -1;
    if (o->help)
        return 0;
    return parse_specs(argc - optind, argv + optind, o, err, errlen);
}

void cell_options_free(struct cell_options *o)
{
    free(o->specs);
    o->specs = NULL;
}
