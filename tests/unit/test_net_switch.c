/* The switch process (run/net_switch.h) in a child process, and VIF links
 * to it opened as `mica run --net` opens them (run/vif.h): hellos good and
 * bad, frames forwarded, a denied flow and a spoofed frame dropped and
 * counted, the counters printed at the end. Also the --net and `mica
 * switch` option parsers. No KVM needed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/switch_options.h"
#include "ctl/unix_socket.h"
#include "run/net_switch.h"
#include "run/vif.h"
#include "support/frames.h"
#include "vfr/link.h"

static char dir[64], path[128];
static pid_t child;
static int out_fd = -1; /* the switch's stdout */
static char out[8192];

static bool wait_readable(int fd)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    return poll(&p, 1, 10000) == 1; /* a bound, not a timing assertion */
}

/* Reads the switch's stdout until it holds `want` (or 10 s pass). */
static bool wait_output(const char *want)
{
    size_t len = strlen(out);
    while (!strstr(out, want)) {
        if (!wait_readable(out_fd))
            return false;
        ssize_t n = read(out_fd, out + len, sizeof out - 1 - len);
        if (n <= 0)
            return false;
        len += (size_t)n;
        out[len] = 0;
    }
    return true;
}

static int start_switch(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/mica-switch-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    snprintf(path, sizeof path, "%s/sw", dir);
    int p[2];
    if (pipe(p) < 0)
        return -1;
    out[0] = 0;
    child = fork();
    if (child == 0) {
        dup2(p[1], STDOUT_FILENO);
        close(p[0]);
        static struct net_switch_config cfg;
        char err[256];
        char *argv[] = {"switch", path, "--rule", "deny,proto=udp,dport=9", NULL};
        if (switch_options_parse(4, argv, &cfg, err, sizeof err) != 0)
            _exit(99);
        _exit(net_switch_run(&cfg));
    }
    close(p[1]);
    out_fd = p[0];
    return wait_output("listening") ? 0 : -1;
}

static int stop_switch(void **state)
{
    (void)state;
    if (child > 0) {
        kill(child, SIGKILL);
        waitpid(child, NULL, 0);
    }
    close(out_fd);
    unlink(path);
    rmdir(dir);
    return 0;
}

static int plug(const char *name, const uint8_t mac[6], uint32_t ip, char *err, size_t errlen)
{
    struct vif_spec s = {.switch_path = path, .has_mac = true, .has_ip = true, .ip = ip};
    memcpy(s.mac, mac, 6);
    snprintf(s.name, sizeof s.name, "%s", name);
    return vif_open_link(&s, "guest", 0, err, errlen);
}

static void frames_go_through_the_vfr(void **state)
{
    (void)state;
    char err[256];
    int a = plug("a", mac_a, IP_A, err, sizeof err);
    int b = plug("b", mac_b, IP_B, err, sizeof err);
    assert_true(a >= 0 && b >= 0);
    assert_true(wait_output("b plugged in"));
    /* the same MAC again is refused, with the switch's reason */
    assert_int_equal(plug("c", mac_a, IP_A, err, sizeof err), -1);
    assert_non_null(strstr(err, "refused: error: switch: port c: its MAC is another port's"));
    uint8_t f[128], got[2048];
    size_t n7 = frame_udp(f, mac_b, mac_a, IP_A, IP_B, 1000, 7);
    assert_int_equal(send(a, f, n7, 0), (ssize_t)n7);
    assert_true(wait_readable(b));
    assert_int_equal(recv(b, got, sizeof got, 0), (ssize_t)n7);
    assert_memory_equal(got, f, n7);
    /* denied by the rule, then spoofed: neither arrives, the next does */
    size_t n9 = frame_udp(f, mac_b, mac_a, IP_A, IP_B, 1000, 9);
    assert_int_equal(send(a, f, n9, 0), (ssize_t)n9);
    size_t ns = frame_udp(f, mac_b, mac_a, IP_B, IP_B, 1000, 7);
    assert_int_equal(send(a, f, ns, 0), (ssize_t)ns);
    size_t na = frame_arp(f, mac_a, 1, IP_A, IP_B);
    assert_int_equal(send(a, f, na, 0), (ssize_t)na);
    assert_true(wait_readable(b));
    assert_int_equal(recv(b, got, sizeof got, 0), (ssize_t)na);
    assert_int_equal(got[12] << 8 | got[13], 0x0806);
    /* the counters, on SIGTERM */
    kill(child, SIGTERM);
    assert_true(wait_output("switch: default allow"));
    assert_non_null(strstr(out, "port a: in 2 frames"));
    assert_non_null(strstr(out, "1 spoofed 1 denied 0 malformed"));
    assert_non_null(strstr(out, "rule 1 deny,proto=17,sport=0-65535,dport=9-9: 1 frames"));
    int status;
    assert_int_equal(waitpid(child, &status, 0), child);
    child = 0;
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    close(a);
    close(b);
}

static void bad_hellos_are_refused(void **state)
{
    (void)state;
    static const char *const bad[] = {"hello", "micavif1 but far too short"};
    for (size_t i = 0; i < 2; i++) {
        int fd = unix_connect_seqpacket(path);
        assert_true(fd >= 0);
        assert_true(send(fd, bad[i], strlen(bad[i]), 0) > 0);
        char reply[VFR_REPLY_MAX + 1] = "";
        assert_true(wait_readable(fd));
        ssize_t n = recv(fd, reply, VFR_REPLY_MAX, 0);
        assert_true(n > 0);
        reply[n] = 0;
        assert_non_null(strstr(reply, "error: hello:"));
        assert_int_equal(recv(fd, reply, VFR_REPLY_MAX, 0), 0); /* and closed */
        close(fd);
    }
    struct vfr_hello h;
    struct vfr_port_config cfg = {.name = "x", .mac = {2, 0, 0, 0, 0, 1}};
    struct vfr_port_config got;
    char name[VFR_NAME_MAX], err[256];
    vfr_hello_make(&h, &cfg);
    assert_int_equal(vfr_hello_check(&h, sizeof h, &got, name, err, sizeof err), 0);
    assert_string_equal(got.name, "x");
    memset(h.name, 'x', sizeof h.name); /* unterminated */
    assert_int_equal(vfr_hello_check(&h, sizeof h, &got, name, err, sizeof err), -1);
    vfr_hello_make(&h, &cfg);
    h.has_ip = 7;
    assert_int_equal(vfr_hello_check(&h, sizeof h, &got, name, err, sizeof err), -1);
    /* a link that closes unplugs its VIF: the name is free again */
    int a = plug("again", mac_a, IP_A, err, sizeof err);
    assert_true(a >= 0);
    close(a);
    assert_true(wait_output("again unplugged"));
    a = plug("again", mac_a, IP_A, err, sizeof err);
    assert_true(a >= 0);
    close(a);
}

static void net_options_parse(void **state)
{
    (void)state;
    char text[256], err[256];
    struct vif_spec s;
    strcpy(text, "switch=/run/sw,mac=02:00:00:00:00:0a,ip=10.0.0.1,name=web");
    assert_int_equal(vif_spec_parse(text, &s, err, sizeof err), 0);
    assert_string_equal(s.switch_path, "/run/sw");
    assert_memory_equal(s.mac, mac_a, 6);
    assert_int_equal(s.ip, IP_A);
    assert_string_equal(s.name, "web");
    assert_int_equal(vif_mac_word(mac_a), 0x0a0000000002ull);
    strcpy(text, "tap=tap0");
    assert_int_equal(vif_spec_parse(text, &s, err, sizeof err), 0);
    assert_string_equal(s.tap, "tap0");
    static const char *const bad[] = {
        "", "switch", "switch=", "mac=02:00:00:00:00:01", "switch=/a,tap=t", "switch=/a,switch=/b",
        "switch=/a,mac=ff:ff:ff:ff:ff:ff", "switch=/a,mac=02:00", "switch=/a,ip=300.1.1.1",
        "switch=/a,name=a b", "switch=/a,name=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "switch=/a,speed=10", "switch=/a,ip=1.2.3.4,ip=1.2.3.5",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        strcpy(text, bad[i]);
        err[0] = 0;
        assert_int_equal(vif_spec_parse(text, &s, err, sizeof err), -1);
        assert_non_null(strstr(err, "--net"));
    }
    /* a tap needs its name */
    strcpy(text, "tap=");
    assert_int_equal(vif_spec_parse(text, &s, err, sizeof err), -1);
}

static void switch_options(void **state)
{
    (void)state;
    static struct net_switch_config c;
    char err[256];
    char *ok[] = {"switch", "--rule", "allow,ether=arp", "--default", "deny", "/p", NULL};
    assert_int_equal(switch_options_parse(6, ok, &c, err, sizeof err), 0);
    assert_string_equal(c.path, "/p");
    assert_int_equal(c.nrules, 1);
    assert_int_equal(c.default_action, VFR_DENY);
    char *help[] = {"switch", "--help", NULL};
    assert_int_equal(switch_options_parse(2, help, &c, err, sizeof err), 1);
    char *none[] = {"switch", NULL};
    assert_int_equal(switch_options_parse(1, none, &c, err, sizeof err), -1);
    char *two[] = {"switch", "/a", "/b", NULL};
    assert_int_equal(switch_options_parse(3, two, &c, err, sizeof err), -1);
    char *badrule[] = {"switch", "--rule", "drop", "/p", NULL};
    assert_int_equal(switch_options_parse(4, badrule, &c, err, sizeof err), -1);
    assert_non_null(strstr(err, "rule 'drop'"));
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(frames_go_through_the_vfr, start_switch, stop_switch),
        cmocka_unit_test_setup_teardown(bad_hellos_are_refused, start_switch, stop_switch),
        cmocka_unit_test(net_options_parse),
        cmocka_unit_test(switch_options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
