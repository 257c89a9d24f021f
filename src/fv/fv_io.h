/*
 * The machine's I/O thread, driven by epoll: virtio queue notifications
 * (ioeventfds), the terminal's input for the console, signals (Ctrl-C,
 * SIGTERM), the --timeout deadline and the control channel. vCPU threads never wait on any of it.
 */
#ifndef MICA_FV_FV_IO_H
#define MICA_FV_FV_IO_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct fv_machine;
struct fv_watch;

struct fv_io {
    struct fv_machine *m;
    int epfd, quit_fd, sig_fd;
    bool in_pollable;
    uint64_t deadline_ns;
    const struct fv_watch *extra;
    pthread_t thread;
    bool started;
};

int fv_io_start(struct fv_io *io, struct fv_machine *m, int sig_fd, uint64_t deadline_ns,
                const struct fv_watch *extra, char *err, size_t errlen);
void fv_io_stop(struct fv_io *io);

#endif
