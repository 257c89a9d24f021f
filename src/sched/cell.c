/* A cell: many PV domains in one process under one dispatcher (cell.h). */
#include "sched/cell.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "pv/evtchn.h"
#include "sched/cell_doorbells.h"
#include "util/log.h"
#include "util/time.h"

struct cell_vm {
    struct cell *cell;
    unsigned slot;
    struct pv_domain *dom;
    struct sched_vcpu sv;
    /* The worker inside the vCPU's run, for kicks (atomic accesses). */
    atomic_bool has_runner;
    pthread_t runner;
    /* Only the worker running the vCPU touches these (one at a time). */
    bool blocked;      /* its last run ended in MICA_HC_BLOCK (relaxed reads elsewhere) */
    uint64_t deadline; /* of that block; 0: none */
    atomic_int end;    /* enum cell_vm_end */
    bool finished;     /* the end was recorded and told (cell lock) */
};

struct cell {
    pthread_mutex_t lock; /* slots, live, finished */
    pthread_cond_t ended;
    struct dispatcher *disp;
    struct cell_doorbells *doorbells;
    struct cell_config cfg;
    struct cell_vcpu_ops ops;
    unsigned max, live;
    struct cell_vm **slot;
};

static struct pv_vcpu *vcpu_of(struct cell_vm *vm) { return pv_domain_vcpu(vm->dom, 0); }

/* ---- the real vCPU operations ---- */

static void kvm_kick(struct pv_vcpu *v, const pthread_t *runner) { vcpu_kick_thread(&v->cpu, runner); }

static const struct cell_vcpu_ops kvm_vcpu_ops = {.run = pv_vcpu_run, .kick = kvm_kick};

/* ---- what the dispatcher calls ---- */

/* A vCPU picked after a block: is it still waiting? Rearm its wake hook
 * first, so an event that comes after the look wakes it again. A deadline
 * that passed is the guest's timer interrupt. */
static bool still_blocked(struct cell_vm *vm, uint64_t *deadline_ns)
{
    struct pv_vcpu *v = vcpu_of(vm);
    pv_vcpu_rearm_wake(v);
    if (pv_vcpu_event_ready(v))
        return false;
    if (vm->deadline && monotonic_ns() >= vm->deadline) {
        pv_evtchn_raise_virq(vm->dom, MICA_VIRQ_TIMER);
        return false;
    }
    *deadline_ns = vm->deadline;
    return true;
}

static enum sched_run_end ended(struct cell_vm *vm, enum cell_vm_end how)
{
    atomic_store(&vm->end, (int)how);
    return SCHED_RUN_EXITED;
}

static enum sched_run_end vm_run(void *ctx, uint64_t slice_ns, uint64_t *deadline_ns)
{
    (void)slice_ns; /* the dispatcher kicks it when the slice is over */
    struct cell_vm *vm = ctx;
    if (vm->blocked && still_blocked(vm, deadline_ns))
        return SCHED_RUN_BLOCKED; /* a spurious wake-up: back to sleep */
    __atomic_store_n(&vm->blocked, false, __ATOMIC_RELAXED);
    __atomic_store_n(&vm->runner, pthread_self(), __ATOMIC_SEQ_CST);
    atomic_store(&vm->has_runner, true);
    pv_domain_publish_clock(vm->dom);
    uint64_t deadline = 0;
    enum pv_stop stop = vm->cell->ops.run(vcpu_of(vm), &deadline);
    atomic_store(&vm->has_runner, false);
    switch (stop) {
    case PV_STOP_BLOCKED:
        __atomic_store_n(&vm->blocked, true, __ATOMIC_RELAXED);
        vm->deadline = *deadline_ns = deadline;
        return SCHED_RUN_BLOCKED;
    case PV_STOP_YIELDED:
        return SCHED_RUN_YIELDED;
    case PV_STOP_PREEMPTED:
        return SCHED_RUN_PREEMPTED;
    case PV_STOP_EXITED:
        return ended(vm, CELL_VM_EXITED);
    default:
        return ended(vm, CELL_VM_CRASHED);
    }
}

/* With the dispatcher's lock held: arm the kick first (a worker that has
 * not entered the guest yet will not), then signal the worker inside. */
static void vm_kick(void *ctx)
{
    struct cell_vm *vm = ctx;
    struct pv_vcpu *v = vcpu_of(vm);
    vm->cell->ops.kick(v, NULL);
    if (atomic_load(&vm->has_runner)) {
        pthread_t runner = __atomic_load_n(&vm->runner, __ATOMIC_SEQ_CST);
        vm->cell->ops.kick(v, &runner);
    }
}

static void vm_charged(void *ctx, uint64_t run_ns)
{
    struct cell_vm *vm = ctx;
    __atomic_store_n(&vcpu_of(vm)->charged_ns, run_ns, __ATOMIC_RELAXED);
}

/* The end of a domain is recorded and told once. */
static void finish(struct cell *c, struct cell_vm *vm)
{
    pv_domain_publish_clock(vm->dom);
    if (c->cfg.on_end)
        c->cfg.on_end(c->cfg.ctx, vm);
    pthread_mutex_lock(&c->lock);
    vm->finished = true;
    c->live--;
    pthread_cond_broadcast(&c->ended);
    pthread_mutex_unlock(&c->lock);
}

/* The domain ended (exit or crash) and left the dispatcher. */
static void vm_exited(void *ctx)
{
    struct cell_vm *vm = ctx;
    finish(vm->cell, vm);
}

static const struct sched_vcpu_ops vm_ops = {
    .run = vm_run, .kick = vm_kick, .exited = vm_exited, .charged = vm_charged,
};

/* An event for a domain of the cell (pv_vcpu_wake's hook). */
static void vm_wake(void *ctx)
{
    struct cell_vm *vm = ctx;
    dispatcher_wake(vm->cell->disp, &vm->sv);
}

/* ---- life ---- */

int cell_create(struct cell **out, const struct cell_config *cfg, char *err, size_t errlen)
{
    struct cell_config none = {0};
    if (!cfg)
        cfg = &none;
    if (cfg->max_vms > CELL_VMS_MAX)
        return errmsg(err, errlen, -1, "cell: at most %u domains, not %u", CELL_VMS_MAX, cfg->max_vms);
    struct cell *c = calloc(1, sizeof *c);
    if (!c)
        return errmsg(err, errlen, -1, "cell: out of memory");
    c->cfg = *cfg;
    c->ops = cfg->vcpu_ops ? *cfg->vcpu_ops : kvm_vcpu_ops;
    c->max = cfg->max_vms ? cfg->max_vms : CELL_VMS_MAX;
    c->slot = calloc(c->max, sizeof *c->slot);
    pthread_mutex_init(&c->lock, NULL);
    monotonic_cond_init(&c->ended);
    if (!cfg->vcpu_ops)
        vcpu_kick_signal_init(); /* kicks interrupt KVM_RUN with a signal */
    struct dispatcher_config dc = {
        .workers = cfg->workers, .policy = cfg->policy, .sched = cfg->sched, .max_vcpus = c->max,
    };
    int rc = c->slot ? dispatcher_create(&c->disp, &dc) : -ENOMEM;
    if (rc < 0) {
        c->disp = NULL;
        cell_destroy(c);
        return errmsg(err, errlen, -1, "cell: cannot start its dispatcher: %s", strerror(-rc));
    }
    if (cell_doorbells_start(&c->doorbells, c->max, err, errlen) < 0) {
        cell_destroy(c);
        return -1;
    }
    *out = c;
    return 0;
}

static int take_slot(struct cell *c, struct cell_vm *vm)
{
    pthread_mutex_lock(&c->lock);
    int rc = -ENOSPC;
    for (unsigned i = 0; i < c->max && rc; i++)
        if (!c->slot[i]) {
            c->slot[i] = vm;
            vm->slot = i;
            rc = 0;
        }
    pthread_mutex_unlock(&c->lock);
    return rc;
}

static void free_slot(struct cell *c, struct cell_vm *vm)
{
    pthread_mutex_lock(&c->lock);
    c->slot[vm->slot] = NULL;
    pthread_mutex_unlock(&c->lock);
}

static int enter_dispatcher(struct cell *c, struct cell_vm *vm, const struct sched_params *params,
                            char *err, size_t errlen)
{
    int rc = dispatcher_add(c->disp, &vm->sv, params);
    if (rc == -EINVAL)
        return errmsg(err, errlen, -1, "guest %s: scheduling parameters out of range", vm->dom->name);
    if (rc < 0)
        return errmsg(err, errlen, -1, "guest %s: the cell cannot take it: %s", vm->dom->name,
                      strerror(-rc));
    pthread_mutex_lock(&c->lock);
    c->live++;
    pthread_mutex_unlock(&c->lock);
    return 0;
}

int cell_add(struct cell *c, struct pv_domain *d, const struct sched_params *params,
             struct cell_vm **out, char *err, size_t errlen)
{
    struct cell_vm *vm = calloc(1, sizeof *vm);
    if (!vm)
        return errmsg(err, errlen, -1, "guest %s: out of memory", d->name);
    *vm = (struct cell_vm){.cell = c, .dom = d, .sv = {.ops = &vm_ops, .ctx = vm}};
    atomic_init(&vm->has_runner, false);
    atomic_init(&vm->end, CELL_VM_RUNNING);
    if (take_slot(c, vm) < 0) {
        free(vm);
        return errmsg(err, errlen, -1, "guest %s: the cell already runs %u domains, the most it can",
                      d->name, c->max);
    }
    d->dispatched = true;
    pv_vcpu_set_wake_hook(vcpu_of(vm), vm_wake, vm);
    if (cell_doorbells_add(c->doorbells, vm->slot, d, err, errlen) < 0 ||
        enter_dispatcher(c, vm, params, err, errlen) < 0) {
        pv_vcpu_set_wake_hook(vcpu_of(vm), NULL, NULL);
        cell_doorbells_remove(c->doorbells, vm->slot);
        free_slot(c, vm);
        free(vm);
        return -1; /* d stays the caller's */
    }
    dispatcher_wake(c->disp, &vm->sv); /* it starts */
    if (out)
        *out = vm;
    return 0;
}

/* An ended domain's last words (vm_exited) may still be on their way. */
static void wait_finished(struct cell *c, struct cell_vm *vm)
{
    pthread_mutex_lock(&c->lock);
    while (atomic_load(&vm->end) != CELL_VM_RUNNING && !vm->finished)
        pthread_cond_wait(&c->ended, &c->lock);
    if (atomic_load(&vm->end) == CELL_VM_RUNNING)
        c->live--; /* taken out alive */
    pthread_mutex_unlock(&c->lock);
}

int cell_remove(struct cell *c, struct cell_vm *vm, int timeout_ms)
{
    int rc = c->disp ? dispatcher_remove(c->disp, &vm->sv, timeout_ms) : -ESRCH;
    if (rc == -ETIMEDOUT)
        return rc;
    wait_finished(c, vm);
    pv_vcpu_set_wake_hook(vcpu_of(vm), NULL, NULL);
    cell_doorbells_remove(c->doorbells, vm->slot);
    free_slot(c, vm);
    pv_domain_destroy(vm->dom);
    free(vm);
    return 0;
}

int cell_shutdown(struct cell *c, struct cell_vm *vm, int timeout_ms)
{
    if (atomic_load(&vm->end) != CELL_VM_RUNNING)
        return -ESRCH;
    int rc = dispatcher_remove(c->disp, &vm->sv, timeout_ms);
    if (rc == -ETIMEDOUT)
        return rc;
    int running = CELL_VM_RUNNING;
    if (!atomic_compare_exchange_strong(&vm->end, &running, CELL_VM_SHUT_DOWN))
        return 0; /* it exited or crashed meanwhile: that end is told */
    finish(c, vm);
    return 0;
}

void cell_stop(struct cell *c)
{
    if (c->disp)
        dispatcher_stop(c->disp);
}

void cell_destroy(struct cell *c)
{
    if (!c)
        return;
    cell_stop(c);
    for (unsigned i = 0; c->slot && i < c->max; i++)
        if (c->slot[i])
            cell_remove(c, c->slot[i], 0); /* stopped: nothing runs, nothing waits */
    if (c->disp && dispatcher_destroy(c->disp) < 0)
        mica_warn("cell: its dispatcher still held vCPUs at the end");
    cell_doorbells_stop(c->doorbells);
    pthread_cond_destroy(&c->ended);
    pthread_mutex_destroy(&c->lock);
    free(c->slot);
    free(c);
}

/* ---- control ---- */

static int alive(const struct cell_vm *vm) { return atomic_load(&vm->end) == CELL_VM_RUNNING ? 0 : -ESRCH; }

int cell_pause(struct cell *c, struct cell_vm *vm, int timeout_ms)
{
    int rc = alive(vm);
    return rc ? rc : dispatcher_park(c->disp, &vm->sv, timeout_ms);
}

int cell_resume(struct cell *c, struct cell_vm *vm)
{
    int rc = alive(vm);
    return rc ? rc : dispatcher_unpark(c->disp, &vm->sv);
}

int cell_set_params(struct cell *c, struct cell_vm *vm, const struct sched_params *p)
{
    int rc = alive(vm);
    return rc ? rc : dispatcher_set_params(c->disp, &vm->sv, p);
}

int cell_get_params(struct cell *c, struct cell_vm *vm, struct sched_params *out)
{
    int rc = alive(vm);
    return rc ? rc : dispatcher_get_params(c->disp, &vm->sv, out);
}

void cell_get_info(struct cell *c, struct cell_vm *vm, struct sched_info *out)
{
    if (alive(vm) == 0 && dispatcher_get_info(c->disp, &vm->sv, out) == 0)
        return;
    *out = (struct sched_info){.run_ns = __atomic_load_n(&vcpu_of(vm)->charged_ns, __ATOMIC_RELAXED)};
}

struct pv_domain *cell_vm_domain(const struct cell_vm *vm) { return vm->dom; }

enum cell_vm_end cell_vm_end(const struct cell_vm *vm) { return (enum cell_vm_end)atomic_load(&vm->end); }

bool cell_vm_blocked(const struct cell_vm *vm) { return __atomic_load_n(&vm->blocked, __ATOMIC_RELAXED); }

unsigned cell_wait(struct cell *c, int timeout_ms)
{
    struct timespec until = monotonic_timespec_in(timeout_ms < 0 ? 0 : timeout_ms);
    pthread_mutex_lock(&c->lock);
    int rc = 0;
    while (c->live && rc == 0)
        rc = timeout_ms < 0 ? pthread_cond_wait(&c->ended, &c->lock)
                            : pthread_cond_timedwait(&c->ended, &c->lock, &until);
    unsigned live = c->live;
    pthread_mutex_unlock(&c->lock);
    return live;
}

void cell_get_stats(struct cell *c, struct dispatcher_stats *out) { dispatcher_get_stats(c->disp, out); }
