#include "fv/fv_virtio.h"

#include <errno.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "boot/x86_layout.h"
#include "util/log.h"
#include "virtio/virtio_cmdline.h"

/* ISA lines no PC device of ours uses (0 timer, 1 keyboard, 2 cascade,
 * 4 COM1, 8 RTC, 12 mouse, 13 FPU, 14/15 IDE; 3 is COM2's, which the
 * machine does not have), edge-triggered via irqfd. */
static const unsigned virtio_irqs[FV_MAX_VIRTIO] = {5, 6, 7, 9, 10, 11, 3};

static int wire_device(struct virtio_mmio_dev *dev, struct vm *vm, char *err, size_t errlen)
{
    for (unsigned q = 0; q < dev->ops->num_queues; q++)
        if (vm_bind_mmio_eventfd(vm, dev->q[q].notify_fd, dev->base + VIRTIO_MMIO_NOTIFY_OFF, 4, q,
                                 err, errlen) < 0)
            return -1;
    dev->irq_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (dev->irq_fd < 0)
        return errmsg(err, errlen, -1, "%s: eventfd: %s", dev->ops->name, strerror(errno));
    return vm_bind_irqfd(vm, dev->irq_fd, dev->irq, err, errlen);
}

static int add_device(struct fv_virtio *v, struct vm *vm, const struct guest_mem *mem,
                      const struct virtio_backend_ops *ops, void *be, char *cmdline, size_t cap,
                      char *err, size_t errlen)
{
    unsigned i = v->n;
    uint64_t base = X86_VIRTIO_MMIO_BASE + i * X86_VIRTIO_MMIO_SIZE;
    if (virtio_mmio_init(&v->dev[i], mem, base, virtio_irqs[i], ops, be, true, err, errlen) < 0)
        return -1;
    v->live[i] = true;
    v->n++;
    if (wire_device(&v->dev[i], vm, err, errlen) < 0)
        return -1;
    if (virtio_cmdline_append(cmdline, cap, X86_VIRTIO_MMIO_SIZE, base, virtio_irqs[i]) < 0)
        return errmsg(err, errlen, -1, "--cmdline: too long to announce %s", ops->name);
    return 0;
}

int fv_virtio_create(struct fv_virtio *v, struct vm *vm, const struct guest_mem *mem,
                     const struct fv_options *o, char *cmdline, size_t cap, char *err, size_t errlen)
{
    memset(v, 0, sizeof *v);
    for (unsigned i = 0; i < o->ndisks; i++) {
        if (virtio_blk_open(&v->blk[i], o->disk[i].path, o->disk[i].read_only, err, errlen) < 0)
            return -1;
        v->nblk++;
        if (add_device(v, vm, mem, &v->blk[i].ops, &v->blk[i], cmdline, cap, err, errlen) < 0)
            return -1;
    }
    if (o->rng && add_device(v, vm, mem, &virtio_rng_ops, &v->rng, cmdline, cap, err, errlen) < 0)
        return -1;
    if (o->balloon) {
        virtio_balloon_init(&v->balloon, mem);
        if (add_device(v, vm, mem, &virtio_balloon_ops, &v->balloon, cmdline, cap, err, errlen) < 0)
            return -1;
        v->balloon_dev = &v->dev[v->n - 1];
    }
    if (o->console == FV_CONSOLE_VIRTIO) {
        if (add_device(v, vm, mem, &virtio_console_ops, &v->con, cmdline, cap, err, errlen) < 0)
            return -1;
        v->con_dev = &v->dev[v->n - 1];
    }
    return 0;
}

void fv_virtio_destroy(struct fv_virtio *v)
{
    for (unsigned i = 0; i < v->n; i++) {
        if (!v->live[i])
            continue;
        if (v->dev[i].irq_fd >= 0)
            close(v->dev[i].irq_fd);
        virtio_mmio_destroy(&v->dev[i]);
        v->live[i] = false;
    }
    for (unsigned i = 0; i < v->nblk; i++)
        virtio_blk_close(&v->blk[i]);
    v->n = v->nblk = 0;
    v->con_dev = v->balloon_dev = NULL;
}

size_t fv_virtio_console_input(void *ctx, const uint8_t *buf, size_t len)
{
    struct fv_virtio *v = ctx;
    return v->con_dev ? virtio_console_input(&v->con, v->con_dev, buf, len) : len;
}

struct virtio_mmio_dev *fv_virtio_find(struct fv_virtio *v, uint64_t gpa)
{
    if (gpa < X86_VIRTIO_MMIO_BASE)
        return NULL;
    uint64_t i = (gpa - X86_VIRTIO_MMIO_BASE) / X86_VIRTIO_MMIO_SIZE;
    return i < v->n ? &v->dev[i] : NULL;
}

uint64_t fv_virtio_blk_requests(const struct fv_virtio *v)
{
    uint64_t n = 0;
    for (unsigned i = 0; i < v->nblk; i++)
        n += v->blk[i].requests;
    return n;
}
