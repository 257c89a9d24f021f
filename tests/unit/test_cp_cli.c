/* The `mica` control subcommands as a user runs them, against a real daemon. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "support/cp_harness.h"

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
    expect(h, 2, NULL, "usage: mica create", "create", NULL, NULL);
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
}

/* `mica create NAME --kernel ...` and how list and info show a linux VM. */
static void test_cli_linux_vm(void **state)
{
    struct cp_harness *h = *state;
    char disk[PATH_MAX], disk_ro[PATH_MAX + 8];
    snprintf(disk, sizeof disk, "%s/disk.img", h->dir);
    FILE *f = fopen(disk, "w");
    fclose(f);
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
    if (rc != 2 || !strstr(err, "usage: mica create"))
        fail_msg("create GUEST --kernel: %d '%s'", rc, err);
    free(out);
    free(err);
    rc = cp_cli(h, NULL, &out, &err, "create", "lx", "--kernel", "/nonexistent", (char *)NULL);
    if (rc != 1 || !strstr(err, "mica: create lx: kernel '/nonexistent' not found"))
        fail_msg("create --kernel /nonexistent: %d '%s'", rc, err);
    free(out);
    free(err);
    expect(h, 2, NULL, "usage: mica create", "create", "lx", "--kernel");
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
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
