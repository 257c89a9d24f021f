/* `mica run --control`: the option, and the control channel served for a
 * real PV domain in this process (pause parks the vCPU, resume, stats,
 * console viewers, shutdown ends it cleanly). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/run_options.h"
#include "ctl/vm_control.h"
#include "ctl/vm_control_client.h"
#include "run/pv_control.h"
#include "run/run_io.h"
#include "support/test_text.h"

static struct run_options o;
static char err[256];

static int parse(int argc, char **argv) { return run_options_parse(argc, argv, &o, err, sizeof err); }

static void control_option(void **state)
{
    (void)state;
    char *plain[] = {"run", "g.elf"};
    assert_int_equal(parse(2, plain), 0);
    assert_null(o.control);
    char *with[] = {"run", "g.elf", "--control", "/run/vm.sock", "--", "--control"};
    assert_int_equal(parse(6, with), 0);
    assert_string_equal(o.control, "/run/vm.sock");
    assert_int_equal(o.guest_argc, 1); /* after "--" it is the guest's */
    char *eq[] = {"run", "--control=/tmp/c.sock"};
    assert_int_equal(parse(2, eq), 0);
    assert_string_equal(o.control, "/tmp/c.sock");
}

static void control_option_errors(void **state)
{
    (void)state;
    char *missing[] = {"run", "--control"};
    assert_int_equal(parse(2, missing), -1);
    assert_non_null(strstr(err, "needs a value"));
    char *empty[] = {"run", "--control", ""};
    assert_int_equal(parse(3, empty), -1);
    assert_non_null(strstr(err, "--control"));
    char longpath[200];
    memset(longpath, 'a', sizeof longpath - 1);
    longpath[sizeof longpath - 1] = '\0';
    char *toolong[] = {"run", "--control", longpath};
    assert_int_equal(parse(3, toolong), -1);
    assert_non_null(strstr(err, "socket path"));
}

/* ---- A real domain (needs /dev/kvm and $GUESTS) ----------------------------- */

struct served {
    struct pv_domain *d;
    struct solo_control ctl;
    struct pv_control rc;
    struct run_io io;
    char sock[64];
    pthread_t vcpu;
    bool joined;
    enum solo_end end;
};

static void *vcpu_main(void *arg)
{
    struct served *s = arg;
    s->end = solo_run(s->d, &s->ctl);
    return NULL;
}

static int serve(void **state, const char *guest)
{
    static struct served s;
    const char *dir = getenv("GUESTS");
    char path[PATH_MAX];
    *state = NULL;
    if (access("/dev/kvm", R_OK | W_OK) != 0 || !dir)
        return 0;
    memset(&s, 0, sizeof s);
    snprintf(path, sizeof path, "%s/%s", dir, guest);
    snprintf(s.sock, sizeof s.sock, "/tmp/mica-rc-%d.sock", (int)getpid());
    char *argv[] = {"vm", NULL};
    struct pv_domain_config cfg = {.name = "vm", .image_path = path, .mem_mib = 16, .argc = 1,
                                   .argv = argv, .console_sink = pv_control_sink,
                                   .console_ctx = &s.rc};
    vcpu_kick_signal_init();
    if (pv_domain_create(&s.d, &cfg, err, sizeof err) < 0)
        return -1;
    if (solo_control_init(&s.ctl, s.d) < 0)
        return -1;
    s.rc.dom = s.d;
    s.rc.ctl = &s.ctl;
    struct run_io_config io = {.in_fd = -1, .sig_fd = -1,
                               .control = pv_control_open(&s.rc, s.sock, err, sizeof err)};
    if (!io.control || run_io_start(&s.io, s.d, &s.ctl, &io, err, sizeof err) < 0 ||
        pthread_create(&s.vcpu, NULL, vcpu_main, &s) != 0)
        return -1;
    *state = &s;
    return 0;
}

static int serve_shell(void **state) { return serve(state, "shell.elf"); }
static int serve_spin(void **state) { return serve(state, "spin.elf"); }

/* Ends the domain if the test did not, then takes everything down. */
static int unserve(void **state)
{
    struct served *s = *state;
    if (!s)
        return 0;
    if (!s->joined) {
        solo_request_stop(s->d, &s->ctl, SOLO_STOP_INTERRUPT);
        pthread_join(s->vcpu, NULL);
    }
    run_io_stop(&s->io);
    pv_control_close(&s->rc);
    solo_control_destroy(&s->ctl);
    pv_domain_destroy(s->d);
    return 0;
}

static struct served *served(void **state)
{
    if (!*state) {
        print_message("skipped: needs /dev/kvm and GUESTS (the guest directory)\n");
        skip();
    }
    return *state;
}

static json_t *ask(struct served *s, const char *cmd)
{
    json_t *reply = NULL;
    struct cp_error e;
    assert_int_equal(vmctl_request(s->sock, cmd, 3000, &reply, &e), 0);
    return reply;
}

static int ask_status(struct served *s, const char *cmd)
{
    json_t *reply = NULL;
    struct cp_error e;
    int rc = vmctl_request(s->sock, cmd, 3000, &reply, &e);
    json_decref(reply);
    return rc;
}

static json_int_t stat_of(struct served *s, const char *field)
{
    json_t *r = ask(s, "stats");
    json_t *v = json_object_get(json_object_get(r, "stats"), field);
    json_int_t n = json_is_boolean(v) ? json_is_true(v) : json_integer_value(v);
    json_decref(r);
    return n;
}


/* Reads a viewer until `needle` shows up (up to ms). */
static bool viewer_sees(int fd, const char *needle, int ms)
{
    static char buf[16384];
    size_t len = 0;
    buf[0] = '\0';
    for (int i = 0; i < ms / 10 && !strstr(buf, needle) && len + 1 < sizeof buf; i++) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, 10) == 1) {
            ssize_t n = read(fd, buf + len, sizeof buf - 1 - len);
            if (n <= 0)
                break;
            len += (size_t)n;
            buf[len] = '\0';
        }
    }
    return strstr(buf, needle) != NULL;
}

static void shell_pause_console_shutdown(void **state)
{
    struct served *s = served(state);
    struct cp_error e;
    int a = vmctl_attach_console(s->sock, &e), b = vmctl_attach_console(s->sock, &e);
    assert_true(a >= 0 && b >= 0);
    assert_true(viewer_sees(a, "cms> ", 5000));
    assert_int_equal(stat_of(s, "viewers"), 2);
    assert_int_equal(stat_of(s, "vcpus"), 1);
    assert_int_equal(stat_of(s, "mem_bytes"), 16 << 20);
    json_decref(ask(s, "pause"));
    assert_int_equal(stat_of(s, "paused"), 1);
    /* Typed while paused: the guest only sees it once resumed. */
    assert_int_equal(write(a, "echo hi\n", 8), 8);
    assert_false(viewer_sees(b, "echo hi", 200));
    json_decref(ask(s, "resume"));
    assert_int_equal(stat_of(s, "paused"), 0);
    assert_true(viewer_sees(b, "echo hi\nhi\n", 5000));
    assert_true(stat_of(s, "hypercalls") > 0);
    json_decref(ask(s, "shutdown"));
    pthread_join(s->vcpu, NULL);
    s->joined = true;
    assert_int_equal(s->end, SOLO_SHUT_DOWN);
    assert_int_equal(ask_status(s, "pause"), -1); /* the domain has ended */
    close(a);
    close(b);
}

/* A paused vCPU does not run the guest and does not spin: the spinning
 * guest's run time stops growing, and so does the thread's CPU time. */
static void spin_pause_parks_the_vcpu(void **state)
{
    struct served *s = served(state);
    sleep_ms(50);
    json_decref(ask(s, "pause"));
    assert_int_equal(run_gate_where(&s->ctl.gate), RUN_GATE_PARKED);
    json_int_t run = stat_of(s, "run_ns");
    struct timespec c0, c1;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
    sleep_ms(200);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
    assert_int_equal(stat_of(s, "run_ns"), run);
    double used_ms = (double)(c1.tv_sec - c0.tv_sec) * 1e3 + (double)(c1.tv_nsec - c0.tv_nsec) / 1e6;
    assert_true(used_ms < 50);
    json_decref(ask(s, "resume"));
    sleep_ms(50);
    json_decref(ask(s, "pause")); /* the kick takes it out of the guest: run_ns grows */
    assert_true(stat_of(s, "run_ns") > run);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(control_option),
        cmocka_unit_test(control_option_errors),
        cmocka_unit_test_setup_teardown(shell_pause_console_shutdown, serve_shell, unserve),
        cmocka_unit_test_setup_teardown(spin_pause_parks_the_vcpu, serve_spin, unserve),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
