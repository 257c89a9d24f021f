/*
 * What attaches a PV domain to the `mica run` process: the terminal (keys
 * in as console events, output out), signals (Ctrl-C, SIGTERM), the
 * --timeout deadline and the --control channel. Two threads besides the
 * vCPU's, each running an event loop (util/evloop.h): the console loop
 * moves console bytes (doorbell, stdin, control channel; it may block on a
 * stalled stdout); the stopper loop only turns signals and the deadline
 * into stop requests, so those work whatever the first one waits for.
 */
#ifndef MICA_RUN_RUN_IO_H
#define MICA_RUN_RUN_IO_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "sched/solo.h"
#include "util/escape_keys.h"
#include "util/evloop.h"

struct vm_control;

struct run_io_config {
    int in_fd;                  /* console input; -1: none */
    int sig_fd;                 /* from run_io_block_signals(); -1: none */
    uint64_t timeout_ns;        /* 0: no --timeout */
    struct vm_control *control; /* NULL: none. With one, input comes from its
                                 * viewers, and no in_fd does not mean EOF */
    bool escape_keys;           /* in_fd is a keyboard: Ctrl-] and Ctrl-A x stop
                                 * mica, Ctrl-A c sends Ctrl-C (util/escape_keys.h) */
};

struct run_io {
    struct pv_domain *dom;
    struct solo_control *ctl;
    struct vm_control *control;
    int in_fd, sig_fd;
    bool in_pollable, in_done, in_paused;
    bool escaping;            /* cfg.escape_keys */
    struct escape_keys keys;
    struct evloop console, stopper;   /* see above */
    bool console_ready, stopper_ready; /* initialised: to be destroyed */
    struct evloop_timer retry, timeout;
    pthread_t thread, stopper_thread;
    bool started, stopper_started;
};

/* Blocks SIGINT/SIGTERM/SIGHUP for the calling thread (call before any other
 * thread starts, so all inherit it) and returns a signalfd for them. */
int run_io_block_signals(void);

int run_io_start(struct run_io *io, struct pv_domain *d, struct solo_control *ctl,
                 const struct run_io_config *cfg, char *err, size_t errlen);
void run_io_stop(struct run_io *io);

/* The console sink of `mica run`: everything to stdout, waiting for a slow
 * reader, until a stop is requested (then the rest is dropped). */
void run_io_stdout_sink(void *ctx, const char *buf, size_t len);

#endif
