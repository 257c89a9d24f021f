#include "run/pv_control.h"

#include <string.h>

#include "pv/sv_blob.h"
#include "pv/sv_state.h"
#include "run/run_io.h"
#include "snap/pv_snap.h"
#include "util/errmsg.h"
#include "util/log.h"

#include <errno.h>
#include <stdio.h>

#include "pv/memory_op.h"

static int pv_ctl_pause(void *ctx)
{
    struct pv_control *rc = ctx;
    return solo_pause(rc->dom, rc->ctl, RUN_PAUSE_TIMEOUT_MS);
}

static int pv_ctl_resume(void *ctx)
{
    struct pv_control *rc = ctx;
    return solo_resume(rc->dom, rc->ctl);
}

static int pv_ctl_shutdown(void *ctx)
{
    struct pv_control *rc = ctx;
    solo_request_stop(rc->dom, rc->ctl, SOLO_STOP_SHUTDOWN);
    return 0;
}

/* The counters are written by the vCPU thread; these relaxed reads may be
 * a moment old, which is all a monitor needs. */
static int pv_ctl_stats(void *ctx, struct vm_control_stats *out)
{
    struct pv_control *rc = ctx;
    struct pv_domain *d = rc->dom;
    *out = (struct vm_control_stats){
        .mem_bytes = d->ram.size, .vcpus = d->vcpu_count,
        .mem_current_bytes = pv_balloon_current(&d->balloon) * PV_PAGE,
        .mem_target_bytes = pv_balloon_target(&d->balloon) * PV_PAGE,
        .mem_floor_bytes = d->balloon.floor_pages * PV_PAGE,
    };
    for (unsigned i = 0; i < d->vcpu_count; i++) {
        const struct pv_vcpu *v = pv_domain_vcpu(d, i);
        out->run_ns += __atomic_load_n(&v->cpu.run_ns, __ATOMIC_RELAXED);
        out->exits += __atomic_load_n(&v->stats.exits, __ATOMIC_RELAXED);
        out->hypercalls += __atomic_load_n(&v->stats.hypercalls, __ATOMIC_RELAXED);
    }
    if (d->supervisor) /* and those served inside the guest, never seen here */
        out->hypercalls += __atomic_load_n(&pv_supervisor_state(&d->hv)->served, __ATOMIC_RELAXED);
    const struct run_gate *g = &rc->ctl->gate;
    out->blocked = run_gate_where(g) == RUN_GATE_BLOCKED;
    out->paused = run_gate_pause_requested(g) || run_gate_where(g) == RUN_GATE_PARKED;
    return 0;
}

/* Keys from a viewer: into the guest's input ring, and an event so a
 * blocked guest reads them. What does not fit the pending buffer is lost,
 * as with a terminal whose reader is not reading. */
static void pv_ctl_console_input(void *ctx, const void *buf, size_t len)
{
    struct pv_control *rc = ctx;
    struct pv_domain *d = rc->dom;
    pvio_console_queue_input(&d->console, buf, len);
    if (pvio_console_flush_input(&d->console))
        pv_evtchn_raise_virq(d, MICA_VIRQ_CONSOLE);
}

/* The balloon target; the guest's driver follows it (mica/memory.h). */
static int pv_ctl_mem_set(void *ctx, uint64_t pages, char *why, size_t whylen)
{
    struct pv_control *rc = ctx;
    struct pv_domain *d = rc->dom;
    int r = pv_memory_set_target(d, pages);
    if (r == -ERANGE)
        snprintf(why, whylen, "%s: target %llu KiB is outside [%llu KiB (its floor), %llu KiB (its maximum)]",
                 d->name, (unsigned long long)(pages * 4), (unsigned long long)(d->balloon.floor_pages * 4),
                 (unsigned long long)(d->balloon.max_pages * 4));
    return r;
}

/* Pauses the vCPU (a blocked one already counts), saves the domain on
 * this thread, the one that runs its back ends, then lets it run again
 * (snapshot, or a save that failed: nothing is lost) or ends it (save). A
 * VM paused before stays paused. */
static int pv_ctl_save(void *ctx, int fd, bool keep_running, char *err, size_t errlen)
{
    struct pv_control *rc = ctx;
    struct pv_domain *d = rc->dom;
    bool was_paused = run_gate_pause_requested(&rc->ctl->gate);
    int paused = solo_pause(d, rc->ctl, RUN_PAUSE_TIMEOUT_MS);
    if (paused < 0)
        return errmsg(err, errlen, -1, "guest %s: cannot pause it to save it: %s", d->name,
                      strerror(-paused));
    /* What the guest wrote is shown before the save, by this VM, and not
     * again by the one restored from it: the saved ring is empty. */
    pvio_console_drain(&d->console);
    int saved = pv_snap_save(d, fd, "(the file given)", err, errlen);
    if (saved == 0 && !keep_running) {
        solo_request_stop(d, rc->ctl, SOLO_STOP_SHUTDOWN);
        mica_warn("guest %s: saved; it ends here", d->name);
    }
    if (!was_paused && (saved < 0 || keep_running))
        solo_resume(d, rc->ctl);
    return saved;
}

static const struct vm_control_ops pv_ops = {
    .pause = pv_ctl_pause, .resume = pv_ctl_resume, .shutdown = pv_ctl_shutdown,
    .stats = pv_ctl_stats, .console_input = pv_ctl_console_input, .mem_set = pv_ctl_mem_set,
    .save = pv_ctl_save,
};

/* Called with the console's output lock held (by the vCPU or the I/O thread), so
 * calls are serialized and output keeps its order in both places. */
void pv_control_sink(void *ctx, const char *buf, size_t len)
{
    struct pv_control *rc = ctx;
    if (rc->to_stdout)
        run_io_stdout_sink(NULL, buf, len);
    control_channel_output(&rc->channel, buf, len);
}

struct vm_control *pv_control_open(struct pv_control *rc, const char *path, char *err,
                                   size_t errlen)
{
    return control_channel_open(&rc->channel, path, &pv_ops, rc, err, errlen);
}

void pv_control_close(struct pv_control *rc)
{
    control_channel_close(&rc->channel);
}
