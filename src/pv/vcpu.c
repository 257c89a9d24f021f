#include "pv/vcpu.h"

#include <errno.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "pv/cpu_tables.h"
#include "pv/domain.h"
#include "util/log.h"

int pv_vcpu_init(struct pv_vcpu *v, struct pv_domain *d, unsigned index, char *err, size_t errlen)
{
    memset(v, 0, sizeof *v);
    v->dom = d;
    v->index = index;
    v->cpu.fd = -1;
    v->wait_ports = ~0ull;
    v->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (v->wake_fd < 0)
        return errmsg(err, errlen, -1, "eventfd: %s", strerror(errno));
    return 0;
}

static int set_syscall_msrs(struct pv_vcpu *v, char *err, size_t errlen)
{
    struct pv_msr want[PV_SYSCALL_MSRS];
    union {
        struct kvm_msrs head;
        uint8_t bytes[sizeof(struct kvm_msrs) + PV_SYSCALL_MSRS * sizeof(struct kvm_msr_entry)];
    } buf = {.head.nmsrs = PV_SYSCALL_MSRS};
    pv_cpu_syscall_msrs(want, v->dom->supervisor);
    for (int i = 0; i < PV_SYSCALL_MSRS; i++)
        buf.head.entries[i] = (struct kvm_msr_entry){.index = want[i].index, .data = want[i].value};
    if (ioctl(v->cpu.fd, KVM_SET_MSRS, &buf) != PV_SYSCALL_MSRS)
        return errmsg(err, errlen, -1, "setting the vCPU's syscall MSRs failed");
    return 0;
}

static int set_cpu_state(struct pv_vcpu *v, mica_gva_t entry, char *err, size_t errlen)
{
    struct kvm_sregs sregs;
    if (ioctl(v->cpu.fd, KVM_SET_CPUID2, v->dom->vm.kvm->supported_cpuid) < 0 ||
        ioctl(v->cpu.fd, KVM_GET_SREGS, &sregs) < 0)
        return errmsg(err, errlen, -1, "setting up the vCPU: %s", strerror(errno));
    pv_cpu_initial_sregs(&sregs, v->dom->supervisor);
    struct kvm_regs regs = {
        .rip = entry,
        .rsp = MICA_IMAGE_BASE,
        .rdi = pv_special_va(PV_PG_START_INFO),
        .rflags = 0x202,
    };
    if (ioctl(v->cpu.fd, KVM_SET_SREGS, &sregs) < 0 || ioctl(v->cpu.fd, KVM_SET_REGS, &regs) < 0)
        return errmsg(err, errlen, -1, "setting the vCPU's registers: %s", strerror(errno));
    return set_syscall_msrs(v, err, errlen);
}

int pv_vcpu_create_kvm(struct pv_vcpu *v, mica_gva_t entry, char *err, size_t errlen)
{
    if (vcpu_create(&v->cpu, &v->dom->vm, (int)v->index, err, errlen) < 0)
        return -1;
    return set_cpu_state(v, entry, err, errlen);
}

void pv_vcpu_destroy(struct pv_vcpu *v)
{
    vcpu_destroy(&v->cpu);
    if (v->wake_fd >= 0)
        close(v->wake_fd);
    v->wake_fd = -1;
}

bool pv_vcpu_event_ready(const struct pv_vcpu *v) { return pv_evtchn_ready(v->dom, v->wait_ports); }

void pv_vcpu_rearm_wake(struct pv_vcpu *v) { __atomic_store_n(&v->wake_sent, 0, __ATOMIC_SEQ_CST); }

void pv_vcpu_wake(struct pv_vcpu *v)
{
    if (__atomic_exchange_n(&v->wake_sent, 1, __ATOMIC_SEQ_CST))
        return;
    __atomic_add_fetch(&v->stats.wakes, 1, __ATOMIC_RELAXED);
    pv_wake_fn hook = __atomic_load_n(&v->on_wake, __ATOMIC_ACQUIRE);
    if (hook) {
        hook(v->on_wake_ctx);
        return;
    }
    uint64_t one = 1;
    if (write(v->wake_fd, &one, sizeof one) < 0 && errno != EAGAIN)
        mica_warn("guest %s: cannot wake it: %s", v->dom->name, strerror(errno));
}

void pv_vcpu_set_wake_hook(struct pv_vcpu *v, pv_wake_fn fn, void *ctx)
{
    v->on_wake_ctx = ctx; /* published by the release store below */
    __atomic_store_n(&v->on_wake, fn, __ATOMIC_RELEASE);
}

void pv_vcpu_kick(struct pv_vcpu *v) { vcpu_kick(&v->cpu); }
