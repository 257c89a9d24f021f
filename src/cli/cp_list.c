/* mica list / info / top */
#include "cli/cp_client.h"
#include "cli/cp_commands.h"

#include <signal.h>
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

static void print_json(json_t *j)
{
    char *text = json_dumps(j, JSON_INDENT(2));
    if (text)
        puts(text);
    free(text);
}

static int fetch_vms(int detailed, json_t **vms)
{
    return cp_call("list", "GET", detailed ? "/v1/vms?detail=1" : "/v1/vms", NULL, vms);
}

int cmd_list(int argc, char **argv)
{
    cp_client_take_socket_option(&argc, argv);
    int as_json = argc == 2 && strcmp(argv[1], "--json") == 0;
    if (argc != 1 && !as_json) {
        fprintf(stderr, "usage: mica list [--json]\n");
        return 2;
    }
    json_t *reply;
    if (fetch_vms(0, &reply))
        return 1;
    json_t *vms = json_object_get(reply, "vms");
    if (as_json) {
        print_json(vms);
    } else {
        printf("%-24s %6s %s %-5s %5s %8s %10s\n", "NAME", "ID", "S", "KIND", "VCPUS", "MEM(MiB)",
               "CPU(s)");
        size_t i;
        json_t *vm;
        json_array_foreach(vms, i, vm) {
            double cpu = (double)field_int(json_object_get(vm, "stats"), "cpu_ns") / 1e9;
            printf("%-24s %6lld %s %-5s %5lld %8lld %10.2f\n", field_str(vm, "name"),
                   field_int(vm, "id"), field_str(vm, "state_letter"), field_str(vm, "kind"),
                   field_int(vm, "vcpus"), field_int(vm, "mem_mib"), cpu);
        }
    }
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
    printf("memory:    %lld MiB\nvcpus:     %lld\nbackend:   %s\n", field_int(vm, "mem_mib"),
           field_int(vm, "vcpus"), field_str(vm, "backend"));
    if (json_is_integer(exit_code))
        printf("exit code: %lld\n", (long long)json_integer_value(exit_code));
    const char *key;
    json_t *value;
    json_object_foreach(stats, key, value) {
        if (json_is_integer(value))
            printf("%-10s %lld\n", key, (long long)json_integer_value(value));
    }
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
    if (argc != 2 && !as_json) {
        fprintf(stderr, "usage: mica info NAME [--json]\n");
        return 2;
    }
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
    printf("%-20s %6s %s %6s %8s %9s %10s %10s %10s\n", "NAME", "ID", "S", "CPU%", "MEM(MiB)",
           "RSS(MiB)", "CPU(s)", "EXITS", "HYPERCALLS");
    size_t i;
    json_t *vm;
    json_array_foreach(vms, i, vm) {
        json_t *st = json_object_get(vm, "stats");
        printf("%-20s %6lld %s %6.1f %8lld %9.1f %10.2f %10lld %10lld\n", field_str(vm, "name"),
               field_int(vm, "id"), field_str(vm, "state_letter"),
               cpu_percent(prev, vm, elapsed), field_int(vm, "mem_mib"),
               (double)field_int(st, "rss_bytes") / (1024.0 * 1024.0),
               (double)field_int(st, "cpu_ns") / 1e9, field_int(st, "exits"),
               field_int(st, "hypercalls"));
    }
    fflush(stdout);
}

int cmd_top(int argc, char **argv)
{
    cp_client_take_socket_option(&argc, argv);
    double delay = 1.0;
    long iterations = -1;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--delay") == 0 && i + 1 < argc)
            delay = strtod(argv[++i], NULL);
        else if (strcmp(argv[i], "--iterations") == 0 && i + 1 < argc)
            iterations = strtol(argv[++i], NULL, 10);
        else {
            fprintf(stderr, "usage: mica top [--delay SECONDS] [--iterations N]\n");
            return 2;
        }
    }
    json_t *prev = json_object();
    double last = now_s();
    int clear = isatty(STDOUT_FILENO);
    for (long n = 0; iterations < 0 || n < iterations; n++) {
        json_t *reply;
        if (fetch_vms(1, &reply)) {
            json_decref(prev);
            return 1;
        }
        double t = now_s();
        draw_frame(json_object_get(reply, "vms"), prev, n ? t - last : 0, clear);
        last = t;
        json_decref(reply);
        if (iterations < 0 || n + 1 < iterations)
            nanosleep(&(struct timespec){(time_t)delay, (long)((delay - (long)delay) * 1e9)}, NULL);
    }
    json_decref(prev);
    return 0;
}
