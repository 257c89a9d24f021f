#include "util/evloop.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "util/file.h"
#include "util/time.h"

struct evloop_sub {
    int fd;
    uint32_t events;
    bool muted;   /* out of the epoll set (events 0) */
    bool retired; /* removed: a readiness still pointing here is dropped */
    evloop_fd_fn fn;
    void *ctx;
    struct evloop_sub *next;
};

/* epoll tags of the loop's own descriptors. */
static char quit_tag, timer_tag;

static int fail(struct evloop *l, int err, const char *what)
{
    snprintf(l->err, sizeof l->err, "event loop: %s: %s", what, strerror(err));
    return -err;
}

int evloop_init(struct evloop *l)
{
    memset(l, 0, sizeof *l);
    l->quit_fd = l->timer_fd = -1;
    atomic_init(&l->quit, false);
    l->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (l->epfd < 0)
        return fail(l, errno, "epoll_create1");
    l->quit_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (l->quit_fd < 0)
        return fail(l, errno, "eventfd");
    l->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
    if (l->timer_fd < 0)
        return fail(l, errno, "timerfd_create");
    struct epoll_event q = {.events = EPOLLIN, .data.ptr = &quit_tag};
    struct epoll_event t = {.events = EPOLLIN, .data.ptr = &timer_tag};
    if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, l->quit_fd, &q) < 0 ||
        epoll_ctl(l->epfd, EPOLL_CTL_ADD, l->timer_fd, &t) < 0)
        return fail(l, errno, "epoll_ctl");
    return 0;
}

static void free_list(struct evloop_sub *s)
{
    while (s) {
        struct evloop_sub *next = s->next;
        free(s);
        s = next;
    }
}

void evloop_destroy(struct evloop *l)
{
    free_list(l->subs);
    free_list(l->retired);
    l->subs = l->retired = NULL;
    free(l->heap);
    l->heap = NULL;
    l->nheap = l->heap_cap = 0;
    int fds[] = {l->epfd, l->quit_fd, l->timer_fd};
    close_fds(fds, sizeof fds / sizeof fds[0]);
    l->epfd = l->quit_fd = l->timer_fd = -1;
}

const char *evloop_error(const struct evloop *l) { return l->err; }

/* ---- descriptors ---------------------------------------------------------- */

static struct evloop_sub *find(struct evloop *l, int fd, struct evloop_sub ***link)
{
    for (struct evloop_sub **p = &l->subs; *p; p = &(*p)->next)
        if ((*p)->fd == fd) {
            if (link)
                *link = p;
            return *p;
        }
    return NULL;
}

static int epoll_set(struct evloop *l, int op, struct evloop_sub *s)
{
    struct epoll_event ev = {.events = s->events, .data.ptr = s};
    return epoll_ctl(l->epfd, op, s->fd, op == EPOLL_CTL_DEL ? NULL : &ev);
}

int evloop_add(struct evloop *l, int fd, uint32_t events, evloop_fd_fn fn, void *ctx)
{
    if (find(l, fd, NULL))
        return fail(l, EEXIST, "descriptor already subscribed");
    struct evloop_sub *s = calloc(1, sizeof *s);
    if (!s)
        return fail(l, ENOMEM, "subscribe");
    *s = (struct evloop_sub){.fd = fd, .events = events, .muted = events == 0, .fn = fn, .ctx = ctx};
    if (!s->muted && epoll_set(l, EPOLL_CTL_ADD, s) < 0) {
        int err = errno;
        free(s);
        return fail(l, err, "watch descriptor");
    }
    s->next = l->subs;
    l->subs = s;
    return 0;
}

int evloop_modify(struct evloop *l, int fd, uint32_t events)
{
    struct evloop_sub *s = find(l, fd, NULL);
    if (!s)
        return fail(l, ENOENT, "descriptor not subscribed");
    bool mute = events == 0;
    s->events = events;
    int rc = mute ? (s->muted ? 0 : epoll_set(l, EPOLL_CTL_DEL, s))
                  : epoll_set(l, s->muted ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, s);
    if (rc < 0)
        return fail(l, errno, "change descriptor");
    s->muted = mute;
    return 0;
}

int evloop_remove(struct evloop *l, int fd)
{
    struct evloop_sub **link;
    struct evloop_sub *s = find(l, fd, &link);
    if (!s)
        return fail(l, ENOENT, "descriptor not subscribed");
    if (!s->muted)
        (void)epoll_set(l, EPOLL_CTL_DEL, s);
    *link = s->next;
    s->retired = true;
    s->next = l->retired; /* freed once no collected readiness can point to it */
    l->retired = s;
    return 0;
}

/* ---- timers: a binary min-heap on (deadline, seq) -------------------------- */

static bool earlier(const struct evloop_timer *a, const struct evloop_timer *b)
{
    return a->deadline_ns != b->deadline_ns ? a->deadline_ns < b->deadline_ns : a->seq < b->seq;
}

static void place(struct evloop *l, size_t i, struct evloop_timer *t)
{
    l->heap[i] = t;
    t->slot = i;
}

static void sift_up(struct evloop *l, size_t i)
{
    struct evloop_timer *t = l->heap[i];
    while (i > 0 && earlier(t, l->heap[(i - 1) / 2])) {
        place(l, i, l->heap[(i - 1) / 2]);
        i = (i - 1) / 2;
    }
    place(l, i, t);
}

static void sift_down(struct evloop *l, size_t i)
{
    struct evloop_timer *t = l->heap[i];
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= l->nheap)
            break;
        if (c + 1 < l->nheap && earlier(l->heap[c + 1], l->heap[c]))
            c++;
        if (!earlier(l->heap[c], t))
            break;
        place(l, i, l->heap[c]);
        i = c;
    }
    place(l, i, t);
}

void evloop_timer_init(struct evloop_timer *t, evloop_timer_fn fn, void *ctx)
{
    *t = (struct evloop_timer){.fn = fn, .ctx = ctx};
}

void evloop_timer_cancel(struct evloop *l, struct evloop_timer *t)
{
    if (!t->armed)
        return;
    size_t i = t->slot;
    t->armed = false;
    l->timer_dirty = true;
    struct evloop_timer *last = l->heap[--l->nheap];
    if (i == l->nheap)
        return;
    place(l, i, last);
    sift_up(l, i);
    sift_down(l, last->slot);
}

int evloop_timer_at(struct evloop *l, struct evloop_timer *t, uint64_t deadline_ns)
{
    evloop_timer_cancel(l, t);
    if (l->nheap == l->heap_cap) {
        size_t cap = l->heap_cap ? 2 * l->heap_cap : 8;
        struct evloop_timer **h = realloc(l->heap, cap * sizeof *h);
        if (!h)
            return fail(l, ENOMEM, "arm timer");
        l->heap = h;
        l->heap_cap = cap;
    }
    t->deadline_ns = deadline_ns;
    t->seq = l->next_seq++;
    t->armed = true;
    place(l, l->nheap++, t);
    sift_up(l, t->slot);
    l->timer_dirty = true;
    return 0;
}

int evloop_timer_after(struct evloop *l, struct evloop_timer *t, uint64_t delay_ns)
{
    return evloop_timer_at(l, t, monotonic_ns() + delay_ns);
}

/* The timerfd follows the earliest deadline (absolute, so it cannot drift). */
static int sync_timer_fd(struct evloop *l)
{
    struct itimerspec when = {{0, 0}, {0, 0}}; /* zero: disarmed */
    if (l->nheap) {
        uint64_t ns = l->heap[0]->deadline_ns ? l->heap[0]->deadline_ns : 1;
        when.it_value.tv_sec = (time_t)(ns / 1000000000ull);
        when.it_value.tv_nsec = (long)(ns % 1000000000ull);
    }
    if (timerfd_settime(l->timer_fd, TFD_TIMER_ABSTIME, &when, NULL) < 0)
        return fail(l, errno, "timerfd_settime");
    l->timer_dirty = false;
    return 0;
}

/* Fires the timers due now, earliest first, at most EVLOOP_MAX_TIMERS: one
 * that re-arms itself for "now" waits for the next wake-up. */
static int fire_timers(struct evloop *l)
{
    uint64_t now = monotonic_ns();
    int fired = 0;
    while (l->nheap && l->heap[0]->deadline_ns <= now && fired < EVLOOP_MAX_TIMERS &&
           !evloop_quitting(l)) {
        struct evloop_timer *t = l->heap[0];
        evloop_timer_cancel(l, t);
        t->fn(t->ctx);
        fired++;
    }
    return fired;
}

/* ---- running ----------------------------------------------------------------- */

void evloop_set_after_wake(struct evloop *l, evloop_wake_fn fn, void *ctx)
{
    l->after_wake = fn;
    l->after_wake_ctx = ctx;
}

static void dispatch(struct evloop *l, const struct epoll_event *ev, int *ran)
{
    if (ev->data.ptr == &quit_tag)
        return; /* the flag says it; the eventfd stays readable */
    if (ev->data.ptr == &timer_tag) {
        uint64_t expirations;
        (void)!read(l->timer_fd, &expirations, sizeof expirations);
        return;
    }
    struct evloop_sub *s = ev->data.ptr;
    if (s->retired || s->muted)
        return; /* removed or muted by an earlier callback of this wake-up */
    s->fn(s->ctx, s->fd, ev->events);
    ++*ran;
}

int evloop_run_once(struct evloop *l, int timeout_ms)
{
    if (l->timer_dirty) {
        int rc = sync_timer_fd(l);
        if (rc < 0)
            return rc;
    }
    struct epoll_event ev[EVLOOP_MAX_EVENTS];
    int n = epoll_wait(l->epfd, ev, EVLOOP_MAX_EVENTS, timeout_ms);
    if (n < 0 && errno != EINTR)
        return fail(l, errno, "epoll_wait");
    int ran = 0;
    for (int i = 0; i < n && !evloop_quitting(l); i++)
        dispatch(l, &ev[i], &ran);
    ran += fire_timers(l);
    free_list(l->retired);
    l->retired = NULL;
    if (l->after_wake && !evloop_quitting(l))
        l->after_wake(l->after_wake_ctx);
    return ran;
}

int evloop_run(struct evloop *l)
{
    while (!evloop_quitting(l)) {
        int rc = evloop_run_once(l, -1);
        if (rc < 0)
            return rc;
    }
    return 0;
}

void evloop_quit(struct evloop *l)
{
    atomic_store(&l->quit, true);
    uint64_t one = 1;
    (void)!write(l->quit_fd, &one, sizeof one); /* async-signal-safe */
}

bool evloop_quitting(struct evloop *l) { return atomic_load(&l->quit); }
