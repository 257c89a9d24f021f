/* Watching VMs (issue 13): mica stats, GET /metrics in Prometheus' text
 * format, and the lifecycle event stream (GET /v1/events long poll, mica
 * events), against a real daemon with fake VMs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "support/cp_harness.h"
#include "util/time.h"

#include <pthread.h>
#include <regex.h>

static void test_stats(void **state)
{
    struct cp_harness *h = *state;
    assert_int_equal(cp_create_vm(h, "web", "run"), 201);
    assert_int_equal(cp_vm_action(h, "web", "start"), 200);
    cp_sleep_ms(1100);
    char *out, *err;
    assert_int_equal(cp_cli(h, NULL, &out, &err, "stats", "web", (char *)NULL), 0);
    /* At least the second slept; more on a loaded machine. */
    if (!strstr(out, "state:       running") || !strstr(out, "uptime:      ") ||
        strstr(out, "uptime:      0s") ||
        !strstr(out, "memory:      4 MiB") || !strstr(out, "exits"))
        fail_msg("stats: '%s' '%s'", out, err);
    free(out);
    free(err);
    assert_int_equal(cp_cli(h, NULL, &out, &err, "stats", "web", "--json", (char *)NULL), 0);
    json_t *j = json_loads(out, 0, NULL);
    assert_true(json_integer_value(json_object_get(j, "uptime_ns")) >= 1000000000);
    assert_true(json_is_integer(json_object_get(json_object_get(j, "stats"), "cpu_ns")));
    json_decref(j);
    free(out);
    free(err);
    assert_int_equal(cp_cli(h, NULL, &out, &err, "stats", "ghost", (char *)NULL), 1);
    assert_non_null(strstr(err, "no VM named 'ghost'"));
    free(out);
    free(err);
    assert_int_equal(cp_cli(h, NULL, &out, &err, "stats", (char *)NULL), 125);
    free(out);
    free(err);
}

/* Every line a comment (# HELP / # TYPE) or `name{labels} value`. */
static void check_exposition_format(const char *text)
{
    regex_t sample;
    assert_int_equal(regcomp(&sample,
                             "^[a-zA-Z_:][a-zA-Z0-9_:]*(\\{([a-zA-Z_][a-zA-Z0-9_]*=\"([^\"\\\\]|"
                             "\\\\.)*\",?)*\\})? [-+0-9.eE]+$",
                             REG_EXTENDED | REG_NOSUB),
                     0);
    char *copy = strdup(text), *save = NULL;
    for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        bool comment = strncmp(line, "# HELP ", 7) == 0 || strncmp(line, "# TYPE ", 7) == 0;
        if (!comment && regexec(&sample, line, 0, NULL, 0) != 0)
            fail_msg("not a Prometheus sample line: '%s'", line);
    }
    free(copy);
    regfree(&sample);
}

static void test_metrics(void **state)
{
    struct cp_harness *h = *state;
    assert_int_equal(cp_create_vm(h, "web", "run"), 201);
    assert_int_equal(cp_create_vm(h, "idle", "run"), 201);
    assert_int_equal(cp_vm_action(h, "web", "start"), 200);
    struct cp_reply r = cp_request(h, "GET", "/metrics", NULL);
    assert_int_equal(r.status, 200);
    check_exposition_format(r.body);
    static const char *const expected[] = {
        "# TYPE mica_vm_cpu_seconds_total counter",
        "mica_vm_state{name=\"web\",id=\"1\",state=\"running\",kind=\"pv\"} 1",
        "mica_vm_state{name=\"idle\",id=\"2\",state=\"defined\",kind=\"pv\"} 1",
        "mica_vms{state=\"running\"} 1",
        "mica_vm_memory_bytes{name=\"web\",id=\"1\"} 4194304",
        "mica_vm_exits_total{name=\"web\",id=\"1\"} ",
        "mica_vm_rss_bytes{name=\"web\",id=\"1\"} ",
        "mica_vm_uptime_seconds{name=\"web\",id=\"1\"} ",
        "mica_daemon_vm_starts_total 1",
        "mica_daemon_requests_total ",
        "# TYPE mica_daemon_uptime_seconds gauge",
    };
    for (size_t i = 0; i < sizeof expected / sizeof expected[0]; i++)
        if (!strstr(r.body, expected[i]))
            fail_msg("/metrics has no '%s':\n%s", expected[i], r.body);
    assert_null(strstr(r.body, "mica_vm_cpu_seconds_total{name=\"idle\"")); /* not live */
    cp_reply_free(&r);
    assert_int_equal(cp_status(h, "POST", "/metrics", NULL), 404);
}

struct later {
    struct cp_harness *h;
    int delay_ms;
    const char *name, *action; /* action NULL: create */
};

static void *act_later(void *arg)
{
    struct later *l = arg;
    cp_sleep_ms(l->delay_ms);
    if (l->action)
        cp_vm_action(l->h, l->name, l->action);
    else
        cp_create_vm(l->h, l->name, "run");
    return NULL;
}

static uint64_t ms_since(uint64_t t0)
{
    return (monotonic_ns() - t0) / 1000000;
}

static void test_events_long_poll(void **state)
{
    struct cp_harness *h = *state;
    assert_int_equal(cp_create_vm(h, "a", "run"), 201);
    struct cp_reply r = cp_request(h, "GET", "/v1/events?after=0", NULL);
    json_t *first = json_array_get(json_object_get(r.json, "events"), 0);
    assert_string_equal(json_string_value(json_object_get(first, "event")), "created");
    assert_string_equal(json_string_value(json_object_get(first, "vm")), "a");
    long long last = (long long)json_integer_value(json_object_get(r.json, "last"));
    cp_reply_free(&r);
    /* Nothing new: the answer comes at the deadline, empty. */
    char path[128];
    snprintf(path, sizeof path, "/v1/events?after=%lld&wait=1", last);
    uint64_t t0 = monotonic_ns();
    r = cp_request(h, "GET", path, NULL);
    assert_int_equal(r.status, 200);
    assert_int_equal(json_array_size(json_object_get(r.json, "events")), 0);
    assert_true(ms_since(t0) >= 900);
    cp_reply_free(&r);
    /* An event while parked: answered at once, not at the deadline; other
     * requests are served meanwhile (the parked one holds no thread). */
    pthread_t t;
    struct later start = {h, 300, "a", "start"};
    pthread_create(&t, NULL, act_later, &start);
    snprintf(path, sizeof path, "/v1/events?after=%lld&wait=20", last);
    t0 = monotonic_ns();
    r = cp_request(h, "GET", path, NULL);
    pthread_join(t, NULL);
    assert_true(ms_since(t0) < 10000);
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(r.json, "events"), 0), "event")),
                        "start requested");
    cp_reply_free(&r);
    assert_int_equal(cp_status(h, "GET", "/v1/events?wait=61", NULL), 400);
    assert_int_equal(cp_status(h, "GET", "/v1/events?after=-1", NULL), 400);
    assert_int_equal(cp_status(h, "GET", "/v1/events?wait=x", NULL), 400);
}

/* Many parked pollers and a daemon stopped under them: each is answered. */
struct poller {
    struct cp_harness *h;
    long status;
};

static void *poll_long(void *arg)
{
    struct poller *p = arg;
    p->status = cp_status(p->h, "GET", "/v1/events?wait=30", NULL);
    return NULL;
}

static void test_events_parked_many(void **state)
{
    struct cp_harness *h = *state;
    enum { N = 12 };
    struct poller p[N];
    pthread_t t[N];
    for (int i = 0; i < N; i++) {
        p[i] = (struct poller){h, -1};
        pthread_create(&t[i], NULL, poll_long, &p[i]);
    }
    cp_sleep_ms(300);
    uint64_t t0 = monotonic_ns();
    assert_int_equal(cp_status(h, "GET", "/v1/version", NULL), 200); /* still served */
    assert_true(ms_since(t0) < 2000);
    assert_int_equal(cp_create_vm(h, "wake", "run"), 201);
    for (int i = 0; i < N; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(p[i].status, 200);
    }
    for (int i = 0; i < N; i++)
        pthread_create(&t[i], NULL, poll_long, &p[i]);
    cp_sleep_ms(300);
    t0 = monotonic_ns();
    cp_harness_stop_daemon(h, SIGTERM);
    for (int i = 0; i < N; i++)
        pthread_join(t[i], NULL);
    assert_true(ms_since(t0) < 10000);
}

/* The id of the last event now, as text for --after. */
static const char *last_event(struct cp_harness *h)
{
    static char id[32];
    struct cp_reply r = cp_request(h, "GET", "/v1/events", NULL);
    snprintf(id, sizeof id, "%lld", (long long)json_integer_value(json_object_get(r.json, "last")));
    cp_reply_free(&r);
    return id;
}

/* Actions come after the stream's start (--after the last event then), so
 * however slowly the CLI starts, it sees them. */
static void test_events_cli(void **state)
{
    struct cp_harness *h = *state;
    pthread_t t;
    struct later create = {h, 500, "later", NULL};
    char after[32];
    snprintf(after, sizeof after, "%s", last_event(h));
    pthread_create(&t, NULL, act_later, &create);
    char *out, *err;
    int rc = cp_cli(h, NULL, &out, &err, "events", "--count", "1", "--timeout", "20", "--after",
                    after, (char *)NULL);
    pthread_join(t, NULL);
    if (rc != 0 || !strstr(out, " later: created\n"))
        fail_msg("events: %d '%s' '%s'", rc, out, err);
    free(out);
    free(err);
    create = (struct later){h, 300, "later", "start"};
    snprintf(after, sizeof after, "%s", last_event(h));
    pthread_create(&t, NULL, act_later, &create);
    rc = cp_cli(h, NULL, &out, &err, "events", "--json", "--name", "lat*", "--count", "2",
                "--timeout", "20", "--after", after, (char *)NULL);
    pthread_join(t, NULL);
    assert_int_equal(rc, 0);
    json_t *line = json_loads(out, JSON_DISABLE_EOF_CHECK, NULL);
    assert_string_equal(json_string_value(json_object_get(line, "event")), "start requested");
    assert_true(json_is_integer(json_object_get(line, "id")));
    json_decref(line);
    free(out);
    free(err);
    /* --timeout ends a quiet stream with status 0; a filter that matches
     * nothing sees nothing. */
    create = (struct later){h, 100, "later", "pause"};
    pthread_create(&t, NULL, act_later, &create);
    snprintf(after, sizeof after, "%s", last_event(h));
    rc = cp_cli(h, NULL, &out, &err, "events", "--name", "other", "--timeout", "1.5", "--after",
                after, (char *)NULL);
    pthread_join(t, NULL);
    assert_int_equal(rc, 0);
    assert_string_equal(out, "");
    free(out);
    free(err);
    rc = cp_cli(h, NULL, &out, &err, "events", "--count", "0", (char *)NULL);
    assert_int_equal(rc, 125);
    free(out);
    free(err);
}

static int count_lines(const char *text)
{
    int n = 0;
    for (; *text; text++)
        n += *text == '\n';
    return n;
}

/* Defect 7: --tail counts lines (never starting mid-line), --bytes bytes,
 * and bad values are usage errors. */
static void test_logs_lines(void **state)
{
    struct cp_harness *h = *state;
    assert_int_equal(cp_create_vm(h, "x", "exit=3"), 201);
    assert_int_equal(cp_vm_action(h, "x", "start"), 200);
    assert_true(cp_wait_state(h, "x", "shutdown"));
    char *out, *err;
    assert_int_equal(cp_cli(h, NULL, &out, &err, "logs", "x", (char *)NULL), 0);
    char *all = out;
    free(err);
    int total = count_lines(all);
    assert_true(total >= 2);
    for (int n = 0; n <= total + 1; n++) {
        char arg[16];
        snprintf(arg, sizeof arg, "%d", n);
        assert_int_equal(cp_cli(h, NULL, &out, &err, "logs", "x", "--tail", arg, (char *)NULL), 0);
        int want = n < total ? n : total;
        if (count_lines(out) != want || strcmp(all + strlen(all) - strlen(out), out) != 0)
            fail_msg("logs --tail %d: '%s' (whole log '%s')", n, out, all);
        free(out);
        free(err);
    }
    assert_int_equal(cp_cli(h, NULL, &out, &err, "logs", "x", "--bytes", "5", (char *)NULL), 0);
    assert_int_equal(strlen(out), 5);
    free(out);
    free(err);
    static const char *const bad[][2] = {{"--tail", "-5"}, {"--tail", "abc"}, {"--bytes", "-1"},
                                         {"--tail", "1x"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(cp_cli(h, NULL, &out, &err, "logs", "x", bad[i][0], bad[i][1],
                                (char *)NULL),
                         125);
        assert_non_null(strstr(err, bad[i][0]));
        free(out);
        free(err);
    }
    free(all);
    assert_int_equal(cp_status(h, "GET", "/v1/vms/x/logs?lines=-1", NULL), 400);
    assert_int_equal(cp_status(h, "GET", "/v1/vms/x/logs?lines=2", NULL), 200);
}

int main(int argc, char **argv)
{
    int status;
    if (cp_harness_main_hook(argc, argv, &status))
        return status;
    const struct CMUnitTest tests[] = {
        CP_TEST(test_stats),          CP_TEST(test_metrics),
        CP_TEST(test_events_long_poll), CP_TEST(test_events_parked_many),
        CP_TEST(test_events_cli),     CP_TEST(test_logs_lines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
