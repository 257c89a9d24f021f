/*
 * The machine's I/O thread, one event loop (util/evloop.h) with these
 * subscribers: virtio queue notifications (ioeventfds), the terminal's
 * input for the console, signals (Ctrl-C, SIGTERM), the --timeout deadline
 * and the control channel. vCPU threads never wait on any of it.
 */
#ifndef MICA_FV_FV_IO_H
#define MICA_FV_FV_IO_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fv/fv_virtio.h"
#include "util/evloop.h"

struct fv_machine;
struct fv_watch;

/* One virtio queue's notification, as a subscriber's context. */
struct fv_io_queue {
    struct virtio_mmio_dev *dev;
    unsigned q;
};

struct fv_io {
    struct fv_machine *m;
    struct evloop loop;
    bool loop_ready;
    int sig_fd;
    bool in_pollable, in_muted;
    struct evloop_timer deadline, retry;
    const struct fv_watch *extra;
    struct fv_io_queue queues[FV_MAX_VIRTIO * VIRTIO_MMIO_MAX_QUEUES];
    pthread_t thread;
    bool started;
};

int fv_io_start(struct fv_io *io, struct fv_machine *m, int sig_fd, uint64_t deadline_ns,
                const struct fv_watch *extra, char *err, size_t errlen);
void fv_io_stop(struct fv_io *io);

#endif
