/* Crash safety (SIGKILL and restart), console viewers, and scale. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "support/cp_harness.h"

#include "cp/vm_control_client.h"

static int setup(void **state)
{
    static struct cp_harness h;
    cp_harness_init(&h);
    cp_harness_start_daemon(&h);
    *state = &h;
    return 0;
}

static int teardown(void **state)
{
    cp_harness_cleanup(*state);
    return 0;
}

static int vm_count(struct cp_harness *h)
{
    struct cp_reply r = cp_request(h, "GET", "/v1/vms", NULL);
    int n = (int)json_array_size(json_object_get(r.json, "vms"));
    cp_reply_free(&r);
    return n;
}

static void test_sigkill_and_restart(void **state)
{
    struct cp_harness *h = *state;
    assert_int_equal(cp_create_vm(h, "keeps-running", "run"), 201);
    assert_int_equal(cp_create_vm(h, "exits-meanwhile", "run"), 201);
    assert_int_equal(cp_create_vm(h, "paused", "run"), 201);
    assert_int_equal(cp_create_vm(h, "defined", "run"), 201);
    assert_int_equal(cp_vm_action(h, "keeps-running", "start"), 200);
    assert_int_equal(cp_vm_action(h, "exits-meanwhile", "start"), 200);
    assert_int_equal(cp_vm_action(h, "paused", "start"), 200);
    assert_int_equal(cp_vm_action(h, "paused", "pause"), 200);
    cp_harness_stop_daemon(h, SIGKILL);

    /* While the daemon is away, one VM ends: ask it directly. */
    char sock[512];
    snprintf(sock, sizeof sock, "%s/vms/2/control.sock", h->state);
    json_t *reply;
    struct cp_error err;
    assert_int_equal(vmctl_request(sock, "shutdown", 2000, &reply, &err), 0);
    json_decref(reply);
    cp_sleep_ms(300);

    cp_harness_start_daemon(h);
    assert_int_equal(vm_count(h), 4);
    assert_string_equal(cp_vm_state(h, "keeps-running"), "running");
    assert_string_equal(cp_vm_state(h, "exits-meanwhile"), "shutdown");
    assert_string_equal(cp_vm_state(h, "paused"), "paused");
    assert_string_equal(cp_vm_state(h, "defined"), "defined");
    /* The VMs found again are still controlled and watched. */
    assert_int_equal(cp_vm_action(h, "paused", "resume"), 200);
    assert_int_equal(cp_vm_action(h, "keeps-running", "shutdown"), 200);
    assert_true(cp_wait_state(h, "keeps-running", "shutdown"));
}

/* Kills the daemon while a burst of creates and starts is in flight, many
 * times: each restart must find every acknowledged VM, and no VM stuck in
 * "starting". */
static void test_sigkill_during_changes(void **state)
{
    struct cp_harness *h = *state;
    int acknowledged = 0;
    for (int round = 0; round < 8; round++) {
        pid_t writer = fork();
        if (writer == 0) {
            for (int i = 0;; i++) {
                char name[64];
                snprintf(name, sizeof name, "r%d-%d", round, i);
                if (cp_create_vm(h, name, "run") != 201)
                    _exit(0);
                cp_vm_action(h, name, "start");
            }
        }
        cp_sleep_ms(40 + round * 15);
        cp_harness_stop_daemon(h, SIGKILL);
        kill(writer, SIGKILL);
        waitpid(writer, NULL, 0);
        cp_harness_start_daemon(h);
        struct cp_reply r = cp_request(h, "GET", "/v1/vms", NULL);
        json_t *vm;
        size_t i;
        assert_true((int)json_array_size(json_object_get(r.json, "vms")) >= acknowledged);
        json_array_foreach(json_object_get(r.json, "vms"), i, vm) {
            const char *s = json_string_value(json_object_get(vm, "state"));
            assert_string_not_equal(s, "starting");
        }
        acknowledged = (int)json_array_size(json_object_get(r.json, "vms"));
        cp_reply_free(&r);
    }
    assert_true(acknowledged > 0);
}

static void read_until(int fd, const char *needle, char *buf, size_t size)
{
    size_t len = 0;
    buf[0] = '\0';
    for (int i = 0; i < 500 && !strstr(buf, needle) && len + 1 < size; i++) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, 10) == 1) {
            ssize_t n = read(fd, buf + len, size - 1 - len);
            if (n <= 0)
                break;
            len += (size_t)n;
            buf[len] = '\0';
        }
    }
}

static void test_console_two_viewers(void **state)
{
    struct cp_harness *h = *state;
    assert_int_equal(cp_create_vm(h, "talk", "run"), 201);
    assert_int_equal(cp_vm_action(h, "talk", "start"), 200);
    struct cp_reply r = cp_request(h, "GET", "/v1/vms/talk/console", NULL);
    assert_int_equal(r.status, 200);
    const char *sock = json_string_value(json_object_get(r.json, "socket"));
    struct cp_error err;
    int a = vmctl_attach_console(sock, &err), b = vmctl_attach_console(sock, &err);
    cp_reply_free(&r);
    assert_true(a >= 0 && b >= 0);
    char buf[4096];
    read_until(a, "booted", buf, sizeof buf); /* history shows output from before attaching */
    assert_non_null(strstr(buf, "fake VM talk booted"));
    read_until(b, "booted", buf, sizeof buf);
    assert_non_null(strstr(buf, "fake VM talk booted"));
    assert_int_equal(write(a, "hello\n", 6), 6); /* input from one viewer ... */
    read_until(a, "echo: hello", buf, sizeof buf);
    assert_non_null(strstr(buf, "echo: hello"));
    read_until(b, "echo: hello", buf, sizeof buf); /* ... output to both */
    assert_non_null(strstr(buf, "echo: hello"));
    assert_int_equal(write(b, "again\n", 6), 6);
    read_until(a, "echo: again", buf, sizeof buf);
    assert_non_null(strstr(buf, "echo: again"));
    close(a);
    close(b);
    /* No console when not running. */
    assert_int_equal(cp_vm_action(h, "talk", "destroy"), 200);
    assert_int_equal(cp_status(h, "GET", "/v1/vms/talk/console", NULL), 409);
}

static void test_thousand_vms(void **state)
{
    struct cp_harness *h = *state;
    enum { N = 1000, STARTED = 100 };
    for (int i = 0; i < N; i++) {
        char name[32];
        snprintf(name, sizeof name, "vm%04d", i);
        assert_int_equal(cp_create_vm(h, name, "run"), 201);
    }
    for (int i = 0; i < STARTED; i++) {
        char name[32];
        snprintf(name, sizeof name, "vm%04d", i);
        assert_int_equal(cp_vm_action(h, name, "start"), 200);
    }
    assert_int_equal(vm_count(h), N);
    for (int i = 0; i < N; i++) {
        char name[32], path[64];
        snprintf(name, sizeof name, "vm%04d", i);
        if (i < STARTED)
            assert_int_equal(cp_vm_action(h, name, "destroy"), 200);
        snprintf(path, sizeof path, "/v1/vms/%s", name);
        assert_int_equal(cp_status(h, "DELETE", path, NULL), 200);
    }
    assert_int_equal(vm_count(h), 0);
}

static void test_real_vm_under_kvm(void **state)
{
    (void)state;
    const char *mica = getenv("MICA"), *guests = getenv("GUESTS");
    if (access("/dev/kvm", R_OK | W_OK) != 0) {
        print_message("skipped: /dev/kvm is absent, so no real VM can run\n");
        skip();
    }
    if (!mica || !guests || access(mica, X_OK) != 0) {
        print_message("skipped: no mica binary with `run` (set MICA and GUESTS)\n");
        skip();
    }
    char probe[512];
    snprintf(probe, sizeof probe, "%s run --help 2>&1 | grep -q -- --control", mica);
    if (system(probe) != 0) {
        print_message("skipped: `mica run` has no --control option yet\n");
        skip();
    }
    struct cp_harness h;
    cp_harness_init(&h);
    h.daemon = fork();
    if (h.daemon == 0) {
        execl(mica, mica, "daemon", "--socket", h.socket, "--state-dir", h.state, (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 500 && !cp_socket_answers(h.socket); i++)
        cp_sleep_ms(10);
    char body[1024];
    snprintf(body, sizeof body, "{\"name\":\"real\",\"guest\":\"%s/hello.elf\"}", guests);
    long created = cp_status(&h, "POST", "/v1/vms", body);
    if (created == 201) {
        assert_int_equal(cp_vm_action(&h, "real", "start"), 200);
        assert_true(cp_wait_state(&h, "real", "shutdown"));
    } else {
        print_message("skipped: no hello.elf guest in %s\n", guests);
    }
    cp_harness_cleanup(&h);
}

int main(int argc, char **argv)
{
    int status;
    if (cp_harness_main_hook(argc, argv, &status))
        return status;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_sigkill_and_restart, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sigkill_during_changes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_console_two_viewers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_thousand_vms, setup, teardown),
        cmocka_unit_test(test_real_vm_under_kvm),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
