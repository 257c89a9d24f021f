#include "sched/cell_doorbells.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "pv/domain.h"
#include "util/log.h"

#define BATCH 64             /* doorbells served per wake-up */
#define QUIT_SLOT UINT32_MAX /* epoll data of the quit eventfd */

struct cell_doorbells {
    pthread_mutex_t lock; /* slots; held while a domain is notified */
    int epfd, quit_fd;
    pthread_t thread;
    bool started;
    unsigned max;
    struct pv_domain **slot;
};

static void serve(struct cell_doorbells *db, uint32_t slot)
{
    pthread_mutex_lock(&db->lock);
    struct pv_domain *d = slot < db->max ? db->slot[slot] : NULL;
    if (d) {
        uint64_t v;
        (void)!read(d->doorbell_fd, &v, sizeof v); /* non-blocking; stale events read nothing */
        pv_domain_notify(d);
    }
    pthread_mutex_unlock(&db->lock);
}

static void *doorbells_main(void *arg)
{
    struct cell_doorbells *db = arg;
    struct epoll_event ev[BATCH];
    for (;;) {
        int n = epoll_wait(db->epfd, ev, BATCH, -1);
        if (n < 0 && errno == EINTR)
            continue; /* a kick signal meant for a worker */
        if (n < 0) {
            mica_error("cell doorbells: epoll_wait: %s", strerror(errno));
            return NULL;
        }
        for (int i = 0; i < n; i++) {
            if (ev[i].data.u32 == QUIT_SLOT)
                return NULL;
            serve(db, ev[i].data.u32);
        }
    }
}

static void free_doorbells(struct cell_doorbells *db)
{
    if (db->epfd >= 0)
        close(db->epfd);
    if (db->quit_fd >= 0)
        close(db->quit_fd);
    pthread_mutex_destroy(&db->lock);
    free(db->slot);
    free(db);
}

static int watch(int epfd, int fd, uint32_t data)
{
    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = data};
    return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
}

int cell_doorbells_start(struct cell_doorbells **out, unsigned max, char *err, size_t errlen)
{
    struct cell_doorbells *db = calloc(1, sizeof *db);
    if (!db)
        return errmsg(err, errlen, -1, "cell: out of memory");
    pthread_mutex_init(&db->lock, NULL);
    db->max = max;
    db->slot = calloc(max ? max : 1, sizeof *db->slot);
    db->epfd = epoll_create1(EPOLL_CLOEXEC);
    db->quit_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    int rc = !db->slot || db->epfd < 0 || db->quit_fd < 0 || watch(db->epfd, db->quit_fd, QUIT_SLOT) < 0
                 ? -1 : 0;
    if (rc == 0 && pthread_create(&db->thread, NULL, doorbells_main, db) != 0)
        rc = -1;
    if (rc < 0) {
        int e = errno;
        free_doorbells(db);
        return errmsg(err, errlen, -1, "cell: cannot start the doorbell thread: %s", strerror(e));
    }
    db->started = true;
    *out = db;
    return 0;
}

void cell_doorbells_stop(struct cell_doorbells *db)
{
    if (!db)
        return;
    uint64_t one = 1;
    (void)!write(db->quit_fd, &one, sizeof one);
    if (db->started)
        pthread_join(db->thread, NULL);
    free_doorbells(db);
}

int cell_doorbells_add(struct cell_doorbells *db, unsigned slot, struct pv_domain *d, char *err,
                       size_t errlen)
{
    if (d->doorbell_fd < 0)
        return 0;
    if (slot >= db->max)
        return errmsg(err, errlen, -1, "guest %s: doorbell slot %u out of range", d->name, slot);
    pthread_mutex_lock(&db->lock);
    db->slot[slot] = d;
    int rc = watch(db->epfd, d->doorbell_fd, slot);
    if (rc < 0)
        db->slot[slot] = NULL;
    pthread_mutex_unlock(&db->lock);
    if (rc < 0)
        return errmsg(err, errlen, -1, "guest %s: cannot watch its doorbell: %s", d->name,
                      strerror(errno));
    return 0;
}

void cell_doorbells_remove(struct cell_doorbells *db, unsigned slot)
{
    if (slot >= db->max)
        return;
    pthread_mutex_lock(&db->lock);
    struct pv_domain *d = db->slot[slot];
    if (d)
        epoll_ctl(db->epfd, EPOLL_CTL_DEL, d->doorbell_fd, NULL);
    db->slot[slot] = NULL;
    pthread_mutex_unlock(&db->lock);
}
