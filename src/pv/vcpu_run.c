/*
 * One step of a PV vCPU's run loop: enter the guest, handle its exits until
 * one needs the caller (block, yield, preemption, exit, crash). Above the
 * trap path (pv/trap.c, which hands hypercalls to pv/hypercall.c).
 */
#include <errno.h>
#include <string.h>

#include "pv/domain.h"
#include "pv/trap.h"
#include "pv/vcpu.h"

static enum pv_outcome handle_mmio(struct pv_vcpu *v, struct kvm_run *run)
{
    struct pv_domain *d = v->dom;
    uint64_t page = run->mmio.phys_addr & ~(PV_PAGE - 1);
    if (page == PV_DOORBELL_GPA) {
        /* A kick of a size the ioeventfd does not match, or a read. */
        if (!run->mmio.is_write)
            memset(run->mmio.data, 0, sizeof run->mmio.data);
        pv_domain_notify(d);
        return PV_RESUME;
    }
    return pv_crash(v, &run->s.regs.regs, NULL, "access to unbacked guest-physical address %#llx",
                    (unsigned long long)run->mmio.phys_addr);
}

static enum pv_outcome handle_exit(struct pv_vcpu *v, struct kvm_run *run, uint64_t *deadline)
{
    struct kvm_regs *r = &run->s.regs.regs;
    switch (run->exit_reason) {
    case KVM_EXIT_IO:
        run->kvm_dirty_regs |= KVM_SYNC_X86_REGS;
        if (run->io.port == PV_PORT_EXCEPTION)
            return pv_exception(v, r, deadline);
        if (run->io.port == PV_PORT_SUPERVISOR && v->dom->supervisor)
            return pv_supervisor_hypercall(v, r, deadline);
        if (run->io.port == PV_PORT_SYSCALL)
            return pv_crash(v, r, NULL, "the guest executed `syscall`; mica guests make "
                                        "hypercalls through the hypercall page");
        return pv_crash(v, r, NULL, "port I/O to %#x from the hypervisor area", run->io.port);
    case KVM_EXIT_MMIO:
        return handle_mmio(v, run);
    case KVM_EXIT_SHUTDOWN:
        return pv_crash(v, r, NULL, "triple fault (the CPU shut down)");
    case KVM_EXIT_INTERNAL_ERROR:
        return pv_crash(v, r, NULL, "KVM internal error, suberror %u", run->internal.suberror);
    case KVM_EXIT_FAIL_ENTRY:
        return pv_crash(v, r, NULL, "KVM could not enter the guest (reason %#llx)",
                        (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
    default:
        return pv_crash(v, r, NULL, "unexpected KVM exit %u", run->exit_reason);
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

enum pv_stop pv_vcpu_run(struct pv_vcpu *v, uint64_t *deadline_ns)
{
    *deadline_ns = 0;
    for (;;) {
        int rc = vcpu_enter(&v->cpu);
        v->stats.exits++;
        if (rc == -EINTR || rc == -EAGAIN)
            return PV_STOP_PREEMPTED;
        if (rc < 0) {
            pv_crash(v, &v->cpu.run->s.regs.regs, NULL, "KVM_RUN failed: %s", strerror(-rc));
            return PV_STOP_CRASHED;
        }
        enum pv_outcome o = handle_exit(v, v->cpu.run, deadline_ns);
        if (o == PV_RESUME)
            continue;
        pv_domain_notify(v->dom);
        pv_domain_publish_clock(v->dom);
        return stop_for(o);
    }
}
