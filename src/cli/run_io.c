#include "cli/run_io.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "cp/vm_control.h"
#include "pv/clock.h"
#include "util/log.h"

#define RETRY_MS 10 /* input waiting for room in the guest's ring */

void run_io_stdout_sink(void *ctx, const char *buf, size_t len)
{
    (void)ctx;
    while (len) {
        ssize_t n = write(STDOUT_FILENO, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN) {
            struct pollfd p = {.fd = STDOUT_FILENO, .events = POLLOUT};
            poll(&p, 1, 100);
            continue;
        }
        if (n <= 0)
            return; /* stdout closed: the guest keeps running, output is lost */
        buf += n;
        len -= (size_t)n;
    }
}

int run_io_block_signals(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
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

static void read_input(struct run_io *io)
{
    char buf[4096];
    size_t room = sizeof io->dom->console.pending - pv_console_pending_input(&io->dom->console);
    if (room == 0)
        return; /* the guest is not reading; wait for it */
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

static bool on_signal(struct run_io *io)
{
    struct signalfd_siginfo si;
    if (read(io->sig_fd, &si, sizeof si) != sizeof si)
        return false;
    solo_request_stop(io->dom, io->ctl, SOLO_STOP_INTERRUPT);
    return true;
}

static int next_timeout_ms(struct run_io *io)
{
    int ms = -1;
    if (pv_console_pending_input(&io->dom->console) || (!io->in_pollable && !io->in_done))
        ms = RETRY_MS;
    if (io->deadline_ns) {
        uint64_t now = pv_now_ns();
        uint64_t left = io->deadline_ns > now ? (io->deadline_ns - now + 999999) / 1000000 : 0;
        if (ms < 0 || left < (uint64_t)ms)
            ms = (int)(left > 60000 ? 60000 : left);
    }
    return ms;
}

static void handle_ready(struct run_io *io, int fd)
{
    if (fd == io->dom->doorbell_fd) {
        uint64_t v;
        (void)!read(fd, &v, sizeof v);
        pv_console_drain(&io->dom->console);
    } else if (fd == io->in_fd) {
        read_input(io);
    } else if (fd == io->sig_fd) {
        on_signal(io);
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
        if (io->deadline_ns && pv_now_ns() >= io->deadline_ns)
            solo_request_stop(io->dom, io->ctl, SOLO_STOP_TIMEOUT);
    }
}

static int watch(struct run_io *io, int fd)
{
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};
    return epoll_ctl(io->epfd, EPOLL_CTL_ADD, fd, &ev);
}

static int watch_all(struct run_io *io)
{
    if (io->epfd < 0 || io->quit_fd < 0 || watch(io, io->quit_fd) < 0 ||
        watch(io, io->dom->doorbell_fd) < 0 || (io->sig_fd >= 0 && watch(io, io->sig_fd) < 0))
        return -1;
    return io->control ? watch(io, vm_control_fd(io->control)) : 0;
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
    io->deadline_ns = cfg->timeout_ns ? pv_now_ns() + cfg->timeout_ns : 0;
    io->epfd = epoll_create1(EPOLL_CLOEXEC);
    io->quit_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (watch_all(io) < 0)
        return errmsg(err, errlen, -1, "console I/O setup: %s", strerror(errno));
    if (io->in_fd >= 0)
        io->in_pollable = watch(io, io->in_fd) == 0; /* regular files cannot be polled */
    else if (io->control)
        io->in_done = true; /* viewers type instead, and input never ends */
    else
        end_input(io);
    if (pthread_create(&io->thread, NULL, io_main, io) != 0)
        return errmsg(err, errlen, -1, "cannot start the console thread");
    io->started = true;
    return 0;
}

void run_io_stop(struct run_io *io)
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
}
