/* The switch process: VIF links and a tap uplink around one vfr_switch. */
#include "run/net_switch.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ctl/unix_socket.h"
#include "mica/io/netif.h"
#include "run/exit_status.h"
#include "util/evloop.h"
#include "util/log.h"
#include "util/signals.h"
#include "vfr/link.h"
#include "vfr/tap.h"

struct link {
    int fd;           /* -1: a free slot */
    int port;         /* in the switch, -1 until its hello plugged it in */
    bool is_socket;
    char name[VFR_NAME_MAX];
};

struct server {
    struct vfr_switch sw;
    struct evloop loop;
    struct link links[NET_SWITCH_LINKS];
    int port_link[VFR_PORTS_MAX]; /* port -> link index */
    uint8_t frame[MICA_NET_FRAME_MAX + 1]; /* one more: a longer message is malformed */
};

static int deliver(void *ctx, unsigned port, const uint8_t *frame, size_t len)
{
    struct server *s = ctx;
    struct link *l = &s->links[s->port_link[port]];
    return vfr_link_write(l->fd, l->is_socket, frame, len) ? 0 : -1;
}

static void print_port(const struct vfr_port *p, FILE *out)
{
    const struct vfr_port_counters *c = &p->c;
    fprintf(out,
            "switch: port %s: in %" PRIu64 " frames %" PRIu64 " bytes, out %" PRIu64
            " frames %" PRIu64 " bytes, dropped: %" PRIu64 " spoofed %" PRIu64 " denied %" PRIu64
            " malformed %" PRIu64 " full\n",
            p->name, c->in_frames, c->in_bytes, c->out_frames, c->out_bytes, c->spoofed,
            c->denied, c->malformed, c->out_dropped);
}

static void drop_link(struct server *s, struct link *l)
{
    if (l->port >= 0) {
        printf("switch: %s unplugged\n", l->name);
        print_port(&s->sw.port[l->port], stdout); /* its counters go with it */
        fflush(stdout);
        vfr_switch_unplug(&s->sw, (unsigned)l->port);
    }
    evloop_remove(&s->loop, l->fd);
    close(l->fd);
    *l = (struct link){.fd = -1, .port = -1};
}

/* The first message of a link: plug the VIF in, or say why not. */
static void hello(struct server *s, struct link *l, size_t len)
{
    struct vfr_port_config cfg;
    char err[VFR_REPLY_MAX - 8], reply[VFR_REPLY_MAX];
    int port = -1;
    if (vfr_hello_check(s->frame, len, &cfg, l->name, err, sizeof err) == 0)
        port = vfr_switch_plug(&s->sw, &cfg, err, sizeof err);
    if (port >= 0)
        snprintf(reply, sizeof reply, "ok");
    else
        snprintf(reply, sizeof reply, "error: %s", err);
    if (send(l->fd, reply, strlen(reply), MSG_DONTWAIT | MSG_NOSIGNAL) < 0 || port < 0) {
        drop_link(s, l);
        return;
    }
    l->port = port;
    s->port_link[port] = (int)(l - s->links);
    printf("switch: %s plugged in\n", l->name);
    fflush(stdout);
}

static void on_link(void *ctx, int fd, uint32_t events)
{
    struct server *s = ctx;
    struct link *l = NULL;
    for (size_t i = 0; i < NET_SWITCH_LINKS && !l; i++)
        if (s->links[i].fd == fd)
            l = &s->links[i];
    if (!l)
        return;
    for (int i = 0; i < NET_SWITCH_BUDGET; i++) {
        ssize_t n = read(fd, s->frame, sizeof s->frame);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            return;
        if (n <= 0) { /* the VM went away (or its link broke) */
            drop_link(s, l);
            return;
        }
        if (l->port < 0) {
            hello(s, l, (size_t)n);
            if (l->fd < 0)
                return;
            continue;
        }
        vfr_switch_input(&s->sw, (unsigned)l->port, s->frame, (size_t)n, deliver, s);
    }
    (void)events; /* more waits: the loop is level-triggered */
}

static struct link *free_link(struct server *s)
{
    for (size_t i = 0; i < NET_SWITCH_LINKS; i++)
        if (s->links[i].fd < 0)
            return &s->links[i];
    return NULL;
}

static void on_accept(void *ctx, int fd, uint32_t events)
{
    (void)events;
    struct server *s = ctx;
    for (int i = 0; i < NET_SWITCH_BUDGET; i++) {
        int c = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (c < 0)
            return;
        struct link *l = free_link(s);
        if (!l || evloop_add(&s->loop, c, EPOLLIN, on_link, s) < 0) {
            close(c); /* every slot is taken: the VM hears the link close */
            continue;
        }
        *l = (struct link){.fd = c, .port = -1, .is_socket = true};
    }
}

static void on_signal(void *ctx, int fd, uint32_t events)
{
    (void)events;
    struct server *s = ctx;
    struct signalfd_siginfo si;
    while (read(fd, &si, sizeof si) == sizeof si) {
        net_switch_print(&s->sw, stdout);
        fflush(stdout);
        if (si.ssi_signo != SIGUSR1)
            evloop_quit(&s->loop);
    }
}

static int plug_tap(struct server *s, const char *name, char *err, size_t errlen)
{
    int fd = tap_open(name, err, errlen);
    if (fd < 0)
        return -1;
    struct vfr_port_config cfg = {.name = name, .uplink = true};
    struct link *l = free_link(s);
    int port = vfr_switch_plug(&s->sw, &cfg, err, errlen);
    if (port < 0 || evloop_add(&s->loop, fd, EPOLLIN, on_link, s) < 0) {
        close(fd);
        return errmsg(err, errlen, -1, "tap %s: cannot watch it", name);
    }
    *l = (struct link){.fd = fd, .port = port};
    snprintf(l->name, sizeof l->name, "%s", name);
    s->port_link[port] = (int)(l - s->links);
    return 0;
}

static int start(struct server *s, const struct net_switch_config *cfg, int sig_fd, char *err,
                 size_t errlen)
{
    vfr_switch_init(&s->sw, cfg->default_action);
    for (size_t i = 0; i < NET_SWITCH_LINKS; i++)
        s->links[i] = (struct link){.fd = -1, .port = -1};
    for (size_t i = 0; i < cfg->nrules; i++)
        if (vfr_switch_add_rule(&s->sw, &cfg->rules[i], err, errlen) < 0)
            return -1;
    int rc = evloop_init(&s->loop);
    if (rc < 0)
        return errmsg(err, errlen, -1, "switch: %s", evloop_error(&s->loop));
    if (evloop_add(&s->loop, sig_fd, EPOLLIN, on_signal, s) < 0)
        return errmsg(err, errlen, -1, "switch: %s", evloop_error(&s->loop));
    if (cfg->tap && plug_tap(s, cfg->tap, err, errlen) < 0)
        return -1;
    int lfd = unix_listen_seqpacket(cfg->path, err, errlen);
    if (lfd < 0)
        return -1;
    if (evloop_add(&s->loop, lfd, EPOLLIN, on_accept, s) < 0) {
        close(lfd);
        return errmsg(err, errlen, -1, "switch: %s", evloop_error(&s->loop));
    }
    return lfd;
}

int net_switch_run(const struct net_switch_config *cfg)
{
    static const int sigs[] = {SIGTERM, SIGINT, SIGHUP, SIGUSR1, 0};
    int sig_fd = signals_block_to_fd(sigs);
    struct server *s = calloc(1, sizeof *s);
    char err[512];
    int lfd = -1, status = 0;
    if (sig_fd < 0 || !s) {
        mica_error("switch: cannot set up: %s", strerror(errno));
        status = MICA_STATUS_ERROR;
    } else if ((lfd = start(s, cfg, sig_fd, err, sizeof err)) < 0) {
        mica_error("%s", err);
        status = MICA_STATUS_ERROR;
    } else {
        printf("switch: listening on %s\n", cfg->path);
        fflush(stdout);
        if (evloop_run(&s->loop) < 0) {
            mica_error("switch: %s", evloop_error(&s->loop));
            status = MICA_STATUS_ERROR;
        }
        unlink(cfg->path);
    }
    if (s) {
        for (size_t i = 0; i < NET_SWITCH_LINKS; i++)
            if (s->links[i].fd >= 0)
                close(s->links[i].fd);
        if (lfd >= 0)
            close(lfd);
        evloop_destroy(&s->loop);
        free(s);
    }
    if (sig_fd >= 0)
        close(sig_fd);
    return status;
}

void net_switch_print(const struct vfr_switch *s, FILE *out)
{
    for (unsigned i = 0; i < VFR_PORTS_MAX; i++)
        if (s->port[i].used)
            print_port(&s->port[i], out);
    for (size_t i = 0; i < s->nrules; i++) {
        char text[256];
        vfr_rule_format(&s->rules[i], text, sizeof text);
        fprintf(out, "switch: rule %zu %s: %" PRIu64 " frames\n", i + 1, text, s->rules[i].hits);
    }
    fprintf(out, "switch: default %s: %" PRIu64 " frames\n",
            s->default_action == VFR_ALLOW ? "allow" : "deny", s->default_hits);
}
