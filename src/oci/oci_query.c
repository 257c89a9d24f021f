/* The read-only commands: state, list, ps, events. */
#include <dirent.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/option_loop.h"
#include "cp/proc_info.h"
#include "ctl/vm_control_client.h"
#include "oci/oci_runtime.h"
#include "oci/oci_state.h"
#include "util/parse.h"

#define STATS_TIMEOUT_MS 2000
#define LIST_MAX 100000 /* entries of --root looked at */

/* The state JSON of the OCI runtime spec (and runc's "created"). */
static json_t *state_doc(const struct oci_state *st)
{
    enum oci_status s = oci_state_status(st);
    json_t *j = json_pack("{s:s, s:s, s:i, s:s, s:s, s:s, s:s, s:s}", "ociVersion", "1.1.0", "id",
                          st->id, "pid", s == OCI_STOPPED ? 0 : (int)st->pid, "status",
                          oci_status_name(s), "bundle", st->bundle, "rootfs", st->rootfs,
                          "created", st->created, "owner", "");
    if (j)
        json_object_set_new(j, "annotations",
                            st->annotations ? json_copy(st->annotations) : json_object());
    return j;
}

static int print_json(json_t *j, size_t flags)
{
    int rc = j ? json_dumpf(j, stdout, flags) : -1;
    json_decref(j);
    putchar('\n');
    return rc;
}

static int load(const struct oci_runtime *rt, const char *cmd, const char *id,
                struct oci_state *st)
{
    char err[1024];
    if (oci_state_load(rt->root, id, st, err, sizeof err) < 0)
        return oci_fail(rt, "%s: %s", cmd, err);
    return 0;
}

int oci_state(const struct oci_runtime *rt, int argc, char **argv)
{
    char err[512];
    struct oci_state st;
    int i = oci_parse_args(argc, argv, NULL, NULL, NULL, 1, err, sizeof err);
    if (i < 0)
        return oci_fail(rt, "%s", err);
    if (load(rt, "state", argv[i], &st))
        return 1;
    print_json(state_doc(&st), JSON_INDENT(2));
    oci_state_free(&st);
    return 0;
}

struct format_opt {
    int json, quiet;
};

static int apply_format(int c, void *ctx, char *err, size_t errlen)
{
    struct format_opt *f = ctx;
    if (c == 'q') {
        f->quiet = 1;
        return 0;
    }
    if (c != 'f' || (strcmp(optarg, "json") && strcmp(optarg, "table")))
        return errmsg(err, errlen, -1, "--format: give table or json");
    f->json = !strcmp(optarg, "json");
    return 0;
}

static const struct option format_opts[] = {
    {"format", required_argument, NULL, 'f'}, {"quiet", no_argument, NULL, 'q'},
    {NULL, 0, NULL, 0},
};

int oci_list(const struct oci_runtime *rt, int argc, char **argv)
{
    struct format_opt f = {0};
    char err[512];
    if (option_loop(argc, argv, format_opts, apply_format, &f, err, sizeof err) < 0)
        return oci_fail(rt, "%s", err);
    if (optind < argc)
        return oci_fail(rt, "list: takes no container id");
    json_t *all = json_array();
    DIR *d = opendir(rt->root);
    struct dirent *e;
    for (unsigned n = 0; d && n < LIST_MAX && (e = readdir(d)); n++) {
        struct oci_state st;
        if (e->d_name[0] == '.' || oci_state_load(rt->root, e->d_name, &st, NULL, 0) < 0)
            continue;
        json_array_append_new(all, state_doc(&st));
        oci_state_free(&st);
    }
    if (d)
        closedir(d);
    if (f.json)
        return print_json(all, JSON_COMPACT) < 0;
    if (!f.quiet)
        printf("%-20s %-8s %-8s %s\n", "ID", "PID", "STATUS", "BUNDLE");
    size_t i;
    json_t *s;
    json_array_foreach(all, i, s) {
        if (f.quiet)
            printf("%s\n", json_string_value(json_object_get(s, "id")));
        else
            printf("%-20s %-8lld %-8s %s\n", json_string_value(json_object_get(s, "id")),
                   json_integer_value(json_object_get(s, "pid")),
                   json_string_value(json_object_get(s, "status")),
                   json_string_value(json_object_get(s, "bundle")));
    }
    json_decref(all);
    return 0;
}

/* The container's processes: the VM process alone (its threads are the
 * vCPU and I/O threads). Arguments after the id (ps options) are ignored. */
int oci_ps(const struct oci_runtime *rt, int argc, char **argv)
{
    struct format_opt f = {0};
    char err[512];
    struct oci_state st;
    int i = oci_parse_args(argc, argv, format_opts, apply_format, &f, 64, err, sizeof err);
    if (i < 0)
        return oci_fail(rt, "%s", err);
    if (load(rt, "ps", argv[i], &st))
        return 1;
    bool alive = oci_state_status(&st) != OCI_STOPPED;
    if (f.json)
        printf(alive ? "[%d]\n" : "[]\n", (int)st.pid);
    else if (alive)
        printf("PID CMD\n%d mica (VM %s)\n", (int)st.pid, st.id);
    else
        printf("PID CMD\n");
    oci_state_free(&st);
    return 0;
}

/* runc's stats event, with what a VM process can tell: its CPU time (the
 * guest's run time), its memory (the VM's RAM and the process's RSS). */
static json_t *stats_event(const struct oci_runtime *rt, const struct oci_state *st)
{
    char sock[OCI_PATH_MAX];
    json_t *reply = NULL;
    struct cp_error e;
    struct proc_info pi = {0};
    proc_info_read(st->pid, &pi);
    json_t *vm = NULL;
    if (oci_state_path(rt->root, st->id, "ctl.sock", sock, sizeof sock) == 0 &&
        vmctl_request(sock, "stats", STATS_TIMEOUT_MS, &reply, &e) == 0)
        vm = json_object_get(reply, "stats");
    json_int_t mem = json_integer_value(json_object_get(vm, "mem_bytes"));
    json_t *ev = json_pack(
        "{s:s, s:s, s:{s:{s:{s:I, s:I, s:I}}, s:{s:{s:I, s:I}}, s:{s:i}}}", "type", "stats", "id",
        st->id, "data", "cpu", "usage", "total", (json_int_t)pi.cpu_ns, "user",
        json_integer_value(json_object_get(vm, "run_ns")), "kernel", (json_int_t)0, "memory",
        "usage", "usage", (json_int_t)pi.rss_bytes, "limit", mem, "pids", "current", 1);
    json_decref(reply);
    return ev;
}

struct events_opt {
    int stats;
    uint64_t interval_ns;
};

static int apply_events(int c, void *ctx, char *err, size_t errlen)
{
    struct events_opt *o = ctx;
    if (c == 's') {
        o->stats = 1;
        return 0;
    }
    char secs[32];
    snprintf(secs, sizeof secs, "%s", optarg);
    size_t n = strlen(secs);
    if (n && secs[n - 1] == 's') /* runc takes Go durations: "5s" */
        secs[n - 1] = 0;
    if (parse_seconds(secs, &o->interval_ns) < 0)
        return errmsg(err, errlen, -1, "--interval %s: give seconds, like 5s", optarg);
    return 0;
}

int oci_events(const struct oci_runtime *rt, int argc, char **argv)
{
    static const struct option opts[] = {
        {"stats", no_argument, NULL, 's'}, {"interval", required_argument, NULL, 'i'},
        {NULL, 0, NULL, 0},
    };
    struct events_opt o = {.interval_ns = 5000000000ull};
    char err[512];
    struct oci_state st;
    int i = oci_parse_args(argc, argv, opts, apply_events, &o, 1, err, sizeof err);
    if (i < 0)
        return oci_fail(rt, "%s", err);
    if (load(rt, "events", argv[i], &st))
        return 1;
    int rc = 0;
    do {
        if (oci_state_status(&st) == OCI_STOPPED) {
            rc = o.stats ? oci_fail(rt, "events: container %s is not running", st.id) : 0;
            break;
        }
        print_json(stats_event(rt, &st), JSON_COMPACT);
        fflush(stdout);
        if (!o.stats)
            nanosleep(&(struct timespec){(time_t)(o.interval_ns / 1000000000ull),
                                         (long)(o.interval_ns % 1000000000ull)}, NULL);
    } while (!o.stats);
    oci_state_free(&st);
    return rc;
}
