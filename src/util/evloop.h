/*
 * One event loop for every I/O thread of the VM process (PV and full
 * virtualization alike): epoll over descriptors that subscribers register
 * themselves, one-shot timers on one timerfd over a small min-heap, and a
 * quit that any thread (or a signal handler) may ask for.
 *
 * Threads: evloop_quit() may be called from anywhere. Everything else
 * (subscribing, timers, running) belongs to the thread that runs the loop,
 * or to its owner before that thread starts and after it ended.
 *
 * Bounded work: one wake-up dispatches at most EVLOOP_MAX_EVENTS ready
 * descriptors and EVLOOP_MAX_TIMERS expired timers; what is left waits for
 * the next wake-up, so one busy source cannot starve the others or the
 * quit. Callbacks run on the loop thread and must themselves do bounded
 * work and never block (read what is there, write what fits, and come back
 * on the next readiness or a timer): a stalled callback stalls every
 * subscriber of the loop.
 *
 * Errors are returned as -errno with a one-line message in evloop_error();
 * nothing here aborts.
 */
#ifndef MICA_UTIL_EVLOOP_H
#define MICA_UTIL_EVLOOP_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EVLOOP_MAX_EVENTS 16 /* ready descriptors dispatched per wake-up */
#define EVLOOP_MAX_TIMERS 16 /* expired timers fired per wake-up          */

struct evloop;

/* `fd` is ready with `events` (EPOLLIN, EPOLLOUT, EPOLLHUP, ...). */
typedef void (*evloop_fd_fn)(void *ctx, int fd, uint32_t events);
typedef void (*evloop_timer_fn)(void *ctx);
/* Runs after every wake-up's callbacks (see evloop_set_after_wake). */
typedef void (*evloop_wake_fn)(void *ctx);

/* A one-shot timer, owned by its subscriber (embed it); the loop only keeps
 * a pointer while it is armed. */
struct evloop_timer {
    evloop_timer_fn fn;
    void *ctx;
    uint64_t deadline_ns; /* CLOCK_MONOTONIC */
    uint64_t seq;         /* equal deadlines fire in the order they were armed */
    size_t slot;          /* index in the heap while armed */
    bool armed;
};

struct evloop_sub; /* a registered descriptor (private) */

struct evloop {
    int epfd, quit_fd, timer_fd;
    atomic_bool quit;
    struct evloop_sub *subs;    /* registered, newest first */
    struct evloop_sub *retired; /* removed during a wake-up; freed at its end */
    struct evloop_timer **heap; /* armed timers, earliest first */
    size_t nheap, heap_cap;
    uint64_t next_seq;
    bool timer_dirty;           /* the timerfd must be set to the earliest deadline */
    evloop_wake_fn after_wake;
    void *after_wake_ctx;
    char err[160];
};

/* 0, or -errno with a message (evloop_error). On failure the loop is still
 * safe to destroy. */
int evloop_init(struct evloop *l);
/* Closes the loop's own descriptors, never the subscribers'. */
void evloop_destroy(struct evloop *l);

/* The message of the last failure. */
const char *evloop_error(const struct evloop *l);

/* Subscribes fd (one subscription per fd) for `events` (EPOLLIN, EPOLLOUT;
 * EPOLLHUP and EPOLLERR are always reported). -EPERM for descriptors epoll
 * cannot watch (regular files, /dev/null), -EEXIST when fd is subscribed. */
int evloop_add(struct evloop *l, int fd, uint32_t events, evloop_fd_fn fn, void *ctx);
/* Changes what fd waits for. events 0 mutes it (taken out of the epoll set,
 * so not even a hang-up is reported) until it is modified again. */
int evloop_modify(struct evloop *l, int fd, uint32_t events);
/* Unsubscribes fd; safe from inside any callback, including fd's own (a
 * readiness already collected for it in this wake-up is dropped). The
 * caller closes fd, after this. -ENOENT when fd is not subscribed. */
int evloop_remove(struct evloop *l, int fd);

void evloop_timer_init(struct evloop_timer *t, evloop_timer_fn fn, void *ctx);
/* Arms (or re-arms) t for a CLOCK_MONOTONIC deadline; 0 or -ENOMEM. */
int evloop_timer_at(struct evloop *l, struct evloop_timer *t, uint64_t deadline_ns);
int evloop_timer_after(struct evloop *l, struct evloop_timer *t, uint64_t delay_ns);
/* Disarms t if it is armed; safe from inside any callback. */
void evloop_timer_cancel(struct evloop *l, struct evloop_timer *t);

/* fn(ctx) runs on the loop thread after each wake-up's callbacks: for work
 * that any event may make possible (input waiting for room, say). */
void evloop_set_after_wake(struct evloop *l, evloop_wake_fn fn, void *ctx);

/* One wake-up: waits up to timeout_ms (-1: no limit) for readiness or a
 * timer, then dispatches (bounded, see above). Returns the number of
 * callbacks run, or -errno. */
int evloop_run_once(struct evloop *l, int timeout_ms);
/* Runs wake-ups until evloop_quit(). 0, or -errno when waiting failed. */
int evloop_run(struct evloop *l);

/* From any thread or signal handler: evloop_run() returns after the
 * callback it may be running. Sticky: a quit before the run ends it at once. */
void evloop_quit(struct evloop *l);
bool evloop_quitting(struct evloop *l);

#endif
