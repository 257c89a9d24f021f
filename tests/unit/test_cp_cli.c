/* The `mica` control subcommands as a user runs them, against a real daemon. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "support/cp_harness.h"
#include "support/run_cmd.h"
#include "util/escape_keys.h"
#include "util/version.h"

#include <termios.h>

static void expect(struct cp_harness *h, int status, const char *in_out, const char *in_err,
                   const char *a, const char *b, const char *c)
{
    char *out, *err;
    int rc = cp_cli(h, NULL, &out, &err, a, b, c, (char *)NULL);
    if (rc != status || (in_out && !strstr(out, in_out)) || (in_err && !strstr(err, in_err)))
        fail_msg("mica %s %s: status %d, stdout '%s', stderr '%s'", a, b ? b : "", rc, out, err);
    free(out);
    free(err);
}

static void test_cli_lifecycle(void **state)
{
    struct cp_harness *h = *state;
    expect(h, 0, "created web (id 1)", NULL, "create", "web", h->guest);
    expect(h, 0, "web started", NULL, "start", "web", NULL);
    expect(h, 0, "web", NULL, "list", NULL, NULL);
    expect(h, 0, "\"name\": \"web\"", NULL, "list", "--json", NULL);
    expect(h, 0, "web paused", NULL, "pause", "web", NULL);
    expect(h, 0, "state:     paused (p)", NULL, "info", "web", NULL);
    expect(h, 0, "web resumed", NULL, "resume", "web", NULL);
    expect(h, 0, "fake VM web booted", NULL, "logs", "web", NULL);
    expect(h, 0, "mica top - 1 VMs", NULL, "top", "--iterations", "1");
    expect(h, 0, "web is shutdown", NULL, "shutdown", "web", "--wait");
    expect(h, 0, "web deleted", NULL, "delete", "web", NULL);
}

static void test_cli_errors(void **state)
{
    struct cp_harness *h = *state;
    expect(h, 1, NULL, "mica: start ghost: no VM named 'ghost'", "start", "ghost", NULL);
    expect(h, 0, NULL, NULL, "create", "web", h->guest);
    expect(h, 1, NULL, "already exists", "create", "web", h->guest);
    expect(h, 1, NULL, "cannot resume VM 'web': it is defined (HTTP 409)", "resume", "web", NULL);
    expect(h, 1, NULL, "guest 'nowhere.elf' not found", "create", "x", "nowhere.elf");
    expect(h, 125, NULL, "usage: mica create", "create", NULL, NULL);
    expect(h, 1, NULL, "not a valid VM name", "info", "a/b", NULL);
    cp_harness_stop_daemon(h, SIGTERM);
    expect(h, 1, NULL, "cannot reach the daemon", "list", NULL, NULL);
}

static void test_cli_console_detach(void **state)
{
    struct cp_harness *h = *state;
    expect(h, 0, NULL, NULL, "create", "con", h->guest);
    expect(h, 0, NULL, NULL, "start", "con", NULL);
    char *out, *err;
    /* Type a line, wait for nothing, then the escape key detaches. */
    int rc = cp_cli(h, "ping\n", &out, &err, "console", "con", (char *)NULL);
    assert_int_equal(rc, 0);
    assert_non_null(strstr(out, "fake VM con booted"));
    assert_non_null(strstr(err, "escape character is ^]"));
    free(out);
    free(err);
    rc = cp_cli(h, "\x1d", &out, &err, "console", "con", (char *)NULL);
    assert_int_equal(rc, 0);
    assert_non_null(strstr(err, "Detached from con"));
    free(out);
    free(err);
    /* Ctrl-A ? lists the escape keys, Ctrl-A x detaches (issue 13, 15). */
    rc = cp_cli(h, "\x01?ls\n\x01x", &out, &err, "console", "con", (char *)NULL);
    assert_int_equal(rc, 0);
    if (!strstr(err, "Ctrl-A x detaches") || !strstr(err, "Ctrl-A c  send Ctrl-C") ||
        !strstr(err, "Detached from con"))
        fail_msg("console with Ctrl-A ? then Ctrl-A x: '%s'", err);
    free(out);
    free(err);
}

/* The escape keys as bytes: what reaches the guest, and when they act. */
static void test_escape_keys_filter(void **state)
{
    (void)state;
    struct escape_keys k = {.quit_key = 0x1d};
    char out[64];
    size_t len, used;
    const char in[] = "a\x03\x04\x01\x01" "b\x01" "c\x01" "zq";
    assert_int_equal(escape_keys_filter(&k, in, sizeof in - 1, out, &len, &used), ESCAPE_NONE);
    assert_int_equal(used, sizeof in - 1);
    assert_int_equal(len, 9);
    assert_memory_equal(out, "a\x03\x04\x01" "b\x03\x01" "zq", len);
    /* An action stops the filter; the prefix carries over between reads. */
    assert_int_equal(escape_keys_filter(&k, "ab\x01", 3, out, &len, &used), ESCAPE_NONE);
    assert_int_equal(escape_keys_filter(&k, "?cd", 3, out, &len, &used), ESCAPE_HELP);
    assert_int_equal(used, 1);
    assert_int_equal(len, 0);
    assert_int_equal(escape_keys_filter(&k, "cd\x01X", 4, out, &len, &used), ESCAPE_QUIT);
    assert_int_equal(len, 2);
    assert_int_equal(escape_keys_filter(&k, "e\x1d", 2, out, &len, &used), ESCAPE_QUIT);
    k.quit_key = -1;
    assert_int_equal(escape_keys_filter(&k, "e\x1d", 2, out, &len, &used), ESCAPE_NONE);
    assert_int_equal(len, 2);
}

/* The viewer's terminal: raw keys, but LF still written as CR LF (3). */
static void test_viewer_terminal(void **state)
{
    (void)state;
    struct termios t;
    memset(&t, 0, sizeof t);
    t.c_lflag = ICANON | ECHO | ISIG;
    viewer_raw(&t);
    assert_int_equal(t.c_oflag & (OPOST | ONLCR), OPOST | ONLCR);
    assert_int_equal(t.c_lflag & (ICANON | ECHO | ISIG), 0);
}

/* `mica create NAME --kernel ...` and how list and info show a linux VM. */
static void test_cli_linux_vm(void **state)
{
    struct cp_harness *h = *state;
    char disk[PATH_MAX], disk_ro[PATH_MAX + 8];
    snprintf(disk, sizeof disk, "%s/disk.img", h->dir);
    cp_write_guest(disk); /* any file of a multiple of 512 bytes */
    snprintf(disk_ro, sizeof disk_ro, "%s,ro", disk);
    char *out, *err;
    int rc = cp_cli(h, NULL, &out, &err, "create", "lx", "--kernel", h->guest, "--initrd",
                    h->guest, "--cmdline", "console=ttyS0 quiet", "--cpus", "2", "--mem", "64",
                    "--disk", disk_ro, "--rng", (char *)NULL);
    if (rc != 0 || !strstr(out, "created lx (id 1)"))
        fail_msg("create --kernel: %d '%s' '%s'", rc, out, err);
    free(out);
    free(err);
    expect(h, 0, "linux", NULL, "list", NULL, NULL);
    expect(h, 0, "kind:      linux", NULL, "info", "lx", NULL);
    char owner[64];
    snprintf(owner, sizeof owner, "owner:     uid %u gid %u", (unsigned)getuid(), (unsigned)getgid());
    expect(h, 0, owner, NULL, "info", "lx", NULL);
    expect(h, 0, "cmdline:   console=ttyS0 quiet", NULL, "info", "lx", NULL);
    expect(h, 0, "disk.img (read-only)", NULL, "info", "lx", NULL);
    expect(h, 0, "vcpus:     2", NULL, "info", "lx", NULL);
    expect(h, 0, "lx started", NULL, "start", "lx", NULL);
    expect(h, 0, "lx is shutdown", NULL, "shutdown", "lx", "--wait");
    expect(h, 0, "lx deleted", NULL, "delete", "lx", NULL);
    /* Bad input: the daemon's reason, or the usage. */
    rc = cp_cli(h, NULL, &out, &err, "create", "lx", "--kernel", h->guest, "--cpus", "300",
                (char *)NULL);
    if (rc != 1 || !strstr(err, "'vcpus' 300 is out of range (1..254) (HTTP 400)"))
        fail_msg("create --cpus 300: %d '%s'", rc, err);
    free(out);
    free(err);
    rc = cp_cli(h, NULL, &out, &err, "create", "lx", h->guest, "--kernel", h->guest, (char *)NULL);
    if (rc != 125 || !strstr(err, "usage: mica create"))
        fail_msg("create GUEST --kernel: %d '%s'", rc, err);
    free(out);
    free(err);
    rc = cp_cli(h, NULL, &out, &err, "create", "lx", "--kernel", "/nonexistent", (char *)NULL);
    if (rc != 1 || !strstr(err, "mica: create lx: kernel '/nonexistent' not found"))
        fail_msg("create --kernel /nonexistent: %d '%s'", rc, err);
    free(out);
    free(err);
    expect(h, 125, NULL, "option '--kernel' needs a value", "create", "lx", "--kernel");
}

/* Every command's --help: its usage on stdout, status 0 (issue 13, 4). */
static void test_cli_help(void **state)
{
    struct cp_harness *h = *state;
    for (const struct cp_command *c = cp_commands; c->name; c++) {
        char want[64];
        snprintf(want, sizeof want, "usage: mica %s", c->name);
        expect(h, 0, want, NULL, c->name, "--help", NULL);
        expect(h, 0, want, NULL, c->name, "-h", NULL);
    }
    expect(h, 0, "Ctrl-A x", NULL, "console", "--help", NULL);
}

/* One scheme: usage errors are 125 and name what was wrong (13, 10, 11). */
static void test_cli_usage_errors(void **state)
{
    struct cp_harness *h = *state;
    expect(h, 125, NULL, "unknown option '--bogus'", "create", "x", "--bogus");
    expect(h, 125, NULL, "unknown option '-q'", "create", "x", "-q");
    expect(h, 125, NULL, "'--console' is one of mica run's", "create", "x", "--console");
    expect(h, 125, NULL, "unknown option '--now'", "start", "--now", NULL);
    expect(h, 125, NULL, "usage: mica start NAME", "start", NULL, NULL);
    expect(h, 125, NULL, "unknown option '--fast'", "shutdown", "x", "--fast");
    expect(h, 125, NULL, "unknown option '--yaml'", "info", "x", "--yaml");
    expect(h, 125, NULL, "unknown option '-l'", "list", "-l", NULL);
    expect(h, 125, NULL, "--iterations wants a whole number", "top", "--iterations", "0");
    expect(h, 125, NULL, "--delay wants seconds > 0", "top", "--delay", "-1");
    expect(h, 125, NULL, "unknown option '--frob'", "top", "--frob", NULL);
}

static void test_cli_create_unexpected_argument(void **state)
{
    struct cp_harness *h = *state;
    char *out, *err;
    int rc = cp_cli(h, NULL, &out, &err, "create", "a", h->guest, "c", (char *)NULL);
    if (rc != 125 || !strstr(err, "unexpected argument 'c'"))
        fail_msg("create a GUEST c: %d '%s'", rc, err);
    free(out);
    free(err);
}

/* `top`: q quits; a first screen; list and top columns fit 63-character
 * names; info's counters under a heading, vcpus once (11, 12). */
static void test_cli_top_and_columns(void **state)
{
    struct cp_harness *h = *state;
    const char *name = "a23456789b123456789c123456789d123456789e123456789f123456789g12";
    expect(h, 0, NULL, NULL, "create", name, h->guest);
    expect(h, 0, NULL, NULL, "start", name, NULL);
    char *out, *err;
    int rc = cp_cli(h, "q", &out, &err, "top", "--delay", "30", (char *)NULL);
    if (rc != 0 || !strstr(out, "mica top - 1 VMs") || !strstr(out, name))
        fail_msg("top with q typed: %d '%s' '%s'", rc, out, err);
    free(out);
    free(err);
    for (int pass = 0; pass < 2; pass++) {
        rc = cp_cli(h, NULL, &out, &err, pass ? "top" : "list", pass ? "--iterations" : NULL,
                    "1", (char *)NULL);
        assert_int_equal(rc, 0);
        char *header = strstr(out, "NAME"), *row = strstr(out, name);
        assert_non_null(header);
        assert_non_null(row);
        if (strcspn(header, "\n") != strcspn(row, "\n"))
            fail_msg("columns do not line up:\n%s", out);
        free(out);
        free(err);
    }
    rc = cp_cli(h, NULL, &out, &err, "info", name, (char *)NULL);
    assert_int_equal(rc, 0);
    char *vcpus = strstr(out, "vcpus");
    if (!strstr(out, "\nstats:\n  ") || !vcpus || strstr(vcpus + 1, "vcpus"))
        fail_msg("info's stats block: '%s'", out);
    free(out);
    free(err);
}

/* The daemon checks its options before it creates anything (2), and one
 * state directory has one daemon whatever its socket (1). */
static void test_cli_daemon_refusals(void **state)
{
    struct cp_harness *h = *state;
    char other_state[PATH_MAX], other_sock[PATH_MAX], long_sock[200];
    snprintf(other_state, sizeof other_state, "%s/other-state", h->dir);
    snprintf(other_sock, sizeof other_sock, "%s/other.sock", h->dir);
    snprintf(long_sock, sizeof long_sock, "%s/%0120d.sock", h->dir, 0);
    const char *bad_socks[] = {"", long_sock};
    struct cmd_result *r = malloc(sizeof *r);
    for (int i = 0; i < 2; i++) {
        char *argv[] = {h->self, "daemon", "--socket", (char *)bad_socks[i], "--state-dir",
                        other_state, NULL};
        assert_int_equal(run_cmd(argv, NULL, 20, r), 0);
        if (r->status != 125 || !strstr(r->err, i ? "at most 107" : "socket path is empty"))
            fail_msg("daemon --socket '%s': %d '%s'", bad_socks[i], r->status, r->err);
        assert_int_not_equal(access(other_state, F_OK), 0);
        assert_int_not_equal(access(".lock", F_OK), 0);
    }
    char *argv[] = {h->self, "daemon", "--socket", other_sock, "--state-dir", h->state, NULL};
    assert_int_equal(run_cmd(argv, NULL, 20, r), 0);
    char want[PATH_MAX + 64];
    snprintf(want, sizeof want, "state directory %s is in use by another daemon (pid %d", h->state,
             (int)h->daemon);
    if (r->status != 1 || !strstr(r->err, want))
        fail_msg("a second daemon on the same state: %d '%s'", r->status, r->err);
    free(r);
    assert_true(cp_socket_answers(h->socket));
}

/* A VM's monitor shows in ps as "mica-monitor NAME", not as a daemon; a
 * SIGKILLed VM's crash report says so (12). */
static void test_cli_monitor_title_and_killed_vm(void **state)
{
    struct cp_harness *h = *state;
    expect(h, 0, NULL, NULL, "create", "web", h->guest);
    expect(h, 0, NULL, NULL, "start", "web", NULL);
    char path[PATH_MAX + 32], text[256] = "";
    snprintf(path, sizeof path, "%s/vms/1/pids", h->state);
    int vmm = 0, monitor = 0;
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    assert_int_equal(fscanf(f, "%d %d", &vmm, &monitor), 2);
    fclose(f);
    snprintf(path, sizeof path, "/proc/%d/comm", monitor);
    f = fopen(path, "r");
    assert_non_null(f);
    assert_non_null(fgets(text, sizeof text, f));
    fclose(f);
    assert_string_equal(text, "mica-monitor\n");
    snprintf(path, sizeof path, "/proc/%d/cmdline", monitor);
    f = fopen(path, "r");
    assert_non_null(f);
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = '\0';
    fclose(f);
    assert_string_equal(text, "mica-monitor web");
    kill(vmm, SIGKILL);
    assert_true(cp_wait_state(h, "web", "crashed"));
    expect(h, 0, "crash report:\nVM process killed by signal 9 (SIGKILL)", NULL, "info", "web",
           NULL);
}

/* GET /v1/version names the build (14). */
static void test_cli_version(void **state)
{
    struct cp_harness *h = *state;
    struct cp_reply r = cp_request(h, "GET", "/v1/version", NULL);
    assert_int_equal(r.status, 200);
    assert_string_equal(json_string_value(json_object_get(r.json, "version")), mica_version());
    assert_true(strlen(mica_version()) > 0);
    cp_reply_free(&r);
}

int main(int argc, char **argv)
{
    int status;
    if (cp_harness_main_hook(argc, argv, &status))
        return status;
    const struct CMUnitTest tests[] = {
        CP_TEST(test_cli_lifecycle),
        CP_TEST(test_cli_errors),
        CP_TEST(test_cli_console_detach),
        CP_TEST(test_cli_linux_vm),
        CP_TEST(test_cli_help),
        CP_TEST(test_cli_usage_errors),
        CP_TEST(test_cli_create_unexpected_argument),
        CP_TEST(test_cli_top_and_columns),
        CP_TEST(test_cli_daemon_refusals),
        CP_TEST(test_cli_version),
        CP_TEST(test_cli_monitor_title_and_killed_vm),
        cmocka_unit_test(test_escape_keys_filter),
        cmocka_unit_test(test_viewer_terminal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
