#include "run/run_io.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "ctl/vm_control.h"
#include "pv/clock.h"
#include "util/log.h"
#include "util/signals.h"

#define RETRY_NS 10000000ull /* input waiting for room in the guest's ring */

#define STOP_CHECK_MS 100
#define WRITE_CHUNK 4096 /* after POLLOUT a pipe takes this much without blocking */

static atomic_bool stdout_abandoned;

void run_io_stdout_sink(void *ctx, const char *buf, size_t len)
{
    (void)ctx;
    while (len && !atomic_load(&stdout_abandoned)) {
        struct pollfd p = {.fd = STDOUT_FILENO, .events = POLLOUT};
        /* Write only when poll says it will not block (POLLOUT, or an error
         * that write reports at once). poll also returns early (EINTR) when
         * the vCPU thread is kicked to stop: a blocking write then would
         * wait for the reader forever, so look at the stop flag again. */
        if (poll(&p, 1, STOP_CHECK_MS) <= 0)
            continue;
        ssize_t n = write(STDOUT_FILENO, buf, len < WRITE_CHUNK ? len : WRITE_CHUNK);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (n <= 0)
            return; /* stdout closed: the guest keeps running, output is lost */
        buf += n;
        len -= (size_t)n;
    }
}

int run_io_block_signals(void)
{
    return signals_block_to_fd((const int[]){SIGINT, SIGTERM, SIGHUP, 0});
}

static void deliver_input(struct run_io *io)
{
    if (pvio_console_flush_input(&io->dom->console))
        pv_evtchn_raise_virq(io->dom, MICA_VIRQ_CONSOLE);
}

static void end_input(struct run_io *io)
{
    io->in_done = true;
    if (io->in_pollable)
        evloop_remove(&io->console, io->in_fd);
    pvio_console_end_input(&io->dom->console);
    pv_evtchn_raise_virq(io->dom, MICA_VIRQ_CONSOLE);
}

static size_t input_room(struct run_io *io)
{
    return sizeof io->dom->console.pending - pvio_console_pending_input(&io->dom->console);
}

/* While the guest does not read, stdin stays readable: mute it (or the
 * loop would spin) until there is room again. */
static void pause_input(struct run_io *io, bool pause)
{
    if (!io->in_pollable || io->in_done || io->in_paused == pause)
        return;
    evloop_modify(&io->console, io->in_fd, pause ? 0 : EPOLLIN);
    io->in_paused = pause;
}

static void request_stop(struct run_io *io, enum solo_stop_request why)
{
    atomic_store(&stdout_abandoned, true); /* nobody must wait for a reader now */
    solo_request_stop(io->dom, io->ctl, why);
}

/* Keys through the escape keys: what is left for the guest, in place. A
 * quit key stops mica as Ctrl-C does (the terminal's Ctrl-C is a signal). */
static size_t escape_input(struct run_io *io, char *buf, size_t n, char *out)
{
    size_t len;
    if (escape_keys_apply(&io->keys, buf, n, out, &len, escape_keys_run_help, STDERR_FILENO) ==
        ESCAPE_QUIT)
        request_stop(io, SOLO_STOP_INTERRUPT);
    return len;
}

static void read_input(struct run_io *io)
{
    char buf[4096], out[sizeof buf + 1];
    /* With escape keys one byte may come out as two (a held Ctrl-A and the
     * next key): read one less than there is room for. */
    size_t room = input_room(io), reserve = io->escaping;
    if (room <= reserve) {
        pause_input(io, true);
        return;
    }
    room -= reserve;
    ssize_t n = read(io->in_fd, buf, room < sizeof buf ? room : sizeof buf);
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return;
    if (n <= 0) {
        end_input(io);
        return;
    }
    const char *keys = buf;
    size_t len = (size_t)n;
    if (io->escaping) {
        len = escape_input(io, buf, len, out);
        keys = out;
    }
    pvio_console_queue_input(&io->dom->console, keys, len);
    deliver_input(io);
}

/* ---- the stopper loop: signals and the --timeout deadline --------------------- */

static void on_signal(void *ctx, int fd, uint32_t events)
{
    (void)events;
    struct signalfd_siginfo si;
    if (read(fd, &si, sizeof si) == sizeof si)
        request_stop(ctx, SOLO_STOP_INTERRUPT);
}

static void on_timeout(void *ctx) { request_stop(ctx, SOLO_STOP_TIMEOUT); }

/* ---- the console loop ------------------------------------------------------------ */

/* A doorbell kick goes to the domain's device back ends (the console drains
 * its output). The one callback that may wait (for a slow stdout reader, see
 * run_io_stdout_sink): why signals and the deadline have a loop of their own. */
static void on_doorbell(void *ctx, int fd, uint32_t events)
{
    (void)events;
    struct run_io *io = ctx;
    uint64_t v;
    (void)!read(fd, &v, sizeof v);
    pv_domain_notify(io->dom);
}

static void on_stdin(void *ctx, int fd, uint32_t events)
{
    (void)fd, (void)events;
    read_input(ctx);
}

static void on_control(void *ctx, int fd, uint32_t events)
{
    (void)fd, (void)events;
    struct run_io *io = ctx;
    vm_control_on_readable(io->control);
}

static void on_retry(void *ctx)
{
    (void)ctx; /* only a wake-up: after_wake() retries */
}

/* After every wake-up: input that cannot be polled is read on a timer, and
 * pending input offered to the guest until its ring takes it. */
static void after_wake(void *ctx)
{
    struct run_io *io = ctx;
    bool unpolled = !io->in_pollable && !io->in_done;
    if (unpolled)
        read_input(io);
    deliver_input(io);
    if (io->in_paused && input_room(io) > io->escaping) /* see read_input() */
        pause_input(io, false);
    bool waiting = pvio_console_pending_input(&io->dom->console) || unpolled;
    if (waiting && !io->retry.armed)
        evloop_timer_after(&io->console, &io->retry, RETRY_NS);
}

/* A loop that cannot wait any more must not leave the guest running deaf. */
static void run_loop(struct run_io *io, struct evloop *l, const char *what)
{
    if (evloop_run(l) < 0) {
        mica_error("%s: %s", what, evloop_error(l));
        request_stop(io, SOLO_STOP_INTERRUPT);
    }
}

static void *console_main(void *arg)
{
    struct run_io *io = arg;
    run_loop(io, &io->console, "console I/O");
    return NULL;
}

static void *stopper_main(void *arg)
{
    struct run_io *io = arg;
    run_loop(io, &io->stopper, "signal thread");
    return NULL;
}

static int subscribe_stopper(struct run_io *io, uint64_t timeout_ns)
{
    int rc = evloop_init(&io->stopper);
    io->stopper_ready = true;
    if (rc == 0 && io->sig_fd >= 0)
        rc = evloop_add(&io->stopper, io->sig_fd, EPOLLIN, on_signal, io);
    evloop_timer_init(&io->timeout, on_timeout, io);
    if (rc == 0 && timeout_ns)
        rc = evloop_timer_after(&io->stopper, &io->timeout, timeout_ns);
    return rc;
}

static int subscribe_console(struct run_io *io)
{
    struct evloop *l = &io->console;
    int rc = evloop_init(l);
    io->console_ready = true;
    if (rc == 0)
        rc = evloop_add(l, io->dom->doorbell_fd, EPOLLIN, on_doorbell, io);
    if (rc == 0 && io->control)
        rc = evloop_add(l, vm_control_fd(io->control), EPOLLIN, on_control, io);
    evloop_timer_init(&io->retry, on_retry, io);
    if (rc == 0) /* a first wake-up at once: after_wake() reads what cannot be polled */
        rc = evloop_timer_after(l, &io->retry, 0);
    evloop_set_after_wake(l, after_wake, io);
    return rc;
}

int run_io_start(struct run_io *io, struct pv_domain *d, struct solo_control *ctl,
                 const struct run_io_config *cfg, char *err, size_t errlen)
{
    memset(io, 0, sizeof *io);
    io->dom = d;
    io->ctl = ctl;
    io->control = cfg->control;
    io->in_fd = cfg->in_fd;
    io->sig_fd = cfg->sig_fd;
    io->escaping = cfg->escape_keys;
    io->keys = (struct escape_keys){.quit_key = ESCAPE_KEYS_DETACH};
    if (subscribe_stopper(io, cfg->timeout_ns) < 0)
        return errmsg(err, errlen, -1, "signal thread setup: %s", evloop_error(&io->stopper));
    if (subscribe_console(io) < 0)
        return errmsg(err, errlen, -1, "console I/O setup: %s", evloop_error(&io->console));
    if (io->in_fd >= 0) /* regular files cannot be polled */
        io->in_pollable = evloop_add(&io->console, io->in_fd, EPOLLIN, on_stdin, io) == 0;
    else if (io->control)
        io->in_done = true; /* viewers type instead, and input never ends */
    else
        end_input(io);
    if (pthread_create(&io->stopper_thread, NULL, stopper_main, io) != 0)
        return errmsg(err, errlen, -1, "cannot start the signal thread");
    io->stopper_started = true;
    if (pthread_create(&io->thread, NULL, console_main, io) != 0)
        return errmsg(err, errlen, -1, "cannot start the console thread");
    io->started = true;
    return 0;
}

void run_io_stop(struct run_io *io)
{
    if (io->console_ready)
        evloop_quit(&io->console);
    if (io->stopper_ready)
        evloop_quit(&io->stopper);
    if (io->started)
        pthread_join(io->thread, NULL);
    if (io->stopper_started)
        pthread_join(io->stopper_thread, NULL);
    if (io->console_ready)
        evloop_destroy(&io->console);
    if (io->stopper_ready)
        evloop_destroy(&io->stopper);
    io->console_ready = io->stopper_ready = io->started = io->stopper_started = false;
}
