/* netback: the VIF's rings to and from a link, on an I/O thread. */
#include "pvio/net/netback.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/errmsg.h"
#include "vfr/link.h"

static struct netback *of(struct pvio_backend *b) { return (struct netback *)b; }

static void say(struct netback *nb, const char *what)
{
    fprintf(stderr, "mica: %s: %s\n", nb->name, what);
}

/* ---- transmit: the guest's frames out to the link ------------------------ */

static int16_t transmit(struct netback *nb, const struct mica_net_tx_request *req)
{
    if (req->size < MICA_NET_FRAME_MIN || req->size > MICA_NET_FRAME_MAX ||
        (uint32_t)req->offset + req->size > MICA_PAGE_SIZE) {
        nb->c.tx_errors++;
        return MICA_NET_ERROR;
    }
    const struct pvio_connect *c = &nb->conn;
    if (c->dom_ops->grant_copy(c->dom, req->gref, req->offset, nb->frame, req->size, false) < 0) {
        nb->c.tx_errors++;
        return MICA_NET_ERROR;
    }
    if (!vfr_link_write(nb->link_fd, nb->link_is_socket, nb->frame, req->size)) {
        nb->c.tx_dropped++;
        return MICA_NET_DROPPED;
    }
    nb->c.tx_frames++;
    nb->c.tx_bytes += req->size;
    return MICA_NET_OK;
}

static void ring_corrupt(struct netback *nb, const char *which)
{
    nb->c.ring_corrupt++;
    nb->broken = true;
    char msg[96];
    snprintf(msg, sizeof msg, "the guest corrupted its %s ring: no longer served", which);
    say(nb, msg);
}

/* Serves up to NETBACK_BUDGET tx requests; true when more are waiting. */
static bool serve_tx(struct netback *nb)
{
    int64_t n = mica_back_ring_pending(&nb->tx);
    if (n < 0) {
        ring_corrupt(nb, "transmit");
        return false;
    }
    bool more = n > NETBACK_BUDGET;
    if (more)
        n = NETBACK_BUDGET;
    for (int64_t i = 0; i < n; i++) {
        union mica_net_tx_entry e;
        mica_back_ring_take(&nb->tx, &e);
        struct mica_net_tx_response rsp = {.id = e.req.id, .status = transmit(nb, &e.req)};
        union mica_net_tx_entry out = {.rsp = rsp};
        mica_back_ring_put(&nb->tx, &out);
    }
    if (n && mica_back_ring_push(&nb->tx))
        nb->conn.dom_ops->notify_guest(nb->conn.dom, nb->conn.port);
    if (more)
        return true;
    int64_t again = mica_back_ring_final_check(&nb->tx);
    return again != 0; /* < 0: caught on the next pass */
}

/* ---- receive: frames from the link into the guest's posted buffers -------- */

/* Fills the next posted buffer with the frame in nb->frame; false when the
 * ring is corrupt. */
static bool deliver(struct netback *nb, size_t len, bool *pushed)
{
    int64_t posted = mica_back_ring_pending(&nb->rx);
    if (posted < 0) {
        ring_corrupt(nb, "receive");
        return false;
    }
    if (posted == 0) {
        nb->c.rx_no_buffer++;
        return true;
    }
    union mica_net_rx_entry e;
    mica_back_ring_take(&nb->rx, &e);
    struct mica_net_rx_response rsp = {.id = e.req.id, .status = MICA_NET_ERROR};
    const struct pvio_connect *c = &nb->conn;
    if (c->dom_ops->grant_copy(c->dom, e.req.gref, 0, nb->frame, len, true) == 0) {
        rsp.status = (int16_t)len;
        nb->c.rx_frames++;
        nb->c.rx_bytes += len;
    } else {
        nb->c.rx_errors++;
    }
    union mica_net_rx_entry out = {.rsp = rsp};
    mica_back_ring_put(&nb->rx, &out);
    *pushed = true;
    return true;
}

static void link_closed(struct netback *nb)
{
    if (!nb->link_open)
        return;
    nb->link_open = false;
    if (nb->thread_running)
        evloop_remove(&nb->loop, nb->link_fd);
    say(nb, "its link closed: the guest's frames are dropped from now on");
}

/* Takes up to NETBACK_BUDGET frames from the link; true when it may hold more. */
static bool serve_rx(struct netback *nb)
{
    bool pushed = false, more = true;
    for (int i = 0; i < NETBACK_BUDGET && !nb->broken; i++) {
        ssize_t n = read(nb->link_fd, nb->frame, sizeof nb->frame);
        if (n <= 0) {
            if (n == 0 || (errno != EAGAIN && errno != EINTR))
                link_closed(nb);
            more = false;
            break;
        }
        if (n < (ssize_t)MICA_NET_FRAME_MIN || n > (ssize_t)MICA_NET_FRAME_MAX) {
            nb->c.rx_errors++;
            continue;
        }
        if (!deliver(nb, (size_t)n, &pushed))
            break;
    }
    if (pushed && mica_back_ring_push(&nb->rx))
        nb->conn.dom_ops->notify_guest(nb->conn.dom, nb->conn.port);
    return more && !nb->broken;
}

bool netback_pass(struct netback *nb)
{
    if (!nb->connected || nb->broken)
        return false;
    bool more_tx = serve_tx(nb);
    bool more_rx = !nb->broken && nb->link_open && serve_rx(nb);
    return (more_tx || more_rx) && !nb->broken;
}

/* ---- the I/O thread --------------------------------------------------------- */

static void kick_self(struct netback *nb)
{
    uint64_t one = 1;
    if (write(nb->kick_fd, &one, sizeof one) < 0) { /* full counter: a kick is pending anyway */
    }
}

static void on_kick(void *ctx, int fd, uint32_t events)
{
    (void)events;
    uint64_t v;
    if (read(fd, &v, sizeof v) < 0) { /* nothing to take: another wake-up took it */
    }
    (void)ctx;
}

/* Readable: the pass after this wake-up reads it. A hang-up without data
 * to read ends the link here (read would say so too). */
static void on_link(void *ctx, int fd, uint32_t events)
{
    (void)fd;
    if ((events & (EPOLLHUP | EPOLLERR)) && !(events & EPOLLIN))
        link_closed(ctx);
}

/* After each wake-up's callbacks: one bounded pass; work left comes back
 * through the eventfd, behind whatever else is ready. */
static void after_wake(void *ctx)
{
    struct netback *nb = ctx;
    if (netback_pass(nb))
        kick_self(nb);
}

static void *io_thread(void *arg)
{
    struct netback *nb = arg;
    if (evloop_run(&nb->loop) < 0)
        say(nb, evloop_error(&nb->loop));
    return NULL;
}

static int start_thread(struct netback *nb, char *err, size_t errlen)
{
    int rc = evloop_init(&nb->loop);
    if (rc == 0)
        rc = evloop_add(&nb->loop, nb->kick_fd, EPOLLIN, on_kick, nb);
    if (rc == 0 && nb->link_open)
        rc = evloop_add(&nb->loop, nb->link_fd, EPOLLIN, on_link, nb);
    if (rc < 0) {
        errmsg(err, errlen, -1, "%s: I/O thread: %s", nb->name, evloop_error(&nb->loop));
        evloop_destroy(&nb->loop);
        return -1;
    }
    evloop_set_after_wake(&nb->loop, after_wake, nb);
    nb->thread_running = true; /* before the thread can look at it */
    rc = pthread_create(&nb->thread, NULL, io_thread, nb);
    if (rc) {
        nb->thread_running = false;
        evloop_destroy(&nb->loop);
        return errmsg(err, errlen, -1, "%s: I/O thread: %s", nb->name, strerror(rc));
    }
    return 0;
}

static void stop_thread(struct netback *nb)
{
    if (!nb->thread_running)
        return;
    evloop_quit(&nb->loop);
    pthread_join(nb->thread, NULL);
    evloop_destroy(&nb->loop);
    nb->thread_running = false;
}

/* ---- struct pvio_backend_ops ----------------------------------------------------- */

static void nb_notify(struct pvio_backend *b)
{
    struct netback *nb = of(b);
    if (nb->threaded)
        kick_self(nb); /* never blocks: an eventfd write */
}

static int nb_connect(struct pvio_backend *b, const struct pvio_connect *c, char *err,
                      size_t errlen)
{
    struct netback *nb = of(b);
    if (c->rings != 2)
        return errmsg(err, errlen, -1, "%s: a VIF has two rings, not %u", nb->name, c->rings);
    nb->conn = *c;
    mica_back_ring_attach(&nb->tx, c->ring[0], MICA_NET_TX_RING_ENTRY);
    mica_back_ring_attach(&nb->rx, c->ring[1], MICA_NET_RX_RING_ENTRY);
    nb->broken = false;
    nb->connected = true;
    if (nb->threaded && start_thread(nb, err, errlen) < 0) {
        nb->connected = false;
        return -1;
    }
    if (nb->threaded)
        kick_self(nb); /* requests queued before the connect */
    return 0;
}

static void nb_disconnect(struct pvio_backend *b)
{
    struct netback *nb = of(b);
    stop_thread(nb); /* the pass in progress finishes; no grant is held past it */
    nb->connected = false;
}

static void report(struct netback *nb)
{
    const struct netback_counters *c = &nb->c;
    if (!(c->tx_errors || c->tx_dropped || c->rx_no_buffer || c->rx_errors || c->ring_corrupt))
        return;
    fprintf(stderr,
            "mica: %s: tx %" PRIu64 " frames (%" PRIu64 " bad, %" PRIu64 " dropped), rx %" PRIu64
            " frames (%" PRIu64 " dropped without a buffer, %" PRIu64 " bad)\n",
            nb->name, c->tx_frames, c->tx_errors, c->tx_dropped, c->rx_frames, c->rx_no_buffer,
            c->rx_errors);
}

static void nb_detach(struct pvio_backend *b)
{
    struct netback *nb = of(b);
    stop_thread(nb);
    report(nb);
    if (nb->link_fd >= 0)
        close(nb->link_fd);
    if (nb->kick_fd >= 0)
        close(nb->kick_fd);
    nb->link_fd = nb->kick_fd = -1;
}

static size_t nb_save(struct pvio_backend *b, void *buf, size_t len)
{
    (void)b, (void)buf, (void)len;
    return 0; /* frames in flight are not state: a NIC may lose them */
}

static int nb_restore(struct pvio_backend *b, const void *buf, size_t len, char *err,
                      size_t errlen)
{
    (void)buf;
    if (len)
        return errmsg(err, errlen, -1, "%s: a VIF keeps no state to restore", of(b)->name);
    return 0;
}

static const struct pvio_backend_ops netback_ops = {
    .name = "net", .notify = nb_notify, .save = nb_save, .restore = nb_restore,
    .detach = nb_detach, .connect = nb_connect, .disconnect = nb_disconnect,
};

int netback_init(struct netback *nb, int link_fd, const char *name, bool threaded, char *err,
                 size_t errlen)
{
    memset(nb, 0, sizeof *nb);
    nb->base.ops = &netback_ops;
    nb->link_fd = link_fd;
    nb->link_open = true;
    nb->threaded = threaded;
    snprintf(nb->name, sizeof nb->name, "%s", name);
    struct stat st;
    nb->link_is_socket = fstat(link_fd, &st) == 0 && S_ISSOCK(st.st_mode);
    int fl = fcntl(link_fd, F_GETFL);
    nb->kick_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (fl < 0 || fcntl(link_fd, F_SETFL, fl | O_NONBLOCK) < 0 || nb->kick_fd < 0) {
        errmsg(err, errlen, -1, "%s: %s", name, strerror(errno));
        nb_detach(&nb->base);
        return -1;
    }
    return 0;
}
