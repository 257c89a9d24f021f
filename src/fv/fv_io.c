#include "fv/fv_io.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "fv/fv_machine.h"
#include "util/log.h"

#define RETRY_NS 10000000ull /* console input waiting for room in the UART's FIFO */

static void on_queue(void *ctx, int fd, uint32_t events)
{
    (void)events;
    struct fv_io_queue *q = ctx;
    uint64_t v;
    if (read(fd, &v, sizeof v) == sizeof v)
        virtio_mmio_process(q->dev, q->q);
}

static void on_signal(void *ctx, int fd, uint32_t events)
{
    (void)events;
    struct fv_io *io = ctx;
    struct signalfd_siginfo si;
    if (read(fd, &si, sizeof si) == sizeof si)
        fv_machine_end(io->m, FV_END_INTERRUPTED, NULL);
}

static void on_stdin(void *ctx, int fd, uint32_t events)
{
    (void)events;
    struct fv_io *io = ctx;
    struct fv_console *con = &io->m->console;
    fv_console_read_input(con);
    if (con->quit) /* an escape key: as Ctrl-C, which the terminal makes a signal */
        fv_machine_end(io->m, FV_END_INTERRUPTED, NULL);
    if (con->in_done) {
        evloop_remove(&io->loop, fd);
    } else if (fv_console_input_full(con)) {
        /* Full until the guest drains its FIFO: a readable stdin would only
         * wake the loop again and again. after_wake() unmutes it. */
        evloop_modify(&io->loop, fd, 0);
        io->in_muted = true;
    }
}

static void on_extra(void *ctx, int fd, uint32_t events)
{
    (void)fd, (void)events;
    struct fv_io *io = ctx;
    io->extra->on_ready(io->extra->ctx);
}

static void on_deadline(void *ctx)
{
    struct fv_io *io = ctx;
    fv_machine_end(io->m, FV_END_TIMEOUT, NULL);
}

static void on_retry(void *ctx)
{
    (void)ctx; /* only a wake-up: after_wake() retries */
}

/* After every wake-up: input that is not pollable is read on a timer, and
 * buffered input offered again until the device takes it. */
static void after_wake(void *ctx)
{
    struct fv_io *io = ctx;
    struct fv_console *con = &io->m->console;
    bool unpolled = !io->in_pollable && !con->in_done;
    if (unpolled)
        fv_console_read_input(con);
    if (con->quit)
        fv_machine_end(io->m, FV_END_INTERRUPTED, NULL);
    fv_console_flush_input(con);
    bool room = !fv_console_input_full(con);
    if (io->in_muted && room && evloop_modify(&io->loop, con->in_fd, EPOLLIN) == 0)
        io->in_muted = false;
    if ((con->in_len || unpolled) && !io->retry.armed)
        evloop_timer_after(&io->loop, &io->retry, RETRY_NS);
}

static void *io_main(void *arg)
{
    struct fv_io *io = arg;
    if (evloop_run(&io->loop) < 0) {
        char report[256];
        snprintf(report, sizeof report, "I/O thread: %s\n", evloop_error(&io->loop));
        fv_machine_end(io->m, FV_END_CRASHED, report);
    }
    return NULL;
}

static int watch_queues(struct fv_io *io)
{
    struct fv_virtio *v = &io->m->virtio;
    unsigned n = 0;
    for (unsigned d = 0; d < v->n; d++)
        for (unsigned q = 0; q < v->dev[d].ops->num_queues; q++) {
            struct fv_io_queue *s = &io->queues[n++];
            *s = (struct fv_io_queue){.dev = &v->dev[d], .q = q};
            int rc = evloop_add(&io->loop, v->dev[d].q[q].notify_fd, EPOLLIN, on_queue, s);
            if (rc < 0)
                return rc;
        }
    return 0;
}

static int subscribe(struct fv_io *io, uint64_t deadline_ns)
{
    struct evloop *l = &io->loop;
    int rc = 0;
    if (io->sig_fd >= 0)
        rc = evloop_add(l, io->sig_fd, EPOLLIN, on_signal, io);
    if (rc == 0)
        rc = watch_queues(io);
    if (rc == 0 && io->extra)
        rc = evloop_add(l, io->extra->fd, EPOLLIN, on_extra, io);
    evloop_timer_init(&io->deadline, on_deadline, io);
    evloop_timer_init(&io->retry, on_retry, io);
    if (rc == 0 && deadline_ns)
        rc = evloop_timer_at(l, &io->deadline, deadline_ns);
    evloop_set_after_wake(l, after_wake, io);
    return rc;
}

int fv_io_start(struct fv_io *io, struct fv_machine *m, int sig_fd, uint64_t deadline_ns,
                const struct fv_watch *extra, char *err, size_t errlen)
{
    memset(io, 0, sizeof *io);
    io->m = m;
    io->extra = extra && extra->fd >= 0 ? extra : NULL;
    io->sig_fd = sig_fd;
    int rc = evloop_init(&io->loop);
    io->loop_ready = true; /* safe to destroy even when init failed */
    if (rc == 0)
        rc = subscribe(io, deadline_ns);
    if (rc < 0)
        return errmsg(err, errlen, -1, "I/O thread setup: %s", evloop_error(&io->loop));
    /* Regular files and /dev/null cannot be polled: read them on a timer. */
    int in = m->console.in_fd;
    io->in_pollable = in >= 0 && evloop_add(&io->loop, in, EPOLLIN, on_stdin, io) == 0;
    /* A first wake-up at once: after_wake() reads what cannot be polled. */
    if (evloop_timer_after(&io->loop, &io->retry, 0) < 0)
        return errmsg(err, errlen, -1, "I/O thread setup: %s", evloop_error(&io->loop));
    if (pthread_create(&io->thread, NULL, io_main, io) != 0)
        return errmsg(err, errlen, -1, "cannot start the I/O thread");
    io->started = true;
    return 0;
}

void fv_io_stop(struct fv_io *io)
{
    if (io->started) {
        evloop_quit(&io->loop);
        pthread_join(io->thread, NULL);
    }
    if (io->loop_ready)
        evloop_destroy(&io->loop);
    io->loop_ready = io->started = false;
}
