/* Crash safety (SIGKILL and restart), console viewers, scale, and the same
 * with real PV guests under KVM. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "support/cp_harness.h"

#include "ctl/vm_control_client.h"

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

/* The id of the VM whose VMM is process `pid` (its --control path names
 * it), or -1 when `pid` is not a VM of this test (the daemon, a monitor). */
static long vm_id_of_process(struct cp_harness *h, pid_t pid)
{
    char path[64], buf[4096], *at;
    snprintf(path, sizeof path, "/proc/%d/cmdline", (int)pid);
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    if (f)
        fclose(f);
    buf[n] = '\0';
    if (n == 0 || !strstr(buf, h->self) || strcmp(buf + strlen(buf) + 1, "run") != 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (buf[i] == '\0')
            buf[i] = ' ';
    char prefix[256];
    snprintf(prefix, sizeof prefix, "%s/vms/", h->state);
    at = strstr(buf, prefix);
    return at ? strtol(at + strlen(prefix), NULL, 10) : -1;
}

static bool vm_is_live(json_t *vms, long id)
{
    json_t *vm;
    size_t i;
    json_array_foreach(vms, i, vm) {
        if (json_integer_value(json_object_get(vm, "id")) != id)
            continue;
        const char *s = json_string_value(json_object_get(vm, "state"));
        return strcmp(s, "running") == 0 || strcmp(s, "paused") == 0 ||
               strcmp(s, "stopping") == 0;
    }
    return false;
}

/* Every VM process of the test is one the daemon lists as live: none was
 * started behind its back or forgotten by it. */
static void assert_no_unknown_vm(struct cp_harness *h, json_t *vms)
{
    pid_t pids[256];
    int n = cp_harness_processes(h, pids, 256);
    for (int i = 0; i < n; i++) {
        long id = vm_id_of_process(h, pids[i]);
        if (id >= 0 && !vm_is_live(vms, id))
            fail_msg("process %d runs VM %ld, which the daemon does not list as live",
                     (int)pids[i], id);
    }
}

/* Destroys every live VM through the API, stops the daemon and checks that
 * no process of the test is left: nothing ran that the daemon did not know. */
static void assert_destroy_leaves_nothing(struct cp_harness *h)
{
    struct cp_reply r = cp_request(h, "GET", "/v1/vms", NULL);
    json_t *vm;
    size_t i;
    json_array_foreach(json_object_get(r.json, "vms"), i, vm) {
        long id = (long)json_integer_value(json_object_get(vm, "id"));
        if (vm_is_live(json_object_get(r.json, "vms"), id))
            assert_int_equal(cp_vm_action(h, json_string_value(json_object_get(vm, "name")),
                                          "destroy"), 200);
    }
    cp_reply_free(&r);
    cp_harness_stop_daemon(h, SIGTERM);
    pid_t pids[256];
    int n = 0;
    for (int tries = 0; tries < 100 && (n = cp_harness_processes(h, pids, 256)) > 0; tries++)
        cp_sleep_ms(20); /* monitors end just after their VM */
    for (int k = 0; k < n; k++)
        print_message("left running: pid %d (VM %ld)\n", (int)pids[k],
                      vm_id_of_process(h, pids[k]));
    assert_int_equal(n, 0);
}

/* Kills the daemon while a burst of creates and starts is in flight, many
 * times: each restart must find every VM created so far, no VM stuck in
 * "starting", and no VM process it does not know about. */
static void test_sigkill_during_changes(void **state)
{
    struct cp_harness *h = *state;
    int seen = 0;
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
        assert_int_equal(r.status, 200);
        json_t *vms = json_object_get(r.json, "vms"), *vm;
        size_t i;
        assert_true((int)json_array_size(vms) >= seen);
        json_array_foreach(vms, i, vm) {
            const char *s = json_string_value(json_object_get(vm, "state"));
            assert_string_not_equal(s, "starting");
        }
        assert_no_unknown_vm(h, vms);
        seen = (int)json_array_size(vms);
        cp_reply_free(&r);
    }
    assert_true(seen > 0);
    assert_destroy_leaves_nothing(h);
}

/* Reads fd into buf until needle appears, ms pass, or buf is full. */
static void read_until_ms(int fd, const char *needle, char *buf, size_t size, int ms)
{
    size_t len = 0;
    buf[0] = '\0';
    for (int i = 0; i < ms / 10 && !strstr(buf, needle) && len + 1 < size; i++) {
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

static void read_until(int fd, const char *needle, char *buf, size_t size)
{
    read_until_ms(fd, needle, buf, size, 5000);
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

/* ---- Real PV guests: the daemon runs `$MICA run --control` ------------------ */

static char real_guests[PATH_MAX];

/* A daemon whose own binary, $MICA, runs the VMs (no --vmm). */
static void spawn_real_daemon(struct cp_harness *h)
{
    const char *mica = getenv("MICA");
    h->daemon = fork();
    if (h->daemon == 0) {
        int log = open(h->daemon_log, O_WRONLY | O_CREAT | O_APPEND, 0644);
        dup2(log, 2);
        execl(mica, mica, "daemon", "--socket", h->socket, "--state-dir", h->state, (char *)NULL);
        _exit(127);
    }
    cp_harness_wait_daemon(h);
}

/* Starts a daemon that runs real VMs with $MICA, or says why it cannot. */
static bool real_daemon_start(struct cp_harness *h)
{
    const char *mica = getenv("MICA"), *guests = getenv("GUESTS");
    if (access("/dev/kvm", R_OK | W_OK) != 0) {
        print_message("skipped: /dev/kvm is absent, so no real VM can run\n");
        return false;
    }
    if (!mica || !guests || access(mica, X_OK) != 0 || !realpath(guests, real_guests)) {
        print_message("skipped: no mica binary with `run` (set MICA and GUESTS)\n");
        return false;
    }
    char probe[PATH_MAX + 64];
    snprintf(probe, sizeof probe, "%s run --help 2>&1 | grep -q -- --control", mica);
    if (system(probe) != 0) {
        print_message("skipped: `mica run` has no --control option yet\n");
        return false;
    }
    cp_harness_init(h);
    spawn_real_daemon(h);
    return true;
}

/* The fixture: *state is the harness, or NULL when no real VM can run (the
 * test then skips). The teardown cleans up after a failed assertion too. */
static int setup_real(void **state)
{
    static struct cp_harness h;
    *state = real_daemon_start(&h) ? &h : NULL;
    return 0;
}

static int teardown_real(void **state)
{
    if (*state)
        cp_harness_cleanup(*state);
    return 0;
}

static struct cp_harness *real_daemon(void **state)
{
    if (!*state)
        skip();
    return *state;
}

static long create_real(struct cp_harness *h, const char *name, const char *guest)
{
    char body[PATH_MAX + 256];
    snprintf(body, sizeof body, "{\"name\":\"%s\",\"guest\":\"%s/%s\",\"mem_mib\":16}", name,
             real_guests, guest);
    return cp_status(h, "POST", "/v1/vms", body);
}

/* One field of the VM's detailed stats (GET /v1/vms/NAME). */
static json_int_t real_stat(struct cp_harness *h, const char *name, const char *field)
{
    char path[256];
    snprintf(path, sizeof path, "/v1/vms/%s", name);
    struct cp_reply r = cp_request(h, "GET", path, NULL);
    json_t *v = json_object_get(json_object_get(r.json, "stats"), field);
    json_int_t n = json_is_boolean(v) ? json_is_true(v) : json_integer_value(v);
    cp_reply_free(&r);
    return n;
}

static void test_real_vm_lifecycle(void **state)
{
    struct cp_harness *h = real_daemon(state);
    assert_int_equal(create_real(h, "real", "shell.elf"), 201);
    assert_int_equal(cp_vm_action(h, "real", "start"), 200);
    assert_string_equal(cp_vm_state(h, "real"), "running");
    assert_int_equal(real_stat(h, "real", "vcpus"), 1);
    assert_int_equal(real_stat(h, "real", "mem_bytes"), 16 << 20);
    assert_int_equal(cp_vm_action(h, "real", "pause"), 200);
    assert_string_equal(cp_vm_state(h, "real"), "paused");
    assert_int_equal(real_stat(h, "real", "paused"), 1);
    assert_int_equal(cp_vm_action(h, "real", "pause"), 409);
    assert_int_equal(cp_vm_action(h, "real", "resume"), 200);
    assert_string_equal(cp_vm_state(h, "real"), "running");
    assert_int_equal(real_stat(h, "real", "paused"), 0);
    assert_int_equal(cp_vm_action(h, "real", "resume"), 409);
    assert_int_equal(cp_vm_action(h, "real", "shutdown"), 200);
    assert_true(cp_wait_state(h, "real", "shutdown"));
    struct cp_reply r = cp_request(h, "GET", "/v1/vms/real", NULL);
    assert_int_equal(json_integer_value(json_object_get(r.json, "exit_code")), 0);
    cp_reply_free(&r);
    /* Again, and this time destroyed; then gone. */
    assert_int_equal(cp_vm_action(h, "real", "start"), 200);
    assert_string_equal(cp_vm_state(h, "real"), "running");
    assert_int_equal(cp_vm_action(h, "real", "destroy"), 200);
    assert_string_equal(cp_vm_state(h, "real"), "shutdown");
    assert_int_equal(cp_status(h, "DELETE", "/v1/vms/real", NULL), 200);
    assert_string_equal(cp_vm_state(h, "real"), "absent");
    /* A guest that ends by itself. */
    assert_int_equal(create_real(h, "hello", "hello.elf"), 201);
    assert_int_equal(cp_vm_action(h, "hello", "start"), 200);
    assert_true(cp_wait_state(h, "hello", "shutdown"));
}

/* A paused VM does not run its guest: a spinning guest's CPU time stops. */
static void test_real_pause_stops_the_guest(void **state)
{
    struct cp_harness *h = real_daemon(state);
    assert_int_equal(create_real(h, "spin", "spin.elf"), 201);
    assert_int_equal(cp_vm_action(h, "spin", "start"), 200);
    cp_sleep_ms(100);
    assert_int_equal(cp_vm_action(h, "spin", "pause"), 200);
    json_int_t cpu = real_stat(h, "spin", "cpu_ns");
    cp_sleep_ms(300);
    /* The process's CPU time: what the paused vCPU thread would burn. */
    assert_true(real_stat(h, "spin", "cpu_ns") - cpu < 50 * 1000000);
    assert_int_equal(cp_vm_action(h, "spin", "resume"), 200);
    cpu = real_stat(h, "spin", "cpu_ns");
    cp_sleep_ms(300);
    assert_true(real_stat(h, "spin", "cpu_ns") - cpu > 50 * 1000000); /* spinning again */
    assert_int_equal(cp_vm_action(h, "spin", "shutdown"), 200);
    assert_true(cp_wait_state(h, "spin", "shutdown"));
}

static int attach_real_console(struct cp_harness *h, const char *name)
{
    char path[256];
    snprintf(path, sizeof path, "/v1/vms/%s/console", name);
    struct cp_reply r = cp_request(h, "GET", path, NULL);
    struct cp_error err;
    const char *sock = json_string_value(json_object_get(r.json, "socket"));
    int fd = sock ? vmctl_attach_console(sock, &err) : -1;
    cp_reply_free(&r);
    return fd;
}

static void test_real_console_two_viewers(void **state)
{
    struct cp_harness *h = real_daemon(state);
    assert_int_equal(create_real(h, "sh", "shell.elf"), 201);
    assert_int_equal(cp_vm_action(h, "sh", "start"), 200);
    int a = attach_real_console(h, "sh"), b = attach_real_console(h, "sh");
    assert_true(a >= 0 && b >= 0);
    char buf[8192];
    read_until(a, "cms> ", buf, sizeof buf); /* the banner and prompt, from the history */
    assert_non_null(strstr(buf, "mica CMS shell"));
    read_until(b, "cms> ", buf, sizeof buf);
    assert_non_null(strstr(buf, "cms> "));
    assert_int_equal(write(a, "echo hi\n", 8), 8);
    read_until(b, "echo hi\nhi\n", buf, sizeof buf); /* the shell echoes, then runs it */
    assert_non_null(strstr(buf, "echo hi\nhi\n"));
    read_until(a, "echo hi\nhi\n", buf, sizeof buf);
    assert_non_null(strstr(buf, "echo hi\nhi\n"));
    assert_int_equal(write(b, "echo again\n", 11), 11);
    read_until(a, "\nagain\n", buf, sizeof buf);
    assert_non_null(strstr(buf, "\nagain\n"));
    close(a);
    close(b);
    assert_int_equal(cp_vm_action(h, "sh", "destroy"), 200);
}

static void test_real_crash_is_reported(void **state)
{
    struct cp_harness *h = real_daemon(state);
    assert_int_equal(create_real(h, "boom", "shell.elf"), 201);
    assert_int_equal(cp_vm_action(h, "boom", "start"), 200);
    int fd = attach_real_console(h, "boom");
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "crash\n", 6), 6);
    close(fd);
    assert_true(cp_wait_state(h, "boom", "crashed"));
    struct cp_reply r = cp_request(h, "GET", "/v1/vms/boom", NULL);
    const char *report = json_string_value(json_object_get(r.json, "crash_report"));
    assert_non_null(report);
    assert_non_null(strstr(report, "crashed: page fault"));
    assert_true(json_is_null(json_object_get(r.json, "exit_code"))); /* no guest exit code */
    cp_reply_free(&r);
    r = cp_request(h, "GET", "/v1/vms", NULL);
    json_t *vm = json_array_get(json_object_get(r.json, "vms"), 0);
    assert_string_equal(json_string_value(json_object_get(vm, "state_letter")), "c");
    cp_reply_free(&r);
}

/* ---- Real full-virtualization VMs: `$MICA run --kernel fvtest.elf --control` */

#define FVTEST_CMDLINE "console=ttyS0 fvtest.busy fvtest.echo=ttyS0"
#define FVTEST_HELLO "fvtest: hello from mica's test kernel"

/* The fixture's harness, or a skip with the reason when the test kernel
 * (make guests) or `run --kernel --control` is missing. */
static struct cp_harness *real_fv_daemon(void **state)
{
    struct cp_harness *h = real_daemon(state);
    char kernel[PATH_MAX + 16], probe[PATH_MAX + 96];
    snprintf(kernel, sizeof kernel, "%s/fvtest.elf", real_guests);
    if (access(kernel, R_OK) != 0) {
        print_message("skipped: no test kernel %s (make guests)\n", kernel);
        skip();
    }
    snprintf(probe, sizeof probe, "%s run --kernel /dev/null --help 2>&1 | grep -q -- --control",
             getenv("MICA"));
    if (system(probe) != 0) {
        print_message("skipped: `mica run --kernel` has no --control option\n");
        skip();
    }
    return h;
}

/* fvtest.busy and fvtest.echo keep the test kernel up, waiting for a line
 * on its serial port (which this test never sends). */
static long create_fvtest(struct cp_harness *h, const char *name)
{
    char body[PATH_MAX + 256];
    snprintf(body, sizeof body,
             "{\"name\":\"%s\",\"kernel\":\"%s/fvtest.elf\",\"cmdline\":\"" FVTEST_CMDLINE "\","
             "\"mem_mib\":32,\"vcpus\":1}",
             name, real_guests);
    return cp_status(h, "POST", "/v1/vms", body);
}

static void expect_console_hello(struct cp_harness *h, const char *name)
{
    int fd = attach_real_console(h, name);
    assert_true(fd >= 0);
    char buf[65536];
    read_until_ms(fd, FVTEST_HELLO, buf, sizeof buf, 20000);
    close(fd);
    if (!strstr(buf, FVTEST_HELLO))
        fail_msg("no hello on %s's console: '%s'", name, buf);
}

static void test_real_linux_vm_lifecycle(void **state)
{
    struct cp_harness *h = real_fv_daemon(state);
    assert_int_equal(create_fvtest(h, "fv"), 201);
    assert_int_equal(cp_vm_action(h, "fv", "start"), 200);
    assert_string_equal(cp_vm_state(h, "fv"), "running");
    assert_int_equal(real_stat(h, "fv", "vcpus"), 1);
    assert_int_equal(real_stat(h, "fv", "mem_bytes"), 32 << 20);
    expect_console_hello(h, "fv");
    assert_int_equal(cp_vm_action(h, "fv", "pause"), 200);
    assert_string_equal(cp_vm_state(h, "fv"), "paused");
    assert_int_equal(real_stat(h, "fv", "paused"), 1);
    assert_int_equal(cp_vm_action(h, "fv", "resume"), 200);
    assert_string_equal(cp_vm_state(h, "fv"), "running");
    assert_int_equal(real_stat(h, "fv", "paused"), 0);
    struct cp_reply r = cp_request(h, "GET", "/v1/vms/fv/logs", NULL);
    assert_non_null(r.body && strstr(r.body, FVTEST_HELLO) ? r.body : NULL); /* the log too */
    cp_reply_free(&r);
    assert_int_equal(cp_vm_action(h, "fv", "shutdown"), 200);
    assert_true(cp_wait_state(h, "fv", "shutdown"));
    r = cp_request(h, "GET", "/v1/vms/fv", NULL);
    assert_int_equal(json_integer_value(json_object_get(r.json, "exit_code")), 0);
    assert_string_equal(json_string_value(json_object_get(r.json, "kind")), "linux");
    cp_reply_free(&r);
    assert_int_equal(cp_status(h, "DELETE", "/v1/vms/fv", NULL), 200);
}

/* A running full-virt VM survives a SIGKILLed daemon and is found again by
 * the next one, as a PV VM is. */
static void test_real_linux_vm_survives_daemon_sigkill(void **state)
{
    struct cp_harness *h = real_fv_daemon(state);
    assert_int_equal(create_fvtest(h, "fv"), 201);
    assert_int_equal(cp_vm_action(h, "fv", "start"), 200);
    cp_harness_stop_daemon(h, SIGKILL);
    spawn_real_daemon(h);
    assert_string_equal(cp_vm_state(h, "fv"), "running");
    expect_console_hello(h, "fv"); /* the history, kept by the VM itself */
    assert_int_equal(cp_vm_action(h, "fv", "pause"), 200);
    assert_int_equal(cp_vm_action(h, "fv", "shutdown"), 200); /* works while paused */
    assert_true(cp_wait_state(h, "fv", "shutdown"));
}

int main(int argc, char **argv)
{
    int status;
    if (cp_harness_main_hook(argc, argv, &status))
        return status;
    if (getenv("CP_TESTS")) /* a pattern: to loop over one test, as for a flaky one */
        cmocka_set_test_filter(getenv("CP_TESTS"));
    const struct CMUnitTest tests[] = {
        CP_TEST(test_sigkill_and_restart),
        CP_TEST(test_sigkill_during_changes),
        CP_TEST(test_console_two_viewers),
        CP_TEST(test_thousand_vms),
        cmocka_unit_test_setup_teardown(test_real_vm_lifecycle, setup_real, teardown_real),
        cmocka_unit_test_setup_teardown(test_real_pause_stops_the_guest, setup_real, teardown_real),
        cmocka_unit_test_setup_teardown(test_real_console_two_viewers, setup_real, teardown_real),
        cmocka_unit_test_setup_teardown(test_real_crash_is_reported, setup_real, teardown_real),
        cmocka_unit_test_setup_teardown(test_real_linux_vm_lifecycle, setup_real, teardown_real),
        cmocka_unit_test_setup_teardown(test_real_linux_vm_survives_daemon_sigkill, setup_real,
                                        teardown_real),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
