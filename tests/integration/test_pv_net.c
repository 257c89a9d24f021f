/*
 * Two PV guests in two VM processes ping each other through a switch
 * process (`mica switch`, the virtual firewall-router): netecho answers,
 * netping checks ARP, ICMP echo and a UDP echo, that a UDP flow a VFR rule
 * denies gets no answer, and sends one frame from a forged address; the
 * switch's counters show the denied and the spoofed frame.
 * Skipped without /dev/kvm.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "support/run_cmd.h"
#include "support/test_text.h"

static char dir[64], sock[128], switch_out[128], echo_out[128];
static struct cmd_result res;

static const char *guest(const char *name)
{
    static char path[4][512];
    static int next;
    char *p = path[next++ % 4];
    snprintf(p, sizeof path[0], "%s/%s", getenv("GUESTS") ? getenv("GUESTS") : "build/guests", name);
    return p;
}

/* The text of a file (a spawned command's output), at most 64 KiB. */
static const char *slurp(const char *path)
{
    static char buf[65536];
    buf[0] = 0;
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return buf;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    buf[n > 0 ? n : 0] = 0;
    close(fd);
    return buf;
}

/* Waits up to limit_s seconds for needle in a file (a bound, not a timing
 * assertion: the KVM rig is slow). */
static bool wait_for_text(const char *path, const char *needle, int limit_s)
{
    for (int i = 0; i < limit_s * 10; i++) {
        if (strstr(slurp(path), needle))
            return true;
        usleep(100000);
    }
    return false;
}

static int finish(pid_t pid, int limit_s)
{
    for (int i = 0; i < limit_s * 10; i++) {
        int st;
        if (waitpid(pid, &st, WNOHANG) == pid)
            return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        usleep(100000);
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    return -1;
}

static void two_guests_ping_through_the_vfr(void **state)
{
    (void)state;
    if (!kvm_available())
        skip();
    snprintf(dir, sizeof dir, "/tmp/mica-net-XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(sock, sizeof sock, "%s/sw", dir);
    snprintf(switch_out, sizeof switch_out, "%s/switch.out", dir);
    snprintf(echo_out, sizeof echo_out, "%s/echo.out", dir);
    char *sw_argv[] = {(char *)mica(), "switch", sock, "--rule", "deny,proto=udp,dport=9", NULL};
    pid_t sw = spawn_cmd(sw_argv, switch_out);
    assert_true(wait_for_text(switch_out, "listening", 30));

    char echo_net[256], ping_net[256];
    snprintf(echo_net, sizeof echo_net, "switch=%s,mac=02:00:00:00:00:0b,ip=10.0.0.2", sock);
    snprintf(ping_net, sizeof ping_net, "switch=%s,mac=02:00:00:00:00:0a,ip=10.0.0.1", sock);
    char *echo_argv[] = {(char *)mica(), "run", (char *)guest("netecho.elf"), "--name", "echo",
                         "--timeout", "120", "--net", echo_net, NULL};
    pid_t echo = spawn_cmd(echo_argv, echo_out);
    assert_true(wait_for_text(echo_out, "netecho: up", 60));

    char *ping_argv[] = {(char *)mica(), "run", (char *)guest("netping.elf"), "--name", "ping",
                         "--timeout", "100", "--net", ping_net, "--", "10.0.0.2", "count=3",
                         "blocked=9", "spoof=1", NULL};
    assert_int_equal(run_cmd(ping_argv, NULL, 110, &res), 0);
    printf("%s%s", res.out, res.err);
    assert_int_equal(res.status, 0);
    assert_contains(res.out, "netping: icmp seq=3 reply");
    assert_contains(res.out, "netping: udp port 7 echoed");
    assert_contains(res.out, "netping: udp port 9: no reply");
    assert_contains(res.out, "netping: ok");

    assert_int_equal(finish(echo, 30), 0); /* "bye" ended it */
    assert_contains(slurp(echo_out), "netecho: bye");
    kill(sw, SIGTERM);
    assert_int_equal(finish(sw, 30), 0);
    const char *counters = slurp(switch_out);
    printf("%s", counters);
    assert_contains(counters, "rule 1 deny,proto=17,sport=0-65535,dport=9-9: 1 frames");
    assert_contains(counters, "switch: port ping-vif0: in ");
    assert_contains(counters, "dropped: 1 spoofed 1 denied 0 malformed");
    unlink(switch_out);
    unlink(echo_out);
    rmdir(dir);
}

static void a_missing_switch_is_one_clear_line(void **state)
{
    (void)state;
    char *argv[] = {(char *)mica(), "run", (char *)guest("netecho.elf"), "--net",
                    "switch=/nonexistent/sw,ip=10.0.0.2", NULL};
    assert_int_equal(run_cmd(argv, NULL, 30, &res), 0);
    assert_int_equal(res.status, 125);
    assert_contains(res.err, "--net switch=/nonexistent/sw: cannot connect");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(two_guests_ping_through_the_vfr),
        cmocka_unit_test(a_missing_switch_is_one_clear_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
