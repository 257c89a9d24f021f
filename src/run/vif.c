/* `mica run --net`: parsing, the link to a switch or tap, the device. */
#include "run/vif.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ctl/unix_socket.h"
#include "mica/io/netif.h"
#include "pv/domain.h"
#include "util/errmsg.h"
#include "vfr/link.h"
#include "vfr/tap.h"

#define HELLO_WAIT_MS 5000

static int parse_field(const char *key, char *v, struct vif_spec *s)
{
    if (!strcmp(key, "switch") && v[0] && !s->switch_path && !s->tap)
        return s->switch_path = v, 0;
    if (!strcmp(key, "tap") && v[0] && !s->switch_path && !s->tap)
        return s->tap = v, 0;
    if (!strcmp(key, "mac") && !s->has_mac) {
        s->has_mac = true;
        return vfr_parse_mac(v, s->mac) < 0 || vfr_mac_is_multicast(s->mac) ? -1 : 0;
    }
    if (!strcmp(key, "ip") && !s->has_ip)
        return s->has_ip = true, vfr_parse_ipv4(v, &s->ip);
    if (!strcmp(key, "name") && !s->name[0]) {
        size_t n = strlen(v);
        if (n == 0 || n >= sizeof s->name || strspn(v, "abcdefghijklmnopqrstuvwxyz"
                                                       "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") != n)
            return -1;
        memcpy(s->name, v, n + 1);
        return 0;
    }
    return -1;
}

int vif_spec_parse(char *text, struct vif_spec *s, char *err, size_t errlen)
{
    memset(s, 0, sizeof *s);
    char copy[256];
    snprintf(copy, sizeof copy, "%s", text); /* for the message: strtok cuts text */
    char *save = NULL;
    for (char *tok = strtok_r(text, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(tok, '=');
        if (!eq)
            return errmsg(err, errlen, -1, "--net '%s': '%s' is not KEY=VALUE", copy, tok);
        *eq = 0;
        if (parse_field(tok, eq + 1, s) < 0)
            return errmsg(err, errlen, -1, "--net '%s': bad or repeated %s '%s'", copy, tok,
                          eq + 1);
    }
    if (!s->switch_path && !s->tap)
        return errmsg(err, errlen, -1, "--net '%s': give switch=PATH or tap=NAME", copy);
    return 0;
}

uint64_t vif_mac_word(const uint8_t mac[6])
{
    uint64_t w = 0;
    for (int i = 5; i >= 0; i--)
        w = w << 8 | mac[i];
    return w;
}

static void fill_defaults(struct vif_spec *s, const char *guest, unsigned index)
{
    if (!s->has_mac) {
        uint8_t r[4] = {0};
        if (getrandom(r, sizeof r, 0) != sizeof r) { /* unlikely: the index still differs */
        }
        uint8_t mac[6] = {0x02, r[0], r[1], r[2], r[3], (uint8_t)index};
        memcpy(s->mac, mac, 6);
        s->has_mac = true;
    }
    if (!s->name[0])
        snprintf(s->name, sizeof s->name, "%.24s-vif%u", guest, index % 100);
}

/* Says hello and waits for the switch's answer. */
static int greet(int fd, const struct vif_spec *s, char *err, size_t errlen)
{
    struct vfr_port_config cfg = {.name = s->name, .has_ip = s->has_ip, .ip = s->ip};
    memcpy(cfg.mac, s->mac, 6);
    struct vfr_hello h;
    vfr_hello_make(&h, &cfg);
    if (send(fd, &h, sizeof h, MSG_NOSIGNAL) != (ssize_t)sizeof h)
        return errmsg(err, errlen, -1, "--net switch=%s: cannot say hello: %s", s->switch_path,
                      strerror(errno));
    struct pollfd p = {.fd = fd, .events = POLLIN};
    char reply[VFR_REPLY_MAX + 1];
    ssize_t n = poll(&p, 1, HELLO_WAIT_MS) == 1 ? recv(fd, reply, VFR_REPLY_MAX, 0) : -1;
    if (n <= 0)
        return errmsg(err, errlen, -1, "--net switch=%s: the switch did not answer", s->switch_path);
    reply[n] = 0;
    for (ssize_t i = 0; i < n; i++) /* its words go on our terminal: printable only */
        if (reply[i] < 0x20 || reply[i] > 0x7e)
            reply[i] = '?';
    if (strcmp(reply, "ok"))
        return errmsg(err, errlen, -1, "--net switch=%s: VIF %s refused: %s", s->switch_path,
                      s->name, reply);
    return 0;
}

int vif_open_link(struct vif_spec *s, const char *guest, unsigned index, char *err,
                  size_t errlen)
{
    fill_defaults(s, guest, index);
    if (s->tap)
        return tap_open(s->tap, err, errlen);
    int fd = unix_connect_seqpacket(s->switch_path);
    if (fd < 0)
        return errmsg(err, errlen, -1, "--net switch=%s: cannot connect: %s", s->switch_path,
                      strerror(-fd));
    if (greet(fd, s, err, errlen) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

int vif_add(struct pv_domain *d, struct netback *nb, int link_fd, const struct vif_spec *s,
            unsigned index, char *err, size_t errlen)
{
    char name[80];
    snprintf(name, sizeof name, "guest %s: vif%u", d->name, index);
    if (netback_init(nb, link_fd, name, true, err, errlen) < 0)
        return -1;
    struct mica_device_info info = {
        .type = MICA_DEVICE_NET,
        .info = {vif_mac_word(s->mac), MICA_NET_MTU, s->has_ip ? s->ip : 0},
    };
    if (pv_device_add(d, &info, &nb->base, 2, err, errlen) < 0) {
        pvio_detach(&nb->base);
        return -1;
    }
    return 0;
}
