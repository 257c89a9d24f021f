#include "fv/fv_io.h"

#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "fv/fv_machine.h"
#include "util/log.h"
#include "util/time.h"

#define RETRY_MS 10 /* console input waiting for room in the UART's FIFO */

/* epoll tags: which source is ready. Queue notifications carry the device
 * and queue in the low bits. */
enum { TAG_QUIT = 1, TAG_SIGNAL, TAG_STDIN, TAG_EXTRA, TAG_QUEUE = 0x100 };

static int watch(struct fv_io *io, int fd, uint64_t tag)
{
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = tag};
    return epoll_ctl(io->epfd, EPOLL_CTL_ADD, fd, &ev);
}

static void serve_queue(struct fv_io *io, uint64_t tag)
{
    unsigned d = (unsigned)(tag - TAG_QUEUE) >> 4, q = (unsigned)(tag - TAG_QUEUE) & 0xf;
    struct virtio_mmio_dev *dev = &io->m->virtio.dev[d];
    uint64_t v;
    if (read(dev->q[q].notify_fd, &v, sizeof v) == sizeof v)
        virtio_mmio_process(dev, q);
}

static void on_signal(struct fv_io *io)
{
    struct signalfd_siginfo si;
    if (read(io->sig_fd, &si, sizeof si) == sizeof si)
        fv_machine_end(io->m, FV_END_INTERRUPTED, NULL);
}

static void on_ready(struct fv_io *io, uint64_t tag)
{
    struct fv_console *con = &io->m->console;
    if (tag >= TAG_QUEUE)
        serve_queue(io, tag);
    else if (tag == TAG_SIGNAL)
        on_signal(io);
    else if (tag == TAG_EXTRA)
        io->extra->on_ready(io->extra->ctx);
    else if (tag == TAG_STDIN) {
        fv_console_read_input(con);
        if (con->in_done)
            epoll_ctl(io->epfd, EPOLL_CTL_DEL, con->in_fd, NULL);
    }
}

static int next_timeout_ms(struct fv_io *io)
{
    struct fv_console *con = &io->m->console;
    int ms = -1;
    if (con->in_len || (!io->in_pollable && !con->in_done))
        ms = RETRY_MS;
    if (io->deadline_ns) {
        uint64_t now = monotonic_ns();
        uint64_t left = io->deadline_ns > now ? (io->deadline_ns - now + 999999) / 1000000 : 0;
        if (ms < 0 || left < (uint64_t)ms)
            ms = (int)(left > 60000 ? 60000 : left);
    }
    return ms;
}

static void *io_main(void *arg)
{
    struct fv_io *io = arg;
    struct fv_console *con = &io->m->console;
    for (;;) {
        struct epoll_event ev[16];
        int n = epoll_wait(io->epfd, ev, 16, next_timeout_ms(io));
        for (int i = 0; i < n; i++) {
            if (ev[i].data.u64 == TAG_QUIT)
                return NULL;
            on_ready(io, ev[i].data.u64);
        }
        if (!io->in_pollable && !con->in_done)
            fv_console_read_input(con);
        fv_console_flush_input(con);
        if (io->deadline_ns && monotonic_ns() >= io->deadline_ns)
            fv_machine_end(io->m, FV_END_TIMEOUT, NULL);
    }
}

static int watch_queues(struct fv_io *io)
{
    struct fv_virtio *v = &io->m->virtio;
    for (unsigned d = 0; d < v->n; d++)
        for (unsigned q = 0; q < v->dev[d].ops->num_queues; q++)
            if (watch(io, v->dev[d].q[q].notify_fd, TAG_QUEUE + (d << 4 | q)) < 0)
                return -1;
    return 0;
}

int fv_io_start(struct fv_io *io, struct fv_machine *m, int sig_fd, uint64_t deadline_ns,
                const struct fv_watch *extra, char *err, size_t errlen)
{
    memset(io, 0, sizeof *io);
    io->m = m;
    io->extra = extra && extra->fd >= 0 ? extra : NULL;
    io->sig_fd = sig_fd;
    io->deadline_ns = deadline_ns;
    io->epfd = epoll_create1(EPOLL_CLOEXEC);
    io->quit_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (io->epfd < 0 || io->quit_fd < 0 || watch(io, io->quit_fd, TAG_QUIT) < 0 ||
        (sig_fd >= 0 && watch(io, sig_fd, TAG_SIGNAL) < 0) || watch_queues(io) < 0 ||
        (io->extra && watch(io, io->extra->fd, TAG_EXTRA) < 0))
        return errmsg(err, errlen, -1, "I/O thread setup: %s", strerror(errno));
    /* Regular files and /dev/null cannot be polled: read them on a timer. */
    io->in_pollable = m->console.in_fd >= 0 && watch(io, m->console.in_fd, TAG_STDIN) == 0;
    if (pthread_create(&io->thread, NULL, io_main, io) != 0)
        return errmsg(err, errlen, -1, "cannot start the I/O thread");
    io->started = true;
    return 0;
}

void fv_io_stop(struct fv_io *io)
{
    if (io->started) {
        uint64_t one = 1;
        (void)!write(io->quit_fd, &one, sizeof one);
        pthread_join(io->thread, NULL);
    }
    if (io->epfd >= 0)
        close(io->epfd);
    if (io->quit_fd >= 0)
        close(io->quit_fd);
    io->started = false;
}
