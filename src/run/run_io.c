#include "run/run_io.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <stdatomic.h>
#include <time.h>
#include <unistd.h>

#include "ctl/vm_control.h"
#include "pv/clock.h"
#include "util/file.h"
#include "util/log.h"
#include "util/signals.h"

#define RETRY_MS 10 /* input waiting for room in the guest's ring */

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
    if (pv_console_flush_input(&io->dom->console))
        pv_domain_raise_event(io->dom, MICA_EVT_CONSOLE);
}

static void end_input(struct run_io *io)
{
    io->in_done = true;
    if (io->in_pollable)
        epoll_ctl(io->epfd, EPOLL_CTL_DEL, io->in_fd, NULL);
    pv_console_end_input(&io->dom->console);
    pv_domain_raise_event(io->dom, MICA_EVT_CONSOLE);
}

static size_t input_room(struct run_io *io)
{
    return sizeof io->dom->console.pending - pv_console_pending_input(&io->dom->console);
}

/* While the guest does not read, stdin stays readable: stop watching it (or
 * epoll would spin) until there is room again. */
static void pause_input(struct run_io *io, bool pause)
{
    if (!io->in_pollable || io->in_done || io->in_paused == pause)
        return;
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = io->in_fd};
    epoll_ctl(io->epfd, pause ? EPOLL_CTL_DEL : EPOLL_CTL_ADD, io->in_fd, &ev);
    io->in_paused = pause;
}

static void read_input(struct run_io *io)
{
    char buf[4096];
    size_t room = input_room(io);
    if (room == 0) {
        pause_input(io, true);
        return;
    }
    ssize_t n = read(io->in_fd, buf, room < sizeof buf ? room : sizeof buf);
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return;
    if (n <= 0) {
        end_input(io);
        return;
    }
    pv_console_queue_input(&io->dom->console, buf, (size_t)n);
    deliver_input(io);
}

static int next_timeout_ms(struct run_io *io)
{
    bool waiting = pv_console_pending_input(&io->dom->console) || (!io->in_pollable && !io->in_done);
    return waiting ? RETRY_MS : -1;
}

static void request_stop(struct run_io *io, enum solo_stop_request why)
{
    atomic_store(&stdout_abandoned, true); /* nobody must wait for a reader now */
    solo_request_stop(io->dom, io->ctl, why);
}

/* The stopper thread: signals and the --timeout deadline. */
static void *stopper_main(void *arg)
{
    struct run_io *io = arg;
    struct pollfd p[3] = {{.fd = io->quit_fd, .events = POLLIN},
                          {.fd = io->sig_fd, .events = POLLIN},
                          {.fd = io->timer_fd, .events = POLLIN}};
    for (;;) {
        if (poll(p, 3, -1) < 0)
            continue;
        if (p[0].revents)
            return NULL;
        struct signalfd_siginfo si;
        if (p[1].revents && read(io->sig_fd, &si, sizeof si) == sizeof si)
            request_stop(io, SOLO_STOP_INTERRUPT);
        uint64_t ticks;
        if (p[2].revents && read(io->timer_fd, &ticks, sizeof ticks) == sizeof ticks)
            request_stop(io, SOLO_STOP_TIMEOUT);
    }
}

static void handle_ready(struct run_io *io, int fd)
{
    if (fd == io->dom->doorbell_fd) {
        uint64_t v;
        (void)!read(fd, &v, sizeof v);
        pv_console_drain(&io->dom->console);
    } else if (fd == io->in_fd) {
        read_input(io);
    } else if (io->control && fd == vm_control_fd(io->control)) {
        vm_control_on_readable(io->control);
    }
}

static void *io_main(void *arg)
{
    struct run_io *io = arg;
    for (;;) {
        struct epoll_event ev[8];
        int n = epoll_wait(io->epfd, ev, 8, next_timeout_ms(io));
        for (int i = 0; i < n; i++) {
            if (ev[i].data.fd == io->quit_fd)
                return NULL;
            handle_ready(io, ev[i].data.fd);
        }
        if (!io->in_pollable && !io->in_done)
            read_input(io);
        deliver_input(io);
        if (io->in_paused && input_room(io))
            pause_input(io, false);
    }
}

static int watch(struct run_io *io, int fd)
{
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};
    return epoll_ctl(io->epfd, EPOLL_CTL_ADD, fd, &ev);
}

static int watch_all(struct run_io *io)
{
    if (io->epfd < 0 || io->quit_fd < 0 || io->timer_fd < 0 || watch(io, io->quit_fd) < 0 ||
        watch(io, io->dom->doorbell_fd) < 0)
        return -1;
    return io->control ? watch(io, vm_control_fd(io->control)) : 0;
}

static int arm_timeout(int timer_fd, uint64_t ns)
{
    if (!ns)
        return 0;
    struct itimerspec t = {.it_value = {.tv_sec = (time_t)(ns / 1000000000ull),
                                        .tv_nsec = (long)(ns % 1000000000ull)}};
    return timerfd_settime(timer_fd, 0, &t, NULL);
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
    io->epfd = epoll_create1(EPOLL_CLOEXEC);
    io->quit_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    io->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
    if (watch_all(io) < 0 || arm_timeout(io->timer_fd, cfg->timeout_ns) < 0)
        return errmsg(err, errlen, -1, "console I/O setup: %s", strerror(errno));
    if (io->in_fd >= 0)
        io->in_pollable = watch(io, io->in_fd) == 0; /* regular files cannot be polled */
    else if (io->control)
        io->in_done = true; /* viewers type instead, and input never ends */
    else
        end_input(io);
    if (pthread_create(&io->stopper, NULL, stopper_main, io) != 0)
        return errmsg(err, errlen, -1, "cannot start the signal thread");
    io->stopper_started = true;
    if (pthread_create(&io->thread, NULL, io_main, io) != 0)
        return errmsg(err, errlen, -1, "cannot start the console thread");
    io->started = true;
    return 0;
}

void run_io_stop(struct run_io *io)
{
    uint64_t one = 1;
    if (io->quit_fd >= 0) /* both threads see it: nobody reads it */
        (void)!write(io->quit_fd, &one, sizeof one);
    if (io->started)
        pthread_join(io->thread, NULL);
    if (io->stopper_started)
        pthread_join(io->stopper, NULL);
    int fds[] = {io->epfd, io->quit_fd, io->timer_fd};
    close_fds(fds, sizeof fds / sizeof fds[0]);
}
