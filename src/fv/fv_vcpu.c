#include "fv/fv_vcpu.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "boot/cpuid_kvm.h"
#include "boot/cpuid_template.h"
#include "fv/fv_emulate.h"
#include "fv/fv_machine.h"
#include "fv/fv_mmio.h"
#include "fv/fv_pio.h"
#include "util/log.h"

#define APIC_LVT0        0x350
#define APIC_LVT1        0x360
#define APIC_MODE_MASK   0x700u
#define APIC_MODE_EXTINT 0x700u
#define APIC_MODE_NMI    0x400u
#define APIC_LVT_MASKED  (1u << 16)

static int set_cpuid(struct fv_machine *m, struct fv_vcpu *v, char *err, size_t errlen)
{
    struct kvm_cpuid2 *cpuid;
    if (cpuid_kvm_supported(m->vm.kvm->fd, &cpuid, err, errlen) < 0)
        return -1;
    const struct cpu_template *t = cpu_template_find(m->opt->cpu_template);
    if (t)
        t->apply(cpuid);
    cpuid_set_vcpu_id(cpuid, v->index, m->ncpus);
    int rc = cpuid_kvm_set(v->cpu.fd, cpuid, err, errlen);
    free(cpuid);
    return rc < 0 ? -1 : 0;
}

static uint32_t lvt_mode(uint32_t lvt, uint32_t mode)
{
    return (lvt & ~(APIC_MODE_MASK | APIC_LVT_MASKED)) | mode;
}

/* What firmware leaves behind and Linux expects: the 8259's output enters
 * through LINT0 (ExtINT), NMIs through LINT1. Without it the PIT's
 * interrupt never reaches a CPU before the IOAPIC is programmed. */
static int wire_lapic(struct fv_vcpu *v, char *err, size_t errlen)
{
    struct kvm_lapic_state la;
    if (ioctl(v->cpu.fd, KVM_GET_LAPIC, &la) < 0)
        return errmsg(err, errlen, -1, "vCPU %u: KVM_GET_LAPIC: %s", v->index, strerror(errno));
    uint32_t lvt0, lvt1;
    memcpy(&lvt0, la.regs + APIC_LVT0, 4);
    memcpy(&lvt1, la.regs + APIC_LVT1, 4);
    lvt0 = lvt_mode(lvt0, APIC_MODE_EXTINT);
    lvt1 = lvt_mode(lvt1, APIC_MODE_NMI);
    memcpy(la.regs + APIC_LVT0, &lvt0, 4);
    memcpy(la.regs + APIC_LVT1, &lvt1, 4);
    if (ioctl(v->cpu.fd, KVM_SET_LAPIC, &la) < 0)
        return errmsg(err, errlen, -1, "vCPU %u: KVM_SET_LAPIC: %s", v->index, strerror(errno));
    return 0;
}

/* The gate's kick: a signal to the thread in KVM_RUN, and immediate_exit. */
static void kick(void *ctx, const pthread_t *thread) { vcpu_kick_thread(ctx, thread); }

int fv_vcpu_create(struct fv_machine *m, struct fv_vcpu *v, unsigned index, char *err, size_t errlen)
{
    v->m = m;
    v->index = index;
    int rc = run_gate_init(&v->gate, kick, &v->cpu);
    if (rc != 0)
        return errmsg(err, errlen, -1, "vCPU %u: run gate: %s", index, strerror(rc));
    v->gate_ready = true;
    if (vcpu_create(&v->cpu, &m->vm, (int)index, err, errlen) < 0)
        return -1;
    if (set_cpuid(m, v, err, errlen) < 0 || wire_lapic(v, err, errlen) < 0)
        return -1;
    return 0;
}

void fv_vcpu_destroy(struct fv_vcpu *v)
{
    if (v->cpu.run) /* created: vcpu_create leaves nothing behind on failure */
        vcpu_destroy(&v->cpu);
    if (v->gate_ready)
        run_gate_destroy(&v->gate);
    v->gate_ready = false;
}

static void on_io(struct fv_machine *m, struct kvm_run *run)
{
    uint8_t *data = (uint8_t *)run + run->io.data_offset;
    bool write = run->io.direction == KVM_EXIT_IO_OUT;
    atomic_fetch_add(&m->stats.exits_io, 1);
    /* rep ins/outs: `count` items back to back in the same buffer. */
    for (uint32_t i = 0; i < run->io.count; i++, data += run->io.size)
        fv_pio(m, run->io.port, write, data, run->io.size);
}

static void MICA_PRINTF(2, 3) crash(struct fv_vcpu *v, const char *fmt, ...)
{
    char what[256], report[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    snprintf(report, sizeof report, "vCPU %u: %s\n", v->index, what);
    fv_machine_end(v->m, FV_END_CRASHED, report);
}

static void on_internal_error(struct fv_vcpu *v)
{
    char report[sizeof v->m->report];
    if (fv_emulate_internal_error(v->m, &v->cpu, v->index, report, sizeof report) < 0)
        fv_machine_end(v->m, FV_END_CRASHED, report);
}

static void on_system_event(struct fv_vcpu *v, struct kvm_run *run)
{
    if (run->system_event.type == KVM_SYSTEM_EVENT_SHUTDOWN)
        fv_machine_end(v->m, FV_END_POWEROFF, NULL);
    else if (run->system_event.type == KVM_SYSTEM_EVENT_RESET)
        fv_machine_end(v->m, FV_END_RESET, NULL);
    else
        crash(v, "KVM system event %u", run->system_event.type);
}

static void handle_exit(struct fv_vcpu *v)
{
    struct fv_machine *m = v->m;
    struct kvm_run *run = v->cpu.run;
    switch (run->exit_reason) {
    case KVM_EXIT_IO:
        on_io(m, run);
        return;
    case KVM_EXIT_MMIO:
        atomic_fetch_add(&m->stats.exits_mmio, 1);
        fv_mmio(m, run->mmio.phys_addr, run->mmio.is_write, run->mmio.data, run->mmio.len);
        return;
    case KVM_EXIT_SHUTDOWN: /* a triple fault: a PC resets */
        fv_machine_end(m, FV_END_RESET, "triple fault");
        return;
    case KVM_EXIT_SYSTEM_EVENT:
        on_system_event(v, run);
        return;
    case KVM_EXIT_INTERNAL_ERROR:
        on_internal_error(v);
        return;
    case KVM_EXIT_INTR:
    case KVM_EXIT_HLT: /* not with an in-kernel LAPIC; harmless to re-enter */
        return;
    case KVM_EXIT_FAIL_ENTRY:
        crash(v, "KVM could not enter the guest (hardware entry failure reason %#llx)",
              (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
        return;
    default:
        atomic_fetch_add(&m->stats.exits_other, 1);
        crash(v, "unexpected KVM exit reason %u", run->exit_reason);
        return;
    }
}

static void *vcpu_main(void *arg)
{
    struct fv_vcpu *v = arg;
    struct fv_machine *m = v->m;
    while (run_gate_enter(&v->gate)) {
        int rc = vcpu_enter(&v->cpu);
        atomic_fetch_add(&m->stats.exits, 1);
        if (rc == -EINTR || rc == -EAGAIN) {
            atomic_fetch_add(&m->stats.exits_intr, 1);
            continue;
        }
        if (rc < 0) {
            crash(v, "KVM_RUN failed: %s", strerror(-rc));
            break;
        }
        handle_exit(v);
    }
    run_gate_leave(&v->gate);
    return NULL;
}

int fv_vcpu_start(struct fv_vcpu *v)
{
    if (pthread_create(&v->thread, NULL, vcpu_main, v) != 0)
        return -1;
    v->started = true;
    return 0;
}

void fv_vcpu_join(struct fv_vcpu *v)
{
    if (v->started)
        pthread_join(v->thread, NULL);
    v->started = false;
}
