#include "fv/fv_machine.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "boot/cpuid_template.h"
#include "boot/linux_boot.h"
#include "boot/linux_setup_vcpu.h"
#include "boot/x86_boot_state.h"
#include "fv/fv_io.h"
#include "fv/fv_vcpu.h"
#include "util/log.h"
#include "util/time.h"

/* Where VMX wants its TSS and identity-map pages: just under the BIOS area,
 * out of the way of RAM (<= 3 GiB) and of the IOAPIC/LAPIC windows. */
#define FV_TSS_ADDR 0xfffbd000ull
#define FV_CMDLINE_CAP 4096

void fv_machine_set_irq(void *ctx, unsigned irq, int level)
{
    struct fv_machine *m = ctx;
    struct kvm_irq_level l = {.irq = irq, .level = (uint32_t)level};
    ioctl(m->vm.fd, KVM_IRQ_LINE, &l);
}

/* vCPU i's gate; NULL until the vCPUs exist. */
static struct run_gate *gate(struct fv_machine *m, unsigned i)
{
    return m->vcpus && m->vcpus[i].gate_ready ? &m->vcpus[i].gate : NULL;
}

void fv_machine_end(struct fv_machine *m, enum fv_end why, const char *report)
{
    int expected = FV_RUNNING;
    if (atomic_compare_exchange_strong(&m->end, &expected, (int)why) && report)
        snprintf(m->report, sizeof m->report, "%s", report);
    if (why == FV_END_TIMEOUT || why == FV_END_INTERRUPTED)
        fv_console_abandon(&m->console); /* a stop never waits for a reader */
    /* Every vCPU out of the guest, parked ones released to end. */
    for (unsigned i = 0; i < m->ncpus; i++)
        if (gate(m, i))
            run_gate_stop(gate(m, i), (int)why);
}

int fv_machine_resume(struct fv_machine *m)
{
    if (atomic_load(&m->end) != FV_RUNNING)
        return -ESRCH;
    for (unsigned i = 0; i < m->ncpus; i++)
        if (gate(m, i))
            run_gate_resume(gate(m, i));
    return 0;
}

/* Asks every vCPU at once, then waits for each until one deadline. */
int fv_machine_pause(struct fv_machine *m, int timeout_ms)
{
    struct timespec until = monotonic_timespec_in(timeout_ms);
    for (unsigned i = 0; i < m->ncpus; i++)
        if (gate(m, i))
            run_gate_request_pause(gate(m, i)); /* out of KVM_RUN, halted or not */
    int rc = 0;
    for (unsigned i = 0; i < m->ncpus && rc == 0; i++)
        if (gate(m, i))
            rc = run_gate_wait_paused(gate(m, i), &until);
    bool ended = atomic_load(&m->end) != FV_RUNNING;
    if (rc == 0 && !ended)
        return 0;
    fv_machine_resume(m); /* not paused after all: state and answer agree */
    return ended ? -ESRCH : rc;
}

bool fv_machine_paused(struct fv_machine *m)
{
    return gate(m, 0) && run_gate_pause_requested(gate(m, 0));
}

uint64_t fv_machine_run_ns(const struct fv_machine *m)
{
    uint64_t ns = 0;
    for (unsigned i = 0; m->vcpus && i < m->ncpus; i++)
        ns += __atomic_load_n(&m->vcpus[i].cpu.run_ns, __ATOMIC_RELAXED);
    return ns;
}

static void on_reset(void *ctx)
{
    fv_machine_end(ctx, FV_END_RESET, NULL);
}

static int create_irqchip(struct fv_machine *m, char *err, size_t errlen)
{
    /* Only VMX needs the TSS area; other KVM flavours (pvm, SVM) may refuse
     * it, which is harmless. */
    (void)!ioctl(m->vm.fd, KVM_SET_TSS_ADDR, (unsigned long)FV_TSS_ADDR);
    if (ioctl(m->vm.fd, KVM_CREATE_IRQCHIP, 0) < 0)
        return errmsg(err, errlen, -1, "KVM_CREATE_IRQCHIP: %s", strerror(errno));
    /* The dummy speaker lets the kernel answer port 0x61, which Linux's PIT
     * calibration polls, without an exit per read. */
    struct kvm_pit_config pit = {.flags = KVM_PIT_SPEAKER_DUMMY};
    if (ioctl(m->vm.fd, KVM_CREATE_PIT2, &pit) < 0)
        return errmsg(err, errlen, -1, "KVM_CREATE_PIT2: %s", strerror(errno));
    return 0;
}

/* The UART as the console's input sink. */
static size_t uart_input(void *ctx, const uint8_t *buf, size_t len)
{
    struct fv_machine *m = ctx;
    pthread_mutex_lock(&m->uart_lock);
    size_t n = uart8250_receive(&m->uart, buf, len);
    pthread_mutex_unlock(&m->uart_lock);
    return n;
}

static size_t virtio_console_output(void *ctx, const uint8_t *buf, size_t len)
{
    return fv_console_offer(ctx, buf, len);
}

/* stdout has room again: serve the transmit queue that waited for it. */
static void virtio_console_room(void *ctx)
{
    struct fv_machine *m = ctx;
    virtio_mmio_kick(m->virtio.con_dev, VIRTIO_CONSOLE_TXQ);
}

static void init_locks(struct fv_machine *m)
{
    pthread_mutex_init(&m->uart_lock, NULL);
    pthread_mutex_init(&m->rtc_lock, NULL);
    pthread_mutex_init(&m->kbd_lock, NULL);
}

static int create_devices(struct fv_machine *m, int in_fd, int out_fd, char *err, size_t errlen)
{
    init_locks(m);
    if (fv_console_init(&m->console, in_fd, out_fd, err, errlen) < 0)
        return -1;
    /* Guest bytes must not drive the operator's terminal (util/console_filter.h). */
    fv_console_set_filter(&m->console, !m->opt->raw_console && out_fd >= 0 && isatty(out_fd));
    fv_console_set_sink(&m->console, uart_input, m);
    uart8250_init(&m->uart, UART_COM1_IRQ, fv_machine_set_irq, m, fv_console_output, &m->console);
    cmos_rtc_init(&m->rtc, NULL, NULL);
    i8042_init(&m->kbd, fv_machine_set_irq, m, on_reset, m);
    return 0;
}

static int build_cmdline(const struct fv_options *o, char *cmd, size_t cap, char *err, size_t errlen)
{
    const struct cpu_template *t = cpu_template_find(o->cpu_template);
    if (!t)
        return errmsg(err, errlen, -1, "--cpu-template '%s': unknown (known: %s)", o->cpu_template,
                       cpu_template_names());
    const char *user = o->cmdline                      ? o->cmdline
                       : o->console == FV_CONSOLE_VIRTIO ? FV_DEFAULT_CMDLINE_HVC
                                                         : FV_DEFAULT_CMDLINE;
    int n = snprintf(cmd, cap, "%s%s%s", user, *t->guest_cmdline && *user ? " " : "",
                     t->guest_cmdline);
    if (n < 0 || (size_t)n >= cap)
        return errmsg(err, errlen, -1, "--cmdline: longer than %zu bytes", cap - 1);
    return 0;
}

static int load_kernel(struct fv_machine *m, const char *cmdline, char *err, size_t errlen)
{
    const struct fv_options *o = m->opt;
    const uint8_t *kernel = NULL, *initrd = NULL;
    size_t klen = 0, ilen = 0;
    int rc = boot_file_map(o->kernel, "kernel", &kernel, &klen, err, errlen);
    if (rc == 0 && o->initrd)
        rc = boot_file_map(o->initrd, "initrd", &initrd, &ilen, err, errlen);
    if (rc == 0) {
        struct linux_boot_args a = {
            .kernel = kernel, .kernel_len = klen, .kernel_name = o->kernel,
            .initrd = initrd, .initrd_len = ilen, .initrd_name = o->initrd,
            .cmdline = cmdline, .ncpus = m->ncpus, .ram_bytes = m->mem.size,
        };
        struct linux_boot_info info;
        rc = linux_boot_load(&m->mem, &a, &info, err, errlen);
        if (rc == 0)
            rc = linux_setup_vcpu(m->vcpus[0].cpu.fd, &info.state, err, errlen);
    }
    if (initrd)
        boot_file_unmap(initrd, ilen);
    if (kernel)
        boot_file_unmap(kernel, klen);
    return rc < 0 ? -1 : 0;
}

static int check_cpus(struct fv_machine *m, char *err, size_t errlen)
{
    int max = ioctl(m->vm.kvm->fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);
    if (max <= 0)
        max = ioctl(m->vm.kvm->fd, KVM_CHECK_EXTENSION, KVM_CAP_NR_VCPUS);
    if (max > 0 && m->ncpus > (unsigned)max)
        return errmsg(err, errlen, -1, "--cpus %u: out of range, this host's KVM allows at most %d",
                       m->ncpus, max);
    return 0;
}

static int create_vcpus(struct fv_machine *m, char *err, size_t errlen)
{
    m->vcpus = calloc(m->ncpus, sizeof *m->vcpus);
    if (!m->vcpus)
        return errmsg(err, errlen, -1, "out of memory");
    for (unsigned i = 0; i < m->ncpus; i++)
        if (fv_vcpu_create(m, &m->vcpus[i], i, err, errlen) < 0)
            return -1;
    return 0;
}

static int create_memory(struct fv_machine *m, char *err, size_t errlen)
{
    int rc = guest_mem_alloc(&m->mem, 0, m->opt->mem_mib << 20);
    if (rc < 0)
        return errmsg(err, errlen, -1, "--mem %llu: cannot map guest RAM: %s",
                       (unsigned long long)m->opt->mem_mib, strerror(-rc));
    return vm_add_memory(&m->vm, &m->mem, err, errlen);
}

/* The files first: a missing or malformed kernel, initrd or disk is the user's
 * error to hear about, before anything depends on this host's KVM. */
static int check_files(const struct fv_options *o, char *err, size_t errlen)
{
    const uint8_t *data;
    size_t len;
    int rc = boot_file_map(o->kernel, "kernel", &data, &len, err, errlen);
    if (rc < 0)
        return -1;
    rc = linux_boot_check_kernel(data, len, o->kernel, err, errlen);
    boot_file_unmap(data, len);
    if (rc == 0 && o->initrd) {
        rc = boot_file_map(o->initrd, "initrd", &data, &len, err, errlen);
        if (rc == 0)
            boot_file_unmap(data, len);
    }
    for (unsigned i = 0; rc == 0 && i < o->ndisks; i++) {
        struct virtio_blk disk;
        rc = virtio_blk_open(&disk, o->disk[i].path, o->disk[i].read_only, err, errlen);
        virtio_blk_close(&disk);
    }
    return rc < 0 ? -1 : 0;
}

int fv_machine_create(struct fv_machine *m, const struct fv_options *o, int in_fd, int out_fd,
                      char *err, size_t errlen)
{
    memset(m, 0, sizeof *m);
    m->opt = o;
    m->ncpus = o->cpus;
    m->vm.fd = -1;
    char cmdline[FV_CMDLINE_CAP];
    if (create_devices(m, in_fd, out_fd, err, errlen) < 0 || check_files(o, err, errlen) < 0 ||
        build_cmdline(o, cmdline, sizeof cmdline, err, errlen) < 0)
        return -1;
    if (vm_create(&m->vm, err, errlen) < 0 || check_cpus(m, err, errlen) < 0 ||
        create_irqchip(m, err, errlen) < 0 || create_memory(m, err, errlen) < 0)
        return -1;
    if (fv_virtio_create(&m->virtio, &m->vm, &m->mem, o, cmdline, sizeof cmdline, err, errlen) < 0)
        return -1;
    if (m->virtio.con_dev) {
        m->virtio.con.output = virtio_console_output;
        m->virtio.con.output_ctx = &m->console;
        fv_console_set_room(&m->console, virtio_console_room, m);
        fv_console_set_sink(&m->console, fv_virtio_console_input, &m->virtio);
    }
    if (create_vcpus(m, err, errlen) < 0)
        return -1;
    return load_kernel(m, cmdline, err, errlen);
}

void fv_machine_destroy(struct fv_machine *m)
{
    fv_console_destroy(&m->console); /* first: its writer may still kick virtio-console */
    for (unsigned i = 0; m->vcpus && i < m->ncpus; i++)
        fv_vcpu_destroy(&m->vcpus[i]);
    free(m->vcpus);
    m->vcpus = NULL;
    fv_virtio_destroy(&m->virtio);
    vm_destroy(&m->vm);
    guest_mem_free(&m->mem);
    pthread_mutex_destroy(&m->uart_lock);
    pthread_mutex_destroy(&m->rtc_lock);
    pthread_mutex_destroy(&m->kbd_lock);
}

enum fv_end fv_machine_run(struct fv_machine *m, uint64_t deadline_ns, int sig_fd,
                           const struct fv_watch *extra)
{
    struct fv_io io;
    char err[512];
    if (fv_io_start(&io, m, sig_fd, deadline_ns, extra, err, sizeof err) < 0) {
        fv_machine_end(m, FV_END_CRASHED, err);
    } else {
        for (unsigned i = 0; i < m->ncpus; i++)
            if (fv_vcpu_start(&m->vcpus[i]) < 0)
                fv_machine_end(m, FV_END_CRASHED, "cannot start a vCPU thread\n");
    }
    for (unsigned i = 0; i < m->ncpus; i++)
        fv_vcpu_join(&m->vcpus[i]);
    fv_io_stop(&io);
    fv_console_flush(&m->console); /* the guest's last words before mica's */
    return (enum fv_end)atomic_load(&m->end);
}
