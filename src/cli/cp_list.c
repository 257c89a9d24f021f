/* mica list / info / top */
#include "cli/cp_client.h"
#include "cli/cp_commands.h"
#include "util/parse.h"

#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <termios.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/time.h"

static long long field_int(json_t *obj, const char *key)
{
    return (long long)json_integer_value(json_object_get(obj, key));
}

static const char *field_str(json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));
    return s ? s : "";
}

/* The NAME column fits the longest name (up to 63 characters), at least min. */
static int name_width(json_t *vms, int min)
{
    int width = min;
    size_t i;
    json_t *vm;
    json_array_foreach(vms, i, vm) {
        int len = (int)strlen(field_str(vm, "name"));
        width = len > width ? len : width;
    }
    return width;
}

static int fetch_vms(int detailed, json_t **vms)
{
    return cp_call("list", "GET", detailed ? "/v1/vms?detail=1" : "/v1/vms", NULL, vms);
}

/* Pages KSM merged, in MiB (0 when unknown). */
static double shared_mib(json_t *vm)
{
    return json_number_value(json_object_get(json_object_get(vm, "memory"), "shared_mib"));
}

/* "current/target" MiB of the balloon, or "-" when the VMM did not say. */
static const char *balloon_text(json_t *vm, char *buf, size_t len)
{
    json_t *mem = json_object_get(vm, "memory");
    json_t *cur = json_object_get(mem, "current_mib"), *target = json_object_get(mem, "target_mib");
    if (!json_is_integer(cur) || !json_is_integer(target))
        return "-";
    snprintf(buf, len, "%lld/%lld", (long long)json_integer_value(cur),
             (long long)json_integer_value(target));
    return buf;
}

/* list's options, turned into the query of GET /v1/vms. */
struct list_options {
    bool json, quiet;
    char query[512];
};

static int parse_list(int argc, char **argv, struct list_options *o)
{
    size_t used = 0;
    for (int i = 1; i < argc; i++) {
        const char *key = NULL;
        if (strcmp(argv[i], "--json") == 0)
            o->json = true;
        else if (strcmp(argv[i], "-q") == 0 || strcmp(argv[i], "--quiet") == 0)
            o->quiet = true;
        else if (strcmp(argv[i], "--state") == 0 || strcmp(argv[i], "--name") == 0)
            key = argv[i] + 2;
        else if (argv[i][0] == '-')
            return cp_bad_option("list", argv[i]);
        else
            return cp_usage("list", "list takes no VM NAME (use --name GLOB)");
        if (!key)
            continue;
        if (++i >= argc)
            return cp_usage("list", key[0] == 's' ? "option '--state' needs a value"
                                                  : "option '--name' needs a value");
        char *value = cp_url_escape(argv[i]);
        int n = snprintf(o->query + used, sizeof o->query - used, "%c%s=%s",
                         used ? '&' : '?', key, value ? value : "");
        free(value);
        if (n < 0 || (size_t)n >= sizeof o->query - used)
            return cp_usage("list", "the filters are too long");
        used += (size_t)n;
    }
    return 0;
}

static void print_table(json_t *vms)
{
    int w = name_width(vms, 24);
    printf("%-*s %6s %s %-5s %5s %8s %11s %10s\n", w, "NAME", "ID", "S", "KIND", "VCPUS",
           "MEM(MiB)", "SHARED(MiB)", "CPU(s)");
    size_t i;
    json_t *vm;
    json_array_foreach(vms, i, vm) {
        double cpu = (double)field_int(json_object_get(vm, "stats"), "cpu_ns") / 1e9;
        printf("%-*s %6lld %s %-5s %5lld %8lld %11.1f %10.2f\n", w, field_str(vm, "name"),
               field_int(vm, "id"), field_str(vm, "state_letter"), field_str(vm, "kind"),
               field_int(vm, "vcpus"), field_int(vm, "mem_mib"), shared_mib(vm), cpu);
    }
}

int cmd_list(int argc, char **argv)
{
    cp_client_take_socket_option(&argc, argv);
    struct list_options o = {0};
    int rc = parse_list(argc, argv, &o);
    if (rc)
        return rc;
    char path[600];
    snprintf(path, sizeof path, "/v1/vms%s", o.query);
    json_t *reply;
    if (cp_call("list", "GET", path, NULL, &reply))
        return 1;
    json_t *vms = json_object_get(reply, "vms");
    size_t i;
    json_t *vm;
    if (o.json)
        print_json(vms);
    else if (o.quiet)
        json_array_foreach(vms, i, vm)
            puts(field_str(vm, "name"));
    else
        print_table(vms);
    json_decref(reply);
    return 0;
}

static void print_pv_fields(json_t *vm)
{
    char *args = json_dumps(json_object_get(vm, "args"), JSON_COMPACT);
    printf("guest:     %s\nargs:      %s\n", field_str(vm, "guest"), args ? args : "[]");
    free(args);
}

static void print_linux_fields(json_t *vm)
{
    printf("kernel:    %s\n", field_str(vm, "kernel"));
    if (json_is_string(json_object_get(vm, "initrd")))
        printf("initrd:    %s\n", field_str(vm, "initrd"));
    if (json_is_string(json_object_get(vm, "cmdline")))
        printf("cmdline:   %s\n", field_str(vm, "cmdline"));
    size_t i;
    json_t *disk;
    json_array_foreach(json_object_get(vm, "disks"), i, disk)
        printf("disk:      %s%s\n", field_str(disk, "path"),
               json_is_true(json_object_get(disk, "readonly")) ? " (read-only)" : "");
    if (json_is_true(json_object_get(vm, "rng")))
        printf("rng:       virtio-rng\n");
}

/* The counters under their own heading, indented; vcpus is shown above. */
static void print_stats(json_t *stats)
{
    const char *key;
    json_t *value;
    bool heading = false;
    json_object_foreach(stats, key, value) {
        if (!json_is_integer(value) || strcmp(key, "vcpus") == 0)
            continue;
        if (!heading)
            printf("stats:\n");
        heading = true;
        printf("  %-14s %lld\n", key, (long long)json_integer_value(value));
    }
}

static void print_info(json_t *vm)
{
    json_t *stats = json_object_get(vm, "stats"), *exit_code = json_object_get(vm, "exit_code");
    printf("name:      %s\nid:        %lld\nstate:     %s (%s)\n", field_str(vm, "name"),
           field_int(vm, "id"), field_str(vm, "state"), field_str(vm, "state_letter"));
    printf("kind:      %s\n", field_str(vm, "kind"));
    printf("owner:     uid %lld gid %lld\n", field_int(vm, "owner_uid"), field_int(vm, "owner_gid"));
    if (strcmp(field_str(vm, "kind"), "linux") == 0)
        print_linux_fields(vm);
    else
        print_pv_fields(vm);
    char balloon[64];
    printf("memory:    %lld MiB maximum, current/target %s MiB, shared %.1f MiB\n"
           "vcpus:     %lld\nbackend:   %s\n",
           field_int(vm, "mem_mib"), balloon_text(vm, balloon, sizeof balloon), shared_mib(vm),
           field_int(vm, "vcpus"), field_str(vm, "backend"));
    printf("autostart: %s\n", json_is_true(json_object_get(vm, "autostart")) ? "on" : "off");
    if (json_is_integer(exit_code))
        printf("exit code: %lld\n", (long long)json_integer_value(exit_code));
    print_stats(stats);
    json_t *event;
    size_t i;
    json_array_foreach(json_object_get(vm, "events"), i, event) {
        time_t t = (time_t)(field_int(event, "time_ns") / 1000000000);
        char stamp[32];
        strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S", localtime(&t));
        printf("event:     %s %s\n", stamp, field_str(event, "event"));
    }
    const char *report = json_string_value(json_object_get(vm, "crash_report"));
    if (report)
        printf("crash report:\n%s\n", report);
}

int cmd_info(int argc, char **argv)
{
    cp_client_take_socket_option(&argc, argv);
    int as_json = argc == 3 && strcmp(argv[2], "--json") == 0;
    for (int i = 1; i < argc; i++)
        if (strncmp(argv[i], "--", 2) == 0 && strcmp(argv[i], "--json") != 0)
            return cp_bad_option("info", argv[i]);
    if (argc != 2 && !as_json)
        return cp_usage("info", NULL);
    json_t *vm;
    int rc = cp_call_vm("info", "GET", argv[1], "", &vm);
    if (rc)
        return rc;
    if (as_json)
        print_json(vm);
    else
        print_info(vm);
    json_decref(vm);
    return 0;
}

/* ---- top ------------------------------------------------------------------ */

static double now_s(void) { return (double)monotonic_ns() / 1e9; }

/* CPU% since the previous frame: previous cpu_ns per VM id is kept in `prev`. */
static double cpu_percent(json_t *prev, json_t *vm, double elapsed)
{
    char id[32];
    snprintf(id, sizeof id, "%lld", field_int(vm, "id"));
    long long cpu = field_int(json_object_get(vm, "stats"), "cpu_ns");
    json_t *before = json_object_get(prev, id);
    double pct = before && elapsed > 0
                     ? (double)(cpu - json_integer_value(before)) / 1e9 / elapsed * 100.0
                     : 0.0;
    json_object_set_new(prev, id, json_integer(cpu));
    return pct;
}

static void draw_frame(json_t *vms, json_t *prev, double elapsed, int clear)
{
    if (clear)
        fputs("\033[H\033[2J", stdout);
    printf("mica top - %zu VMs\n", json_array_size(vms));
    int w = name_width(vms, 20);
    printf("%-*s %6s %s %6s %8s %11s %9s %8s %10s %10s %10s\n", w, "NAME", "ID", "S", "CPU%",
           "MEM(MiB)", "CUR/TARGET", "RSS(MiB)", "SHARED", "CPU(s)", "EXITS", "HYPERCALLS");
    size_t i;
    json_t *vm;
    json_array_foreach(vms, i, vm) {
        json_t *st = json_object_get(vm, "stats");
        char balloon[64];
        printf("%-*s %6lld %s %6.1f %8lld %11s %9.1f %8.1f %10.2f %10lld %10lld\n", w,
               field_str(vm, "name"), field_int(vm, "id"), field_str(vm, "state_letter"),
               cpu_percent(prev, vm, elapsed), field_int(vm, "mem_mib"),
               balloon_text(vm, balloon, sizeof balloon),
               (double)field_int(st, "rss_bytes") / (1024.0 * 1024.0), shared_mib(vm),
               (double)field_int(st, "cpu_ns") / 1e9, field_int(st, "exits"),
               field_int(st, "hypercalls"));
    }
    fflush(stdout);
}

/* Options of top: 0, or a usage error's status. */
static int parse_top(int argc, char **argv, uint64_t *delay_ns, long *iterations)
{
    for (int i = 1; i < argc; i += 2) { /* each option takes a value */
        uint64_t n;
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(argv[i], "--delay") != 0 && strcmp(argv[i], "--iterations") != 0)
            return cp_bad_option("top", argv[i]);
        if (!value)
            return cp_usage("top", argv[i][2] == 'd' ? "option '--delay' needs a value"
                                                     : "option '--iterations' needs a value");
        if (argv[i][2] == 'd' && parse_seconds(value, delay_ns) < 0)
            return cp_usage("top", "--delay wants seconds > 0 (at most a day), as 1 or 0.5");
        if (argv[i][2] == 'i' && parse_u64(value, 1, 1000000000, &n) < 0)
            return cp_usage("top", "--iterations wants a whole number >= 1");
        if (argv[i][2] == 'i')
            *iterations = (long)n;
    }
    return 0;
}

/* Keys while top runs: the terminal (when stdin is one) answers each key
 * unechoed.  Returns the restore state's validity. */
static bool keys_unbuffered(struct termios *saved)
{
    if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, saved) < 0)
        return false;
    struct termios t = *saved;
    t.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
    t.c_cc[VMIN] = 1;
    t.c_cc[VTIME] = 0;
    tcsetattr(STDIN_FILENO, TCSANOW, &t);
    return true;
}

/* Waits up to ns for a key; true when it was q (or Q): quit.  Input that
 * ends (not a terminal, /dev/null) stops being watched. */
static bool wait_for_quit(uint64_t ns, bool *stdin_open)
{
    struct pollfd p = {.fd = *stdin_open ? STDIN_FILENO : -1, .events = POLLIN};
    double until = now_s() + (double)ns / 1e9;
    for (double left; (left = until - now_s()) > 0;) {
        if (poll(&p, 1, (int)(left * 1000) + 1) <= 0 || !p.revents)
            continue;
        char c;
        if (read(STDIN_FILENO, &c, 1) != 1) {
            *stdin_open = false;
            p.fd = -1;
        } else if (c == 'q' || c == 'Q') {
            return true;
        }
    }
    return false;
}

/* The first screen's CPU% needs two samples: this first one, a moment
 * before, fills prev. */
static int first_sample(json_t *prev, double *at)
{
    json_t *reply;
    if (fetch_vms(1, &reply))
        return 1;
    *at = now_s();
    size_t i;
    json_t *vm;
    json_array_foreach(json_object_get(reply, "vms"), i, vm)
        cpu_percent(prev, vm, 0);
    json_decref(reply);
    return 0;
}

static int top_loop(uint64_t delay_ns, long iterations)
{
    json_t *prev = json_object();
    double last;
    int clear = isatty(STDOUT_FILENO), rc = 0;
    bool stdin_open = true;
    if ((rc = first_sample(prev, &last)) != 0) {
        json_decref(prev);
        return rc;
    }
    nanosleep(&(struct timespec){0, 200000000}, NULL); /* the first screen comes soon */
    for (long n = 0; iterations < 0 || n < iterations; n++) {
        json_t *reply;
        if (fetch_vms(1, &reply)) {
            rc = 1;
            break;
        }
        double t = now_s();
        draw_frame(json_object_get(reply, "vms"), prev, t - last, clear);
        last = t;
        json_decref(reply);
        if ((iterations < 0 || n + 1 < iterations) && wait_for_quit(delay_ns, &stdin_open))
            break;
    }
    json_decref(prev);
    return rc;
}

int cmd_top(int argc, char **argv)
{
    cp_client_take_socket_option(&argc, argv);
    uint64_t delay_ns = 1000000000;
    long iterations = -1;
    int rc = parse_top(argc, argv, &delay_ns, &iterations);
    if (rc)
        return rc;
    struct termios saved;
    bool tty = keys_unbuffered(&saved);
    rc = top_loop(delay_ns, iterations);
    if (tty)
        tcsetattr(STDIN_FILENO, TCSANOW, &saved);
    return rc;
}
