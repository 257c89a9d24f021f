#include "run/cell_control.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/epoll.h>

#include "pv/evtchn.h"
#include "util/errmsg.h"
#include "util/evloop.h"
#include "util/log.h"

#define INPUT_RETRY_NS 20000000ull /* console input waiting for room in a guest's ring */

struct cell_control {
    struct evloop loop;
    struct evloop_timer retry;
    struct cell_vm_control *vcs;
    size_t n;
    pthread_t thread;
    bool started;
};

/* ---- the ops, on the control thread ---- */

static int ctl_pause(void *ctx)
{
    struct cell_vm_control *vc = ctx;
    int rc = cell_pause(vc->cell, vc->vm, RUN_PAUSE_TIMEOUT_MS);
    if (rc == 0)
        atomic_store(&vc->paused, true);
    return rc;
}

static int ctl_resume(void *ctx)
{
    struct cell_vm_control *vc = ctx;
    int rc = cell_resume(vc->cell, vc->vm);
    if (rc == 0)
        atomic_store(&vc->paused, false);
    return rc;
}

static int ctl_shutdown(void *ctx)
{
    struct cell_vm_control *vc = ctx;
    return cell_shutdown(vc->cell, vc->vm, RUN_PAUSE_TIMEOUT_MS);
}

static int ctl_stats(void *ctx, struct vm_control_stats *out)
{
    struct cell_vm_control *vc = ctx;
    struct pv_domain *d = cell_vm_domain(vc->vm);
    struct sched_info info;
    cell_get_info(vc->cell, vc->vm, &info);
    *out = (struct vm_control_stats){
        .run_ns = info.run_ns, .mem_bytes = d->ram.size, .vcpus = d->vcpu_count,
        .blocked = cell_vm_blocked(vc->vm), .paused = atomic_load(&vc->paused),
    };
    for (unsigned i = 0; i < d->vcpu_count; i++) {
        const struct pv_vcpu *v = pv_domain_vcpu(d, i);
        out->exits += __atomic_load_n(&v->stats.exits, __ATOMIC_RELAXED);
        out->hypercalls += __atomic_load_n(&v->stats.hypercalls, __ATOMIC_RELAXED);
    }
    return 0;
}

static void ctl_console_input(void *ctx, const void *buf, size_t len)
{
    struct cell_vm_control *vc = ctx;
    struct pv_domain *d = cell_vm_domain(vc->vm);
    pvio_console_queue_input(&d->console, buf, len);
    if (pvio_console_flush_input(&d->console))
        pv_evtchn_raise_virq(d, MICA_VIRQ_CONSOLE);
}

static void apply(struct sched_params *p, const struct vm_control_sched_set *set)
{
    if (set->weight)
        p->weight = set->to.weight;
    if (set->warp)
        p->warp_ns = set->to.warp_ns;
    if (set->warp_limit)
        p->warp_limit_ns = set->to.warp_limit_ns;
    if (set->unwarp)
        p->unwarp_ns = set->to.unwarp_ns;
}

static int ctl_sched(void *ctx, const struct vm_control_sched_set *set, struct vm_control_sched *now)
{
    struct cell_vm_control *vc = ctx;
    struct sched_params p;
    int rc = cell_get_params(vc->cell, vc->vm, &p);
    if (rc == 0 && (set->weight || set->warp || set->warp_limit || set->unwarp)) {
        apply(&p, set);
        rc = cell_set_params(vc->cell, vc->vm, &p);
        if (rc == 0)
            rc = cell_get_params(vc->cell, vc->vm, &p);
    }
    if (rc < 0)
        return rc;
    struct sched_info info;
    cell_get_info(vc->cell, vc->vm, &info);
    *now = (struct vm_control_sched){
        .weight = p.weight, .warp_ns = p.warp_ns, .warp_limit_ns = p.warp_limit_ns,
        .unwarp_ns = p.unwarp_ns, .run_ns = info.run_ns, .avt = info.avt, .evt = info.evt,
        .svt = info.svt, .warping = info.warping,
    };
    return 0;
}

static const struct vm_control_ops cell_vm_ops = {
    .pause = ctl_pause, .resume = ctl_resume, .shutdown = ctl_shutdown, .stats = ctl_stats,
    .console_input = ctl_console_input, .sched = ctl_sched,
};

int cell_vm_control_open(struct cell_vm_control *vc, struct cell *c, struct cell_vm *vm, const char *path,
                         char *err, size_t errlen)
{
    vc->cell = c;
    vc->vm = vm;
    atomic_store(&vc->paused, false);
    return control_channel_open(&vc->channel, path, &cell_vm_ops, vc, err, errlen) ? 0 : -1;
}

void cell_vm_control_output(struct cell_vm_control *vc, const void *buf, size_t len)
{
    control_channel_output(&vc->channel, buf, len);
}

/* ---- the thread ---- */

static void on_control(void *ctx, int fd, uint32_t events)
{
    (void)fd, (void)events;
    struct vm_control *server = control_channel_server(&((struct cell_vm_control *)ctx)->channel);
    if (server)
        vm_control_on_readable(server);
}

static void on_retry(void *ctx)
{
    (void)ctx; /* only a wake-up: after_wake() retries */
}

/* Console input that did not fit a guest's ring is offered again. */
static void after_wake(void *ctx)
{
    struct cell_control *cc = ctx;
    bool waiting = false;
    for (size_t i = 0; i < cc->n; i++) {
        if (!control_channel_server(&cc->vcs[i].channel) || cell_vm_end(cc->vcs[i].vm) != CELL_VM_RUNNING)
            continue;
        struct pv_domain *d = cell_vm_domain(cc->vcs[i].vm);
        if (!pvio_console_pending_input(&d->console))
            continue;
        if (pvio_console_flush_input(&d->console))
            pv_evtchn_raise_virq(d, MICA_VIRQ_CONSOLE);
        waiting = waiting || pvio_console_pending_input(&d->console);
    }
    if (waiting && !cc->retry.armed)
        evloop_timer_after(&cc->loop, &cc->retry, INPUT_RETRY_NS);
}

static void *control_main(void *arg)
{
    struct cell_control *cc = arg;
    if (evloop_run(&cc->loop) < 0)
        mica_error("cell control: %s", evloop_error(&cc->loop));
    return NULL;
}

static int subscribe(struct cell_control *cc)
{
    int rc = evloop_init(&cc->loop);
    evloop_timer_init(&cc->retry, on_retry, cc);
    evloop_set_after_wake(&cc->loop, after_wake, cc);
    for (size_t i = 0; rc == 0 && i < cc->n; i++) {
        struct vm_control *server = control_channel_server(&cc->vcs[i].channel);
        if (server)
            rc = evloop_add(&cc->loop, vm_control_fd(server), EPOLLIN, on_control, &cc->vcs[i]);
    }
    return rc;
}

int cell_control_start(struct cell_control **out, struct cell_vm_control *vcs, size_t n, char *err,
                       size_t errlen)
{
    struct cell_control *cc = calloc(1, sizeof *cc);
    if (!cc)
        return errmsg(err, errlen, -1, "cell control: out of memory");
    cc->vcs = vcs;
    cc->n = n;
    if (subscribe(cc) < 0) {
        errmsg(err, errlen, -1, "cell control: %s", evloop_error(&cc->loop));
        evloop_destroy(&cc->loop);
        free(cc);
        return -1;
    }
    if (pthread_create(&cc->thread, NULL, control_main, cc) != 0) {
        evloop_destroy(&cc->loop);
        free(cc);
        return errmsg(err, errlen, -1, "cell control: cannot start its thread");
    }
    cc->started = true;
    *out = cc;
    return 0;
}

void cell_control_stop(struct cell_control *cc, struct cell_vm_control *vcs, size_t n)
{
    if (cc) {
        evloop_quit(&cc->loop);
        pthread_join(cc->thread, NULL);
        evloop_destroy(&cc->loop);
        free(cc);
    }
    for (size_t i = 0; i < n; i++)
        control_channel_close(&vcs[i].channel);
}
