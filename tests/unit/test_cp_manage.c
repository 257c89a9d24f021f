/* Issue 13's management features, as a user runs them against a real
 * daemon with fake VMs: list filters and --json, rename, reboot, autostart. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "support/cp_harness.h"

#include <sys/stat.h>

/* Runs `mica ARGS...` (NULL-terminated); fails the test unless the status
 * is `status` and stdout/stderr contain the given texts (NULL: anything).
 * Returns stdout (malloc'd) for more checks. */
static char *run_cli(struct cp_harness *h, int status, const char *in_out, const char *in_err,
                     ...)
{
    char *args[12] = {0}, *out, *err;
    va_list ap;
    va_start(ap, in_err);
    for (int n = 0; n < 11 && (args[n] = va_arg(ap, char *)); n++)
        ;
    va_end(ap);
    int rc = cp_cli(h, NULL, &out, &err, args[0], args[1], args[2], args[3], args[4], args[5],
                    args[6], args[7], args[8], args[9], args[10], (char *)NULL);
    if (rc != status || (in_out && !strstr(out, in_out)) || (in_err && !strstr(err, in_err)))
        fail_msg("mica %s %s %s: status %d, stdout '%s', stderr '%s'", args[0],
                 args[1] ? args[1] : "", args[1] && args[2] ? args[2] : "", rc, out, err);
    free(err);
    return out;
}

#define CLI(h, status, out, err, ...) free(run_cli(h, status, out, err, __VA_ARGS__, (char *)NULL))

/* How many of the VM's last events contain text. */
static int count_events(struct cp_harness *h, const char *name, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "/v1/vms/%s", name);
    struct cp_reply r = cp_request(h, "GET", path, NULL);
    int seen = 0;
    size_t k;
    json_t *e;
    json_array_foreach(json_object_get(r.json, "events"), k, e)
        seen += strstr(json_string_value(json_object_get(e, "event")), text) != NULL;
    cp_reply_free(&r);
    return seen;
}

/* Polls (up to 10 s) until the VM's history has `times` events containing text. */
static bool wait_event(struct cp_harness *h, const char *name, const char *text, int times)
{
    for (int i = 0; i < 1000; i++) {
        if (count_events(h, name, text) >= times)
            return true;
        cp_sleep_ms(10);
    }
    return false;
}

static void test_list_filters(void **state)
{
    struct cp_harness *h = *state;
    assert_int_equal(cp_create_vm(h, "web1", "run"), 201);
    assert_int_equal(cp_create_vm(h, "web2", "run"), 201);
    assert_int_equal(cp_create_vm(h, "db", "run"), 201);
    assert_int_equal(cp_vm_action(h, "web2", "start"), 200);
    char *out = run_cli(h, 0, NULL, NULL, "list", "-q", (char *)NULL);
    assert_string_equal(out, "web1\nweb2\ndb\n");
    free(out);
    out = run_cli(h, 0, NULL, NULL, "list", "-q", "--name", "web*", (char *)NULL);
    assert_string_equal(out, "web1\nweb2\n");
    free(out);
    out = run_cli(h, 0, NULL, NULL, "list", "-q", "--state", "running", (char *)NULL);
    assert_string_equal(out, "web2\n");
    free(out);
    out = run_cli(h, 0, NULL, NULL, "list", "--quiet", "--state", "defined,running", "--name",
                  "?b", (char *)NULL);
    assert_string_equal(out, "db\n");
    free(out);
    CLI(h, 125, NULL, "option '--state' needs a value", "list", "--state");
    CLI(h, 1, NULL, "state must be a list of defined", "list", "--state", "sleeping");
    CLI(h, 125, NULL, "unknown option '--bogus'", "list", "--bogus");
    assert_int_equal(cp_status(h, "GET", "/v1/vms?name=", NULL), 400);
    assert_int_equal(cp_status(h, "GET", "/v1/vms?state=running,,", NULL), 400);
}

/* The --json shapes that scripts rely on (docs/api.yaml, Vm). */
static void test_json_shapes(void **state)
{
    struct cp_harness *h = *state;
    assert_int_equal(cp_create_vm(h, "web", "run"), 201);
    char *out = run_cli(h, 0, NULL, NULL, "list", "--json", (char *)NULL);
    json_t *vms = json_loads(out, 0, NULL);
    free(out);
    assert_true(json_is_array(vms));
    json_t *vm = json_array_get(vms, 0);
    static const char *const keys[] = {"id", "name", "kind", "state", "state_letter", "mem_mib",
                                       "vcpus", "autostart", "owner_uid", "guest", "args",
                                       "stats", "created_ns", "changed_ns", "exit_code"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (!json_object_get(vm, keys[i]))
            fail_msg("list --json: no '%s'", keys[i]);
    assert_false(json_is_true(json_object_get(vm, "autostart")));
    json_decref(vms);
    out = run_cli(h, 0, NULL, NULL, "info", "web", "--json", (char *)NULL);
    vm = json_loads(out, 0, NULL);
    free(out);
    assert_string_equal(json_string_value(json_object_get(vm, "state")), "defined");
    assert_true(json_is_array(json_object_get(vm, "events")));
    json_decref(vm);
}

static void test_rename(void **state)
{
    struct cp_harness *h = *state;
    assert_int_equal(cp_create_vm(h, "old", "run"), 201);
    assert_int_equal(cp_create_vm(h, "other", "run"), 201);
    CLI(h, 0, "old renamed to new", NULL, "rename", "old", "new");
    assert_string_equal(cp_vm_state(h, "old"), "absent");
    assert_string_equal(cp_vm_state(h, "new"), "defined");
    CLI(h, 1, NULL, "already exists", "rename", "new", "other");
    CLI(h, 1, NULL, "'name' must be 1-63 characters", "rename", "new", ".hidden");
    CLI(h, 1, NULL, "no VM named 'ghost'", "rename", "ghost", "x");
    CLI(h, 125, NULL, "its NEW name are needed", "rename", "new");
    /* A running VM keeps running under its new name: the daemon finds it by id. */
    assert_int_equal(cp_vm_action(h, "new", "start"), 200);
    CLI(h, 0, NULL, NULL, "rename", "new", "newer");
    assert_int_equal(cp_vm_action(h, "newer", "pause"), 200);
    assert_int_equal(cp_vm_action(h, "newer", "destroy"), 200);
    assert_true(wait_event(h, "newer", "renamed from new to newer", 1));
    assert_int_equal(cp_status(h, "PATCH", "/v1/vms/newer", "{\"mem_mib\":8}"), 400);
    assert_int_equal(cp_status(h, "PATCH", "/v1/vms/newer", "{\"name\":\"a\",\"name\":\"b\"}"),
                     400);
    assert_int_equal(cp_status(h, "PATCH", "/v1/vms/newer", "[]"), 400);
}

static void test_reboot(void **state)
{
    struct cp_harness *h = *state;
    assert_int_equal(cp_create_vm(h, "vm", "run"), 201);
    CLI(h, 1, NULL, "cannot reboot VM 'vm': it is defined", "reboot", "vm");
    assert_int_equal(cp_vm_action(h, "vm", "start"), 200);
    CLI(h, 0, "vm rebooting", NULL, "reboot", "vm");
    assert_true(wait_event(h, "vm", "reboot requested", 1));
    assert_true(wait_event(h, "vm", "started", 2)); /* started again by the daemon */
    assert_true(cp_wait_state(h, "vm", "running"));
    CLI(h, 0, "vm reset", NULL, "reboot", "vm", "--force");
    assert_true(wait_event(h, "vm", "started", 3));
    assert_string_equal(cp_vm_state(h, "vm"), "running");
    CLI(h, 125, NULL, "unknown option '--hard'", "reboot", "vm", "--hard");
}

static void test_autostart(void **state)
{
    struct cp_harness *h = *state;
    CLI(h, 0, NULL, NULL, "create", "auto", h->guest, "--autostart");
    CLI(h, 0, NULL, NULL, "create", "manual", h->guest);
    CLI(h, 0, NULL, NULL, "create", "later", h->guest);
    CLI(h, 0, "later: autostart on", NULL, "set", "later", "--autostart", "on");
    CLI(h, 0, "autostart: on", NULL, "info", "later");
    CLI(h, 125, NULL, "--autostart wants on or off", "set", "later", "--autostart", "maybe");
    CLI(h, 125, NULL, "unknown option '--mem'", "set", "later", "--mem", "8");
    assert_string_equal(cp_vm_state(h, "auto"), "defined");
    cp_harness_stop_daemon(h, SIGTERM);
    cp_harness_start_daemon(h);
    assert_true(cp_wait_state(h, "auto", "running"));
    assert_true(cp_wait_state(h, "later", "running"));
    assert_string_equal(cp_vm_state(h, "manual"), "defined");
    /* Already running at the next start: left alone, not started twice. */
    cp_harness_stop_daemon(h, SIGTERM);
    cp_harness_start_daemon(h);
    assert_true(cp_wait_state(h, "auto", "running"));
    assert_int_equal(count_events(h, "auto", "start requested"), 1);
    assert_int_equal(cp_status(h, "POST", "/v1/vms",
                               "{\"name\":\"x\",\"guest\":\"/bin/true\",\"autostart\":1}"),
                     400);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* export | create -f gives the same VM back, in both formats. */
static void test_export_round_trip(void **state)
{
    struct cp_harness *h = *state;
    setenv("MICA_SOCKET", h->socket, 1); /* the --socket cp_cli adds lands after "--" */
    CLI(h, 0, NULL, NULL, "create", "web", h->guest, "--mem", "8", "--autostart", "--", "a b",
        " x");
    unsetenv("MICA_SOCKET");
    CLI(h, 0, NULL, NULL, "create", "fv", "--kernel", h->guest, "--disk", h->guest, "--cmdline",
        "console=ttyS0 quiet", "--cpus", "2");
    static const char *const vms[] = {"web", "fv"}, *const formats[] = {"json", "kv"};
    for (int v = 0; v < 2; v++) {
        for (int f = 0; f < 2; f++) {
            char *first = run_cli(h, 0, NULL, NULL, "export", vms[v], "--format", formats[f],
                                  (char *)NULL);
            CLI(h, 0, NULL, NULL, "delete", vms[v]);
            char *out, *err;
            int rc = cp_cli(h, first, &out, &err, "create", "-f", "-", (char *)NULL);
            if (rc != 0)
                fail_msg("create -f - of '%s': %d %s", first, rc, err);
            free(out);
            free(err);
            char *again = run_cli(h, 0, NULL, NULL, "export", vms[v], "--format", formats[f],
                                  (char *)NULL);
            assert_string_equal(first, again);
            free(first);
            free(again);
        }
    }
    char *out = run_cli(h, 0, NULL, NULL, "export", "web", (char *)NULL);
    json_t *spec = json_loads(out, 0, NULL);
    free(out);
    assert_true(json_is_true(json_object_get(spec, "autostart")));
    assert_int_equal(json_integer_value(json_object_get(spec, "mem_mib")), 8);
    assert_null(json_object_get(spec, "id")); /* a definition, not the VM's state */
    json_decref(spec);
}

/* A file in a directory of its own, with paths relative to it, and a NAME
 * that replaces the file's. */
static void test_create_from_file(void **state)
{
    struct cp_harness *h = *state;
    char dir[PATH_MAX], file[PATH_MAX + 16], guest[PATH_MAX + 16];
    snprintf(dir, sizeof dir, "%s/defs", h->dir);
    mkdir(dir, 0755);
    snprintf(guest, sizeof guest, "%s/g.elf", dir);
    cp_write_guest(guest);
    snprintf(file, sizeof file, "%s/vm.conf", dir);
    write_file(file, "# a PV VM\nname = one\nguest = g.elf\nmem = 4\narg = hello\n");
    CLI(h, 0, "created one", NULL, "create", "-f", file, "--start");
    assert_true(cp_wait_state(h, "one", "running"));
    CLI(h, 0, "created two", NULL, "create", "-f", file, "two");
    CLI(h, 0, guest, NULL, "info", "two");
    /* Hostile or broken files: one line naming the file, the line or field, why. */
    write_file(file, "name = bad\nguest = g.elf\nmem = lots\n");
    char *out, *err;
    assert_int_equal(cp_cli(h, NULL, &out, &err, "create", "-f", file, (char *)NULL), 125);
    if (!strstr(err, file) || !strstr(err, "line 3: 'mem' wants a whole number") ||
        strchr(err, '\n') != err + strlen(err) - 1)
        fail_msg("stderr: '%s'", err);
    free(out);
    free(err);
    write_file(file, "{\"name\": \"bad\", \"guest\": \"g.elf\", \"mem_mib\": \"8\"}");
    CLI(h, 1, NULL, "'mem_mib' must be an integer (HTTP 400)", "create", "-f", file);
    write_file(file, "{\"name\": \"bad\", \"guest\": \"g.elf\", \"cpu\": 1}");
    CLI(h, 1, NULL, "unknown field 'cpu'", "create", "-f", file);
    write_file(file, "[1, 2]");
    CLI(h, 125, NULL, "a VM definition is a JSON object", "create", "-f", file);
    CLI(h, 125, NULL, "nowhere.conf: No such file or directory", "create", "-f", "nowhere.conf");
    CLI(h, 125, NULL, "option '-f' needs a FILE", "create", "-f");
    CLI(h, 125, NULL, "only a NAME and --start may follow", "create", "-f", file, "--mem", "4");
    CLI(h, 125, NULL, "--format is json or kv", "export", "one", "--format", "yaml");
    CLI(h, 1, NULL, "no VM named 'ghost'", "export", "ghost");
}

/* Defect 6: what create accepts, start boots: the files are checked as
 * `mica run` would, at create (400, one line naming the file and the
 * reason) and again at start, when one may have changed since. */
static void test_files_checked(void **state)
{
    struct cp_harness *h = *state;
    char empty[PATH_MAX], junk[PATH_MAX], odd[PATH_MAX];
    snprintf(empty, sizeof empty, "%s/empty", h->dir);
    snprintf(junk, sizeof junk, "%s/junk", h->dir);
    snprintf(odd, sizeof odd, "%s/odd.img", h->dir);
    write_file(empty, "");
    write_file(junk, "this is not an image at all\n");
    write_file(odd, "1000 bytes would not be a whole number of sectors either\n");
    char *out, *err;
    const struct {
        const char *args[8], *reason;
    } bad[] = {
        {{"create", "a", empty}, "an empty file"},
        {{"create", "a", junk}, "guest image"},
        {{"create", "a", "--kernel", junk}, "neither a bzImage nor an ELF vmlinux"},
        {{"create", "a", "--kernel", empty}, "an empty file"},
        {{"create", "a", "--kernel", h->guest, "--initrd", empty}, "initrd"},
        {{"create", "a", "--kernel", h->guest, "--disk", odd}, "not a non-zero multiple of 512"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *const *a = bad[i].args;
        int rc = cp_cli(h, NULL, &out, &err, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]);
        if (rc != 1 || !strstr(err, bad[i].reason) || !strstr(err, "(HTTP 400)") ||
            strchr(err, '\n') != err + strlen(err) - 1)
            fail_msg("%s %s %s: %d '%s'", a[1], a[2], a[3] ? a[3] : "", rc, err);
        free(out);
        free(err);
    }
    assert_string_equal(cp_vm_state(h, "a"), "absent");
    /* Accepted, then spoilt before the start: one line, 400, still defined. */
    char guest[PATH_MAX];
    snprintf(guest, sizeof guest, "%s/later.elf", h->dir);
    cp_write_guest(guest);
    CLI(h, 0, NULL, NULL, "create", "b", guest);
    write_file(guest, "");
    assert_int_equal(cp_cli(h, NULL, &out, &err, "start", "b", (char *)NULL), 1);
    if (!strstr(err, "cannot start VM 'b': guest image") || !strstr(err, "changed since create") ||
        !strstr(err, "(HTTP 400)") || strchr(err, '\n') != err + strlen(err) - 1)
        fail_msg("start after the guest was emptied: '%s'", err);
    free(out);
    free(err);
    assert_string_equal(cp_vm_state(h, "b"), "defined");
}

int main(int argc, char **argv)
{
    int status;
    if (cp_harness_main_hook(argc, argv, &status))
        return status;
    const struct CMUnitTest tests[] = {
        CP_TEST(test_list_filters), CP_TEST(test_json_shapes), CP_TEST(test_rename),
        CP_TEST(test_reboot),       CP_TEST(test_autostart), CP_TEST(test_export_round_trip),
        CP_TEST(test_create_from_file), CP_TEST(test_files_checked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
