#include "run/fv_control.h"

#include <errno.h>
#include <stdio.h>

static int fv_ctl_pause(void *ctx)
{
    struct fv_control *fc = ctx;
    return fv_machine_pause(fc->m, RUN_PAUSE_TIMEOUT_MS);
}

static int fv_ctl_resume(void *ctx)
{
    struct fv_control *fc = ctx;
    return fv_machine_resume(fc->m);
}

static int fv_ctl_shutdown(void *ctx)
{
    struct fv_control *fc = ctx;
    fv_machine_end(fc->m, FV_END_SHUTDOWN, NULL);
    return 0;
}

/* blocked stays 0: with the in-kernel LAPIC a halted vCPU waits inside
 * KVM_RUN, and asking KVM (KVM_GET_MP_STATE) would wait for it to leave. */
static int fv_ctl_stats(void *ctx, struct vm_control_stats *out)
{
    struct fv_control *fc = ctx;
    struct fv_machine *m = fc->m;
    out->run_ns = fv_machine_run_ns(m);
    out->exits = atomic_load(&m->stats.exits);
    out->mem_bytes = m->mem.size;
    out->vcpus = m->ncpus;
    out->paused = fv_machine_paused(m);
    struct fv_virtio *v = &m->virtio;
    if (v->balloon_dev) { /* the driver's figures; its stats refreshed for next time */
        out->mem_current_bytes = virtio_balloon_current(v->balloon_dev, &v->balloon) * 4096;
        out->mem_target_bytes = virtio_balloon_target(v->balloon_dev, &v->balloon) * 4096;
        out->mem_floor_bytes = (uint64_t)VIRTIO_BALLOON_FLOOR_PAGES * 4096;
        pthread_mutex_lock(&v->balloon_dev->lock);
        out->guest_free_bytes = v->balloon.stats[VIRTIO_BALLOON_S_MEMFREE];
        out->guest_avail_bytes = v->balloon.stats[VIRTIO_BALLOON_S_AVAIL];
        pthread_mutex_unlock(&v->balloon_dev->lock);
        virtio_balloon_request_stats(v->balloon_dev, &v->balloon);
    }
    return 0;
}

/* The balloon target, with --balloon (virtio/virtio_balloon.h). */
static int fv_ctl_mem_set(void *ctx, uint64_t pages, char *why, size_t whylen)
{
    struct fv_control *fc = ctx;
    struct fv_virtio *v = &fc->m->virtio;
    if (!v->balloon_dev) {
        snprintf(why, whylen, "this VM has no balloon (mica run --kernel ... --balloon)");
        return -ENOTSUP;
    }
    int rc = virtio_balloon_set_target(v->balloon_dev, &v->balloon, pages);
    if (rc == -ERANGE)
        snprintf(why, whylen, "target %llu KiB is outside [%u KiB (its floor), %llu KiB (its maximum)]",
                 (unsigned long long)pages * 4, VIRTIO_BALLOON_FLOOR_PAGES * 4,
                 (unsigned long long)v->balloon.ram_pages * 4);
    return rc;
}

/* A viewer's keys go where the terminal's would: the active console. */
static void fv_ctl_console_input(void *ctx, const void *buf, size_t len)
{
    struct fv_control *fc = ctx;
    fv_console_queue_input(&fc->m->console, buf, len);
}

static const struct vm_control_ops fv_ops = {
    .pause = fv_ctl_pause, .resume = fv_ctl_resume, .shutdown = fv_ctl_shutdown,
    .stats = fv_ctl_stats, .console_input = fv_ctl_console_input, .mem_set = fv_ctl_mem_set,
};

/* Called under the console's output lock, so output keeps its order. */
static void tee(void *ctx, const uint8_t *buf, size_t len)
{
    struct fv_control *fc = ctx;
    control_channel_output(&fc->channel, buf, len);
}

static void on_ready(void *ctx)
{
    struct fv_control *fc = ctx;
    vm_control_on_readable(control_channel_server(&fc->channel));
}

int fv_control_open(struct fv_control *fc, const char *path, char *err, size_t errlen)
{
    fc->m = NULL;
    return control_channel_open(&fc->channel, path, &fv_ops, fc, err, errlen) ? 0 : -1;
}

void fv_control_attach(struct fv_control *fc, struct fv_machine *m, struct fv_watch *w)
{
    fc->m = m;
    fv_console_set_tee(&m->console, tee, fc);
    *w = (struct fv_watch){.fd = vm_control_fd(control_channel_server(&fc->channel)),
                           .on_ready = on_ready, .ctx = fc};
}

void fv_control_detach(struct fv_control *fc)
{
    fc->m = NULL;
}

void fv_control_close(struct fv_control *fc)
{
    control_channel_close(&fc->channel);
}
