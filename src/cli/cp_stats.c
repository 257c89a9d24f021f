/* mica stats NAME and mica events: a VM's counters, and the stream of
 * every VM's lifecycle events (GET /v1/events, long-polled). */
#include "cli/cp_client.h"
#include "cli/cp_commands.h"
#include "util/parse.h"
#include "util/time.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static long long int_of(json_t *obj, const char *key)
{
    return (long long)json_integer_value(json_object_get(obj, key));
}

/* 1d 2h 3m 4s, leaving out the leading zero units. */
static void format_duration(long long ns, char *out, size_t len)
{
    long long s = ns / 1000000000;
    long long d = s / 86400, h = s / 3600 % 24, m = s / 60 % 60;
    if (d)
        snprintf(out, len, "%lldd %lldh %lldm %llds", d, h, m, s % 60);
    else if (h)
        snprintf(out, len, "%lldh %lldm %llds", h, m, s % 60);
    else
        snprintf(out, len, m ? "%lldm %llds" : "%.0lld%llds", m, s % 60);
}

/* {"name","state","uptime_ns","mem_mib","vcpus","stats"}: what stats shows. */
static json_t *stats_view(json_t *vm)
{
    return json_pack("{s:O,s:O,s:O,s:O,s:O,s:O}", "name", json_object_get(vm, "name"), "state",
                     json_object_get(vm, "state"), "uptime_ns", json_object_get(vm, "uptime_ns"),
                     "mem_mib", json_object_get(vm, "mem_mib"), "vcpus",
                     json_object_get(vm, "vcpus"), "stats", json_object_get(vm, "stats"));
}

static void print_stats_text(json_t *vm)
{
    json_t *stats = json_object_get(vm, "stats");
    char uptime[64];
    format_duration(int_of(vm, "uptime_ns"), uptime, sizeof uptime);
    printf("name:        %s\nstate:       %s\nuptime:      %s\n",
           json_string_value(json_object_get(vm, "name")),
           json_string_value(json_object_get(vm, "state")), uptime);
    printf("cpu:         %.2f s\nmemory:      %lld MiB (resident %.1f MiB)\nvcpus:       %lld\n",
           (double)int_of(stats, "cpu_ns") / 1e9, int_of(vm, "mem_mib"),
           (double)int_of(stats, "rss_bytes") / 1048576.0, int_of(vm, "vcpus"));
    const char *key;
    json_t *value;
    json_object_foreach(stats, key, value) {
        if (json_is_integer(value) && strcmp(key, "cpu_ns") && strcmp(key, "rss_bytes") &&
            strcmp(key, "vcpus"))
            printf("%-12s %lld\n", key, (long long)json_integer_value(value));
    }
}

int cmd_stats(int argc, char **argv)
{
    cp_client_take_socket_option(&argc, argv);
    bool as_json = false;
    const char *name = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            as_json = true;
        else if (argv[i][0] == '-')
            return cp_bad_option("stats", argv[i]);
        else if (name)
            return cp_usage("stats", "one VM NAME only");
        else
            name = argv[i];
    }
    if (!name)
        return cp_usage("stats", "which VM?");
    json_t *vm;
    int rc = cp_call_vm("stats", "GET", name, "", &vm);
    if (rc)
        return rc;
    json_t *view = stats_view(vm);
    if (as_json)
        print_json(view);
    else
        print_stats_text(view);
    json_decref(view);
    json_decref(vm);
    return 0;
}

/* ---- events ----------------------------------------------------------------- */

struct events_options {
    bool json;
    const char *glob;
    uint64_t count;      /* stop after this many (0: never) */
    uint64_t timeout_ns; /* stop after this long (0: never) */
    int64_t after;       /* the events after this id (-1: from now on) */
};

static int parse_events(int argc, char **argv, struct events_options *o)
{
    uint64_t id;
    o->after = -1;
    for (int i = 1; i < argc; i++) {
        const char *opt = argv[i], *value = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(opt, "--json") == 0) {
            o->json = true;
            continue;
        }
        if (strcmp(opt, "--name") && strcmp(opt, "--count") && strcmp(opt, "--timeout") &&
            strcmp(opt, "--after"))
            return opt[0] == '-' ? cp_bad_option("events", opt)
                                 : cp_usage("events", "events takes no VM NAME (use --name GLOB)");
        if (!value)
            return cp_usage("events", "every option but --json needs a value");
        i++;
        if (opt[2] == 'n')
            o->glob = value;
        else if (opt[2] == 'c' && parse_u64(value, 1, UINT32_MAX, &o->count) < 0)
            return cp_usage("events", "--count wants a whole number >= 1");
        else if (opt[2] == 't' && parse_seconds(value, &o->timeout_ns) < 0)
            return cp_usage("events", "--timeout wants seconds > 0, as 1 or 0.5");
        else if (opt[2] == 'a' && parse_u64(value, 0, INT64_MAX, &id) < 0)
            return cp_usage("events", "--after wants an event id (a whole number >= 0)");
        else if (opt[2] == 'a')
            o->after = (int64_t)id;
    }
    return 0;
}

static void print_event(json_t *e, bool as_json)
{
    if (as_json) {
        char *line = json_dumps(e, JSON_COMPACT);
        if (line)
            puts(line);
        free(line);
    } else {
        time_t t = (time_t)(int_of(e, "time_ns") / 1000000000);
        char stamp[32];
        strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S", localtime(&t));
        printf("%s %s: %s\n", stamp, json_string_value(json_object_get(e, "vm")),
               json_string_value(json_object_get(e, "event")));
    }
    fflush(stdout);
}

/* One long poll after `*after`, waiting at most wait_s; prints what came and
 * counts it in *seen.  0, or 1 (message printed). */
static int poll_events(const struct events_options *o, const char *glob_q, int64_t *after,
                       unsigned wait_s, uint64_t *seen)
{
    char path[512];
    snprintf(path, sizeof path, "/v1/events?wait=%u%s", wait_s, glob_q);
    if (*after >= 0)
        snprintf(path + strlen(path), sizeof path - strlen(path), "&after=%lld",
                 (long long)*after);
    json_t *reply;
    if (cp_call("events", "GET", path, NULL, &reply))
        return 1;
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(reply, "events"), i, e) {
        if (o->count && *seen >= o->count)
            break;
        print_event(e, o->json);
        ++*seen;
    }
    *after = (int64_t)int_of(reply, "last");
    json_decref(reply);
    return 0;
}

int cmd_events(int argc, char **argv)
{
    cp_client_take_socket_option(&argc, argv);
    struct events_options o = {0};
    int rc = parse_events(argc, argv, &o);
    if (rc)
        return rc;
    char glob_q[400] = "";
    if (o.glob) {
        char *escaped = cp_url_escape(o.glob);
        snprintf(glob_q, sizeof glob_q, "&name=%s", escaped ? escaped : "");
        free(escaped);
    }
    uint64_t seen = 0, end = o.timeout_ns ? monotonic_ns() + o.timeout_ns : 0;
    int64_t after = o.after;
    while (rc == 0 && (!o.count || seen < o.count)) {
        uint64_t now = monotonic_ns();
        if (end && now >= end)
            break;
        uint64_t left_s = end ? (end - now + 999999999) / 1000000000 : 30;
        rc = poll_events(&o, glob_q, &after, (unsigned)(left_s < 30 ? left_s : 30), &seen);
    }
    return rc;
}
