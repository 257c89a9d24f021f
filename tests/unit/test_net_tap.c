/* The switch's uplink to a host tap device, in a network namespace this
 * test makes (so it needs root; it says "skipped" otherwise): a host UDP
 * socket reaches a VIF through the tap and the switch, ARP included, and
 * the VIF's answer reaches the socket. The VIF is the test itself, over a
 * link opened as `mica run --net` opens it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "run/net_switch.h"
#include "run/vif.h"
#include "support/frames.h"

#define TAP "mtap0"
#define HOST_IP 0x0a0900feu /* 10.9.0.254, on the tap, in our own namespace */
#define VIF_IP 0x0a090001u  /* 10.9.0.1 */

static char dir[64], path[128];
static pid_t child;
static int out_fd = -1;

static bool readable(int fd)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    return poll(&p, 1, 10000) == 1; /* a bound, not a timing assertion */
}

static bool wait_line(const char *want, char *buf, size_t cap)
{
    size_t len = 0;
    buf[0] = 0;
    while (!strstr(buf, want) && len < cap - 1) {
        if (!readable(out_fd))
            return false;
        ssize_t n = read(out_fd, buf + len, cap - 1 - len);
        if (n <= 0)
            return false;
        len += (size_t)n;
        buf[len] = 0;
    }
    return strstr(buf, want) != NULL;
}

/* ifconfig TAP 10.9.0.254/24 up, without iproute2. */
static int configure_tap(void)
{
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    struct ifreq r;
    memset(&r, 0, sizeof r);
    strcpy(r.ifr_name, TAP);
    struct sockaddr_in *a = (struct sockaddr_in *)&r.ifr_addr;
    a->sin_family = AF_INET;
    a->sin_addr.s_addr = htonl(HOST_IP);
    int rc = ioctl(s, SIOCSIFADDR, &r);
    a->sin_addr.s_addr = htonl(0xffffff00u);
    rc |= ioctl(s, SIOCSIFNETMASK, &r);
    rc |= ioctl(s, SIOCGIFFLAGS, &r);
    r.ifr_flags |= IFF_UP;
    rc |= ioctl(s, SIOCSIFFLAGS, &r);
    close(s);
    return rc;
}

static void start_switch(void)
{
    snprintf(dir, sizeof dir, "/tmp/mica-tap-XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/sw", dir);
    int p[2];
    assert_int_equal(pipe(p), 0);
    child = fork();
    if (child == 0) {
        dup2(p[1], STDOUT_FILENO);
        static struct net_switch_config cfg;
        cfg.path = path;
        cfg.tap = TAP;
        _exit(net_switch_run(&cfg));
    }
    close(p[1]);
    out_fd = p[0];
}

/* The next IPv4 or ARP frame on the VIF's link (the host's IPv6 chatter
 * through the tap is skipped). */
static ssize_t next_frame(int link, uint8_t *f, size_t cap)
{
    for (int i = 0; i < 100; i++) {
        if (!readable(link))
            return -1;
        ssize_t n = recv(link, f, cap, 0);
        if (n >= 14 && (f[12] << 8 | f[13]) != 0x86dd)
            return n;
    }
    return -1;
}

static void the_host_reaches_a_vif_through_the_tap(void **state)
{
    (void)state;
    if (geteuid() != 0 || unshare(CLONE_NEWNET) < 0) {
        printf("skipped: cannot make a network namespace (%s); the tap test needs root\n",
               geteuid() ? "not root" : strerror(errno));
        skip();
    }
    start_switch();
    char out[8192];
    assert_true(wait_line("listening", out, sizeof out));
    assert_int_equal(configure_tap(), 0);
    struct vif_spec s = {.switch_path = path, .has_mac = true, .has_ip = true, .ip = VIF_IP};
    memcpy(s.mac, mac_a, 6);
    strcpy(s.name, "vif");
    char err[256];
    int link = vif_open_link(&s, "guest", 0, err, sizeof err);
    assert_true(link >= 0);

    int sock = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in me = {.sin_family = AF_INET, .sin_port = htons(5000),
                             .sin_addr.s_addr = htonl(HOST_IP)};
    struct sockaddr_in vif = {.sin_family = AF_INET, .sin_port = htons(7),
                              .sin_addr.s_addr = htonl(VIF_IP)};
    assert_int_equal(bind(sock, (struct sockaddr *)&me, sizeof me), 0);
    assert_int_equal(sendto(sock, "from the host", 13, 0, (struct sockaddr *)&vif, sizeof vif), 13);

    /* the host asks who has 10.9.0.1: the VIF answers */
    uint8_t f[2048], host_mac[6];
    ssize_t n = next_frame(link, f, sizeof f);
    assert_true(n >= 42);
    assert_int_equal(f[12] << 8 | f[13], 0x0806);
    memcpy(host_mac, f + 6, 6);
    size_t m = frame_arp(f, mac_a, 2, VIF_IP, HOST_IP);
    memcpy(f, host_mac, 6);
    memcpy(f + 14 + 18, host_mac, 6);
    assert_int_equal(send(link, f, m, 0), (ssize_t)m);
    /* then the datagram itself */
    n = next_frame(link, f, sizeof f);
    assert_true(n >= 42 + 13);
    assert_int_equal(f[12] << 8 | f[13], 0x0800);
    assert_memory_equal(f + 42, "from the host", 13);
    /* and the VIF's answer reaches the host's socket */
    m = frame_udp(f, host_mac, mac_a, VIF_IP, HOST_IP, 7, 5000);
    assert_int_equal(send(link, f, m, 0), (ssize_t)m);
    char got[64] = "";
    assert_true(readable(sock));
    assert_int_equal(recv(sock, got, sizeof got, 0), 4);
    assert_memory_equal(got, "ping", 4);

    kill(child, SIGTERM);
    assert_true(wait_line("switch: default allow", out, sizeof out));
    assert_non_null(strstr(out, "switch: port " TAP ": in "));
    close(sock);
    close(link);
}

static int teardown(void **state)
{
    (void)state;
    if (child > 0) {
        kill(child, SIGTERM);
        waitpid(child, NULL, 0);
    }
    if (out_fd >= 0)
        close(out_fd);
    if (dir[0])
        rmdir(dir);
    return 0;
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(the_host_reaches_a_vif_through_the_tap, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
