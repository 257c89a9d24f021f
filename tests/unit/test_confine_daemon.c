/*
 * `mica daemon --jail`: every VM process it spawns starts as PID 1 of a PID
 * namespace of its own (the monitor unshares it before the fork, so the pid
 * the daemon records is the VM's own) and finds the jail in its
 * environment (run/confine.h), which makes `mica run` confine itself. The
 * VMs are the harness's fake ones (no KVM needed); the daemon is real.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "run/confine.h"
#include "support/cp_harness.h"

/* The daemon inherits the jail the way `mica daemon --jail-user 4242` sets it. */
static int setup_jailing(void **state)
{
    setenv(CONFINE_ENV_JAIL, "4242", 1);
    int rc = cp_harness_setup(state);
    unsetenv(CONFINE_ENV_JAIL);
    return rc;
}

static pid_t vmm_pid(struct cp_harness *h)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/vms/1/pids", h->state);
    FILE *f = fopen(path, "r");
    int pid = -1, monitor;
    if (f && fscanf(f, "%d %d", &pid, &monitor) != 2)
        pid = -1;
    if (f)
        fclose(f);
    return pid;
}

/* The file's contents (at most cap - 1 bytes; NULs become newlines). */
static void read_proc(pid_t pid, const char *what, char *buf, size_t cap)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, what);
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(buf, 1, cap - 1, f) : 0;
    if (f)
        fclose(f);
    for (size_t i = 0; i < n; i++)
        if (!buf[i])
            buf[i] = '\n';
    buf[n] = '\0';
}

static void test_daemon_jails_every_vm(void **state)
{
    struct cp_harness *h = *state;
    if (geteuid() != 0) {
        print_message("skipped: a PID namespace per VM needs root\n");
        skip();
    }
    assert_int_equal(cp_create_vm(h, "jailed", "run"), 201);
    assert_int_equal(cp_vm_action(h, "jailed", "start"), 200);
    pid_t pid = vmm_pid(h);
    assert_true(pid > 1);
    char status[4096], environ[8192], line[64];
    read_proc(pid, "status", status, sizeof status);
    snprintf(line, sizeof line, "NSpid:\t%d\t1\n", (int)pid); /* PID 1 in there */
    assert_non_null(strstr(status, line));
    read_proc(pid, "environ", environ, sizeof environ);
    assert_non_null(strstr(environ, CONFINE_ENV_JAIL "=4242\n"));
    assert_int_equal(cp_vm_action(h, "jailed", "shutdown"), 200);
    assert_true(cp_wait_state(h, "jailed", "shutdown"));
}

int main(int argc, char **argv)
{
    int status;
    if (cp_harness_main_hook(argc, argv, &status))
        return status;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_daemon_jails_every_vm, setup_jailing,
                                        cp_harness_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
