#include "pv/domain.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "pv/clock.h"
#include "pv/cpu_tables.h"
#include "pv/elf_loader.h"
#include "pv/exits.h"
#include "pv/start_info.h"
#include "util/file.h"
#include "util/log.h"

#define IMAGE_FILE_MAX (256u << 20)
#define HEAP_MIN (64u << 10)
#define TWO_MIB (2ull << 20)

static uint64_t next_domain_id = 1;

static int check_mem(uint64_t mib, char *err, size_t errlen)
{
    if (mib < MICA_MEM_MIN_MIB || mib > MICA_MEM_MAX_MIB)
        return errmsg(err, errlen, -1, "memory size %llu MiB is outside %u..%u MiB",
                       (unsigned long long)mib, MICA_MEM_MIN_MIB, MICA_MEM_MAX_MIB);
    return 0;
}

/* Hypercalls read and write the guest's registers in kvm_run (sync regs);
 * without them every exit would need two more ioctls. */
static int check_sync_regs(struct pv_domain *d, char *err, size_t errlen)
{
    if (d->vm.kvm->has_sync_regs)
        return 0;
    return errmsg(err, errlen, -1, "%s: KVM lacks KVM_CAP_SYNC_REGS, which PV guests need",
                  kvm_device_path());
}

/* Reads the guest image and checks it against the RAM a domain of `mib` MiB
 * would have, before any KVM object exists: a bad image is reported as such
 * on any host. The caller frees *file. */
static int read_image(const char *path, uint64_t mib, uint8_t **file, size_t *size,
                      struct pv_image *img, char *err, size_t errlen)
{
    struct pv_layout layout;
    pv_layout_init(&layout, mib << 20);
    struct guest_mem sizing = {.size = layout.ram_bytes}; /* no host: check only */
    char why[256];
    if (read_whole_file(path, IMAGE_FILE_MAX, file, size, err, errlen) < 0)
        return -1;
    if (pv_elf_load(*file, *size, &sizing, img, why, sizeof why) < 0)
        return errmsg(err, errlen, -1, "guest image %s: %s", path, why);
    if (img->end + HEAP_MIN > sizing.size)
        return errmsg(err, errlen, -1, "guest image %s needs more than %llu MiB of memory (try --mem %llu)",
                       path, (unsigned long long)(sizing.size >> 20),
                       (unsigned long long)((img->end + HEAP_MIN + TWO_MIB - 1) >> 20) + 1);
    return 0;
}

/* Copies the checked image's segments into guest RAM. */
static int load_image(struct pv_domain *d, const char *path, const uint8_t *file, size_t size,
                      struct pv_image *img, char *err, size_t errlen)
{
    char why[256];
    if (pv_elf_load(file, size, &d->ram, img, why, sizeof why) < 0)
        return errmsg(err, errlen, -1, "guest image %s: %s", path, why);
    return 0;
}

static int alloc_memory(struct pv_domain *d, uint64_t mib, char *err, size_t errlen)
{
    pv_layout_init(&d->layout, mib << 20);
    int rc = guest_mem_alloc(&d->ram, 0, d->layout.ram_bytes);
    if (rc == 0)
        rc = guest_mem_alloc(&d->hv, PV_HV_GPA, d->layout.hv_bytes);
    if (rc < 0)
        return errmsg(err, errlen, -1, "cannot map %llu MiB of guest memory: %s",
                       (unsigned long long)mib, strerror(-rc));
    d->mmu = (struct pv_mmu){.layout = &d->layout, .ram = &d->ram, .hv = &d->hv};
    d->start_info = guest_mem_ptr(&d->hv, pv_hv_gpa(PV_PG_START_INFO), PV_PAGE);
    d->shared = guest_mem_ptr(&d->hv, pv_hv_gpa(PV_PG_SHARED_INFO), PV_PAGE);
    return 0;
}

static int set_syscall_msrs(struct pv_domain *d, char *err, size_t errlen)
{
    struct pv_msr want[PV_SYSCALL_MSRS];
    union {
        struct kvm_msrs head;
        uint8_t bytes[sizeof(struct kvm_msrs) + PV_SYSCALL_MSRS * sizeof(struct kvm_msr_entry)];
    } buf = {.head.nmsrs = PV_SYSCALL_MSRS};
    pv_cpu_syscall_msrs(want);
    for (int i = 0; i < PV_SYSCALL_MSRS; i++)
        buf.head.entries[i] = (struct kvm_msr_entry){.index = want[i].index, .data = want[i].value};
    if (ioctl(d->cpu.fd, KVM_SET_MSRS, &buf) != PV_SYSCALL_MSRS)
        return errmsg(err, errlen, -1, "setting the vCPU's syscall MSRs failed");
    return 0;
}

static int set_cpu_state(struct pv_domain *d, uint64_t entry, char *err, size_t errlen)
{
    struct kvm_sregs sregs;
    if (ioctl(d->cpu.fd, KVM_SET_CPUID2, d->vm.kvm->supported_cpuid) < 0 ||
        ioctl(d->cpu.fd, KVM_GET_SREGS, &sregs) < 0)
        return errmsg(err, errlen, -1, "setting up the vCPU: %s", strerror(errno));
    pv_cpu_initial_sregs(&sregs);
    struct kvm_regs regs = {
        .rip = entry,
        .rsp = MICA_IMAGE_BASE,
        .rdi = pv_special_va(PV_PG_START_INFO),
        .rflags = 0x202,
    };
    if (ioctl(d->cpu.fd, KVM_SET_SREGS, &sregs) < 0 || ioctl(d->cpu.fd, KVM_SET_REGS, &regs) < 0)
        return errmsg(err, errlen, -1, "setting the vCPU's registers: %s", strerror(errno));
    return set_syscall_msrs(d, err, errlen);
}

static int setup_kvm(struct pv_domain *d, uint64_t entry, char *err, size_t errlen)
{
    if (vm_add_memory(&d->vm, &d->ram, err, errlen) < 0 ||
        vm_add_memory(&d->vm, &d->hv, err, errlen) < 0)
        return -1;
    d->doorbell_fd = vm_add_mmio_doorbell(&d->vm, PV_DOORBELL_GPA, 4, err, errlen);
    if (d->doorbell_fd < 0)
        return -1;
    d->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (d->wake_fd < 0)
        return errmsg(err, errlen, -1, "eventfd: %s", strerror(errno));
    if (vcpu_create(&d->cpu, &d->vm, 0, err, errlen) < 0)
        return -1;
    return set_cpu_state(d, entry, err, errlen);
}

static int build(struct pv_domain *d, const struct pv_domain_config *cfg, char *err, size_t errlen)
{
    struct pv_image img;
    uint8_t *file = NULL;
    size_t size = 0;
    int rc = check_mem(cfg->mem_mib, err, errlen);
    if (rc == 0)
        rc = read_image(cfg->image_path, cfg->mem_mib, &file, &size, &img, err, errlen);
    if (rc == 0 && (vm_create(&d->vm, err, errlen) < 0 || check_sync_regs(d, err, errlen) < 0 ||
                    alloc_memory(d, cfg->mem_mib, err, errlen) < 0 ||
                    load_image(d, cfg->image_path, file, size, &img, err, errlen) < 0))
        rc = -1;
    free(file);
    if (rc < 0)
        return -1;
    pv_pt_build(&d->mmu);
    pv_cpu_tables_write(&d->hv);
    if (pv_start_info_fill(d->start_info, &d->layout, &img, d->name, d->id, cfg->argc, cfg->argv,
                           err, errlen) < 0)
        return -1;
    struct mica_console_ring *ring = guest_mem_ptr(&d->hv, pv_hv_gpa(PV_PG_CONSOLE), 2 * PV_PAGE);
    pv_console_init(&d->console, ring, cfg->console_sink, cfg->console_ctx);
    if (setup_kvm(d, img.entry, err, errlen) < 0)
        return -1;
    pv_clock_init(d);
    pv_clock_publish(d);
    return 0;
}

int pv_domain_create(struct pv_domain **out, const struct pv_domain_config *cfg, char *err,
                     size_t errlen)
{
    struct pv_domain *d = calloc(1, sizeof *d);
    if (!d)
        return errmsg(err, errlen, -1, "out of memory");
    d->vm.fd = d->cpu.fd = d->doorbell_fd = d->wake_fd = -1;
    d->id = __atomic_fetch_add(&next_domain_id, 1, __ATOMIC_RELAXED);
    d->wait_ports = ~0ull;
    snprintf(d->name, sizeof d->name, "%s", cfg->name ? cfg->name : "guest");
    if (build(d, cfg, err, errlen) < 0) {
        pv_domain_destroy(d);
        return -1;
    }
    *out = d;
    return 0;
}

void pv_domain_destroy(struct pv_domain *d)
{
    if (!d)
        return;
    if (d->console.ring)
        pv_console_destroy(&d->console);
    vcpu_destroy(&d->cpu);
    if (d->doorbell_fd >= 0)
        close(d->doorbell_fd);
    if (d->wake_fd >= 0)
        close(d->wake_fd);
    vm_destroy(&d->vm);
    guest_mem_free(&d->ram);
    guest_mem_free(&d->hv);
    free(d);
}

bool pv_domain_event_ready(const struct pv_domain *d)
{
    return (__atomic_load_n(&d->shared->evt_pending, __ATOMIC_ACQUIRE) &
            ~__atomic_load_n(&d->shared->evt_mask, __ATOMIC_ACQUIRE) & d->wait_ports) != 0;
}

void pv_domain_raise_event(struct pv_domain *d, mica_port_t port)
{
    __atomic_fetch_or(&d->shared->evt_pending, MICA_PORT_BIT(port), __ATOMIC_SEQ_CST);
    uint64_t one = 1;
    if (write(d->wake_fd, &one, sizeof one) < 0 && errno != EAGAIN)
        mica_warn("guest %s: cannot wake it: %s", d->name, strerror(errno));
}

void pv_domain_kick(struct pv_domain *d) { vcpu_kick(&d->cpu); }

static enum pv_outcome handle_mmio(struct pv_domain *d, struct kvm_run *run)
{
    uint64_t page = run->mmio.phys_addr & ~(PV_PAGE - 1);
    if (page == PV_DOORBELL_GPA) {
        /* A kick of a size the ioeventfd does not match, or a read. */
        if (!run->mmio.is_write)
            memset(run->mmio.data, 0, sizeof run->mmio.data);
        pv_console_drain(&d->console);
        return PV_RESUME;
    }
    return pv_crash(d, &run->s.regs.regs, NULL, "access to unbacked guest-physical address %#llx",
                    (unsigned long long)run->mmio.phys_addr);
}

static enum pv_outcome handle_exit(struct pv_domain *d, struct kvm_run *run, uint64_t *deadline)
{
    struct kvm_regs *r = &run->s.regs.regs;
    switch (run->exit_reason) {
    case KVM_EXIT_IO:
        run->kvm_dirty_regs |= KVM_SYNC_X86_REGS;
        if (run->io.port == PV_PORT_EXCEPTION)
            return pv_exception(d, r, deadline);
        if (run->io.port == PV_PORT_SYSCALL)
            return pv_crash(d, r, NULL, "the guest executed `syscall`; mica guests make "
                                        "hypercalls through the hypercall page");
        return pv_crash(d, r, NULL, "port I/O to %#x from the hypervisor area", run->io.port);
    case KVM_EXIT_MMIO:
        return handle_mmio(d, run);
    case KVM_EXIT_SHUTDOWN:
        return pv_crash(d, r, NULL, "triple fault (the CPU shut down)");
    case KVM_EXIT_INTERNAL_ERROR:
        return pv_crash(d, r, NULL, "KVM internal error, suberror %u", run->internal.suberror);
    case KVM_EXIT_FAIL_ENTRY:
        return pv_crash(d, r, NULL, "KVM could not enter the guest (reason %#llx)",
                        (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
    default:
        return pv_crash(d, r, NULL, "unexpected KVM exit %u", run->exit_reason);
    }
}

static enum pv_stop stop_for(enum pv_outcome o)
{
    switch (o) {
    case PV_BLOCK: return PV_STOP_BLOCKED;
    case PV_YIELD: return PV_STOP_YIELDED;
    case PV_EXIT: return PV_STOP_EXITED;
    default: return PV_STOP_CRASHED;
    }
}

enum pv_stop pv_domain_run(struct pv_domain *d, uint64_t *deadline_ns)
{
    *deadline_ns = 0;
    for (;;) {
        int rc = vcpu_enter(&d->cpu);
        d->stats.exits++;
        if (rc == -EINTR || rc == -EAGAIN)
            return PV_STOP_PREEMPTED;
        if (rc < 0) {
            pv_crash(d, &d->cpu.run->s.regs.regs, NULL, "KVM_RUN failed: %s", strerror(-rc));
            return PV_STOP_CRASHED;
        }
        enum pv_outcome o = handle_exit(d, d->cpu.run, deadline_ns);
        if (o == PV_RESUME)
            continue;
        pv_console_drain(&d->console);
        pv_clock_publish(d);
        return stop_for(o);
    }
}
