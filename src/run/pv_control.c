#include "run/pv_control.h"

#include <errno.h>

#include "run/run_io.h"
#include "ctl/vm_control.h"

/* How long a pause waits for the vCPU to leave the guest. A kick takes
 * microseconds; this only bounds a vCPU stuck in the host. */
#define PAUSE_TIMEOUT_MS 2000

static int op_pause(void *ctx)
{
    struct pv_control *rc = ctx;
    return solo_pause(rc->dom, rc->ctl, PAUSE_TIMEOUT_MS);
}

static int op_resume(void *ctx)
{
    struct pv_control *rc = ctx;
    return solo_resume(rc->dom, rc->ctl);
}

static int op_shutdown(void *ctx)
{
    struct pv_control *rc = ctx;
    solo_request_stop(rc->dom, rc->ctl, SOLO_STOP_SHUTDOWN);
    return 0;
}

/* The counters are written by the vCPU thread; these relaxed reads may be
 * a moment old, which is all a monitor needs. */
static int op_stats(void *ctx, struct vm_control_stats *out)
{
    struct pv_control *rc = ctx;
    struct pv_domain *d = rc->dom;
    out->run_ns = __atomic_load_n(&d->cpu.run_ns, __ATOMIC_RELAXED);
    out->exits = __atomic_load_n(&d->stats.exits, __ATOMIC_RELAXED);
    out->hypercalls = __atomic_load_n(&d->stats.hypercalls, __ATOMIC_RELAXED);
    out->mem_bytes = d->ram.size;
    out->vcpus = 1;
    out->blocked = atomic_load(&rc->ctl->blocked);
    out->paused = atomic_load(&rc->ctl->parked) || atomic_load(&rc->ctl->pause);
    return 0;
}

/* Keys from a viewer: into the guest's input ring, and an event so a
 * blocked guest reads them. What does not fit the pending buffer is lost,
 * as with a terminal whose reader is not reading. */
static void op_console_input(void *ctx, const void *buf, size_t len)
{
    struct pv_control *rc = ctx;
    struct pv_domain *d = rc->dom;
    pv_console_queue_input(&d->console, buf, len);
    if (pv_console_flush_input(&d->console))
        pv_domain_raise_event(d, MICA_EVT_CONSOLE);
}

static const struct vm_control_ops ops = {
    .pause = op_pause,
    .resume = op_resume,
    .shutdown = op_shutdown,
    .stats = op_stats,
    .console_input = op_console_input,
};

/* Called with the console's output lock held (by the vCPU or the I/O thread), so
 * calls are serialized and output keeps its order in both places. */
void pv_control_sink(void *ctx, const char *buf, size_t len)
{
    struct pv_control *rc = ctx;
    if (rc->to_stdout)
        run_io_stdout_sink(NULL, buf, len);
    struct vm_control *c = atomic_load(&rc->channel);
    if (c)
        vm_control_console_output(c, buf, len);
}

struct vm_control *pv_control_open(struct pv_control *rc, const char *path, char *err,
                                    size_t errlen)
{
    struct vm_control *c = vm_control_open(path, &ops, rc, err, errlen);
    atomic_store(&rc->channel, c);
    return c;
}

void pv_control_close(struct pv_control *rc)
{
    struct vm_control *c = atomic_exchange(&rc->channel, NULL);
    vm_control_close(c);
}
