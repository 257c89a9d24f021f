/* mica-runc's global options and its command table. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/option_loop.h"
#include "oci/oci_runtime.h"
#include "oci/oci_state.h"
#include "util/version.h"

struct command {
    const char *name;
    int (*run)(const struct oci_runtime *rt, int argc, char **argv);
};

static const struct command commands[] = {
    {"create", oci_create}, {"start", oci_start},       {"state", oci_state},
    {"list", oci_list},     {"kill", oci_kill},         {"delete", oci_delete},
    {"ps", oci_ps},         {"pause", oci_pause},       {"resume", oci_resume},
    {"events", oci_events}, {"features", oci_features}, {NULL, NULL},
};

/* runc commands a mica VM cannot do, and why. */
static const struct {
    const char *name, *why;
} refused[] = {
    {"exec", "a mica VM runs one guest program; no process can be added to it"},
    {"run", "use create and start (containerd's shim does)"},
    {"checkpoint", "VM snapshots are not available through mica-runc yet"},
    {"restore", "VM snapshots are not available through mica-runc yet"},
    {"update", "a running VM's resources cannot be changed through mica-runc yet"},
    {"spec", "write config.json yourself or with 'runc spec' (docs/oci.md)"},
    {NULL, NULL},
};

int oci_parse_args(int argc, char **argv, const struct option *opts,
                   int (*apply)(int opt, void *ctx, char *err, size_t errlen), void *ctx,
                   int max_operands, char *err, size_t errlen)
{
    static const struct option none[] = {{NULL, 0, NULL, 0}};
    if (option_loop(argc, argv, opts ? opts : none, apply, ctx, err, errlen) < 0)
        return -1;
    int operands = argc - optind;
    if (operands < 1 || operands > max_operands)
        return errmsg(err, errlen, -1, "%s: give the container id%s", argv[0],
                      max_operands > 1 ? " (and what follows it)" : " and nothing else");
    if (oci_id_check(argv[optind], err, errlen) < 0)
        return -1;
    return optind;
}

static int print_version(void)
{
    printf("mica-runc version %s\nspec: 1.1.0\n", mica_version());
    return 0;
}

static int usage(FILE *out)
{
    fputs("usage: mica-runc [--root DIR] [--log FILE] [--log-format text|json] [--systemd-cgroup]\n"
          "                 COMMAND [OPTIONS] ID ...\n"
          "  (also 'mica oci ...')  A runc-compatible runtime that runs each container as a mica\n"
          "  VM: see docs/oci.md.\n"
          "commands: create start state list kill delete ps pause resume events features\n",
          out);
    return out == stdout ? 0 : 1;
}

struct globals {
    struct oci_runtime *rt;
    int version, help;
};

static int apply_global(int c, void *ctx, char *err, size_t errlen)
{
    struct globals *g = ctx;
    switch (c) {
    case 'r': g->rt->root = optarg; return 0;
    case 'l': g->rt->log_path = optarg; return 0;
    case 'f':
        if (strcmp(optarg, "json") && strcmp(optarg, "text"))
            return errmsg(err, errlen, -1, "--log-format %s: give text or json", optarg);
        g->rt->log_json = !strcmp(optarg, "json");
        return 0;
    case 'v': g->version = 1; return 0;
    case 'h': g->help = 1; return 0;
    case 'i': return 0; /* harmless: --debug, --systemd-cgroup, --rootless, --criu (docs/oci.md) */
    default: return errmsg(err, errlen, -1, "unknown global option");
    }
}

static int find_command(const struct oci_runtime *rt, int argc, char **argv)
{
    for (const struct command *c = commands; c->name; c++)
        if (!strcmp(argv[0], c->name))
            return c->run(rt, argc, argv);
    for (size_t i = 0; refused[i].name; i++)
        if (!strcmp(argv[0], refused[i].name))
            return oci_fail(rt, "%s is not supported: %s", argv[0], refused[i].why);
    return oci_fail(rt, "unknown command '%s' (see 'mica-runc --help')", argv[0]);
}

int oci_main(int argc, char **argv, int (*run_vm)(int argc, char **argv))
{
    static const struct option opts[] = {
        {"root", required_argument, NULL, 'r'},   {"log", required_argument, NULL, 'l'},
        {"log-format", required_argument, NULL, 'f'}, {"version", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},         {"debug", no_argument, NULL, 'i'},
        {"systemd-cgroup", no_argument, NULL, 'i'}, {"rootless", required_argument, NULL, 'i'},
        {"criu", required_argument, NULL, 'i'},   {NULL, 0, NULL, 0},
    };
    struct oci_runtime rt = {.root = OCI_DEFAULT_ROOT, .run_vm = run_vm};
    struct globals g = {.rt = &rt};
    char err[512];
    /* Global options stop at the command ("+"): its own options follow it. */
    optind = 0;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "+:vh", opts, NULL)) != -1) {
        if (c == ':')
            return oci_fail(&rt, "option '%s' needs a value", argv[optind - 1]);
        if (c == '?')
            return oci_fail(&rt, "unknown global option '%s' (see 'mica-runc --help')",
                            argv[optind - 1]);
        if (apply_global(c, &g, err, sizeof err) < 0)
            return oci_fail(&rt, "%s", err);
    }
    int n = optind;
    if (g.version)
        return print_version();
    if (g.help)
        return usage(stdout);
    if (n >= argc)
        return usage(stderr);
    if (rt.root[0] != '/')
        return oci_fail(&rt, "--root %s: give an absolute path", rt.root);
    return find_command(&rt, argc - n, argv + n);
}
