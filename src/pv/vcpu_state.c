#include "pv/vcpu_state.h"

#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "pv/cpu_tables.h"
#include "pv/domain.h"
#include "pv/layout.h"
#include "pv/sv_blob.h"
#include "pv/sv_state.h"
#include "util/errmsg.h"
#include "util/wire.h"

#define STATE_MAGIC 0x55504356u /* "VCPU" */
#define STATE_VERSION 1u
#define USER_VA_LIMIT (1ull << 47)

_Static_assert(sizeof(struct kvm_xsave) <= sizeof(((struct pv_vcpu_state *)0)->xsave),
               "KVM_GET_XSAVE writes struct kvm_xsave whole");

/* The MSRs a PV vCPU's state needs beyond sregs: the TSC (so the guest's
 * clock does not run backwards), the syscall and sysenter targets, the
 * kernel GS base and the PAT. */
static const uint32_t saved_msrs[PV_VCPU_SAVED_MSRS] = {
    0x10, 0xc0000081, 0xc0000082, 0xc0000083, 0xc0000084, 0xc0000102, 0x277, 0x174, 0x175, 0x176,
};

static bool msr_saved(uint32_t index)
{
    for (unsigned i = 0; i < PV_VCPU_SAVED_MSRS; i++)
        if (saved_msrs[i] == index)
            return true;
    return false;
}

/* One MSR at a time: one KVM lacks is left out, not the whole list. */
static void capture_msrs(int fd, struct pv_vcpu_state *s)
{
    s->msr_count = 0;
    for (unsigned i = 0; i < PV_VCPU_SAVED_MSRS; i++) {
        union {
            struct kvm_msrs head;
            uint8_t bytes[sizeof(struct kvm_msrs) + sizeof(struct kvm_msr_entry)];
        } buf = {.head.nmsrs = 1};
        buf.head.entries[0].index = saved_msrs[i];
        if (ioctl(fd, KVM_GET_MSRS, &buf) == 1)
            s->msrs[s->msr_count++] = buf.head.entries[0];
    }
}

static int capture_kvm(struct pv_vcpu *v, struct pv_vcpu_state *s, char *err, size_t errlen)
{
    int fd = v->cpu.fd;
    /* A hypercall's results sit in the sync-regs copy, and on KVM with
     * VT-x/AMD-V the trampoline's `out` is only completed (rip moved past
     * it) at the next entry: both are handed to KVM first, or a restored
     * vCPU would run the exit again. */
    int rc = v->cpu.run ? vcpu_complete_pending(&v->cpu) : 0;
    if (rc < 0)
        return errmsg(err, errlen, -1, "completing the vCPU's last exit: %s", strerror(-rc));
    if (ioctl(fd, KVM_GET_REGS, &s->regs) < 0)
        return errmsg(err, errlen, -1, "reading the vCPU's registers: %s", strerror(errno));
    if (ioctl(fd, KVM_GET_SREGS, &s->sregs) < 0 || ioctl(fd, KVM_GET_FPU, &s->fpu) < 0 ||
        ioctl(fd, KVM_GET_XSAVE, s->xsave) < 0 || ioctl(fd, KVM_GET_XCRS, &s->xcrs) < 0 ||
        ioctl(fd, KVM_GET_VCPU_EVENTS, &s->events) < 0)
        return errmsg(err, errlen, -1, "reading the vCPU's state: %s", strerror(errno));
    capture_msrs(fd, s);
    s->has_kvm = true;
    return 0;
}

int pv_vcpu_capture(struct pv_vcpu *v, struct pv_vcpu_state *s, char *err, size_t errlen)
{
    memset(s, 0, sizeof *s);
    memcpy(s->trap_table, v->trap_table, sizeof s->trap_table);
    s->wait_ports = v->wait_ports;
    return v->cpu.fd >= 0 ? capture_kvm(v, s, err, errlen) : 0;
}

size_t pv_vcpu_state_encode(const struct pv_vcpu_state *s, void *buf, size_t len)
{
    struct wire_out o = wire_out(buf, len);
    wire_put_u32(&o, STATE_MAGIC), wire_put_u32(&o, STATE_VERSION);
    for (unsigned i = 0; i < MICA_TRAP_VECTORS; i++)
        wire_put_u64(&o, s->trap_table[i]);
    wire_put_u64(&o, s->wait_ports);
    wire_put_u8(&o, s->has_kvm);
    if (!s->has_kvm)
        return o.len;
    /* KVM's own structures, as the kernel lays them out on x86-64. */
    wire_put_bytes(&o, &s->regs, sizeof s->regs);
    wire_put_bytes(&o, &s->sregs, sizeof s->sregs);
    wire_put_bytes(&o, &s->fpu, sizeof s->fpu);
    wire_put_bytes(&o, s->xsave, sizeof s->xsave);
    wire_put_bytes(&o, &s->xcrs, sizeof s->xcrs);
    wire_put_bytes(&o, &s->events, sizeof s->events);
    wire_put_u32(&o, s->msr_count);
    for (unsigned i = 0; i < s->msr_count && i < PV_VCPU_SAVED_MSRS; i++)
        wire_put_u32(&o, s->msrs[i].index), wire_put_u64(&o, s->msrs[i].data);
    return o.len;
}

/* The PV layout the vCPU must keep: mica's page tables and descriptor
 * tables, a code selector of mica's GDT. */
static const char *sregs_fault(const struct kvm_sregs *s)
{
    struct kvm_sregs want = {0};
    pv_cpu_initial_sregs(&want, false); /* what is compared does not depend on the supervisor */
    if (s->cr3 != want.cr3)
        return "page tables other than mica's";
    if (s->gdt.base != want.gdt.base || s->gdt.limit != want.gdt.limit ||
        s->idt.base != want.idt.base || s->idt.limit != want.idt.limit ||
        s->tr.selector != want.tr.selector || s->tr.base != want.tr.base)
        return "descriptor tables other than mica's";
    if (s->cs.selector != PV_SEL_UCODE && s->cs.selector != PV_SEL_KCODE)
        return "a code segment outside mica's GDT";
    if ((s->cr0 & 0x80000001u) != 0x80000001u || !(s->efer & 0x400)) /* PG+PE, LMA */
        return "a CPU outside 64-bit mode";
    return NULL;
}

static const char *kvm_fault(struct wire_in *in, struct pv_vcpu_state *s)
{
    wire_get_bytes(in, &s->regs, sizeof s->regs);
    wire_get_bytes(in, &s->sregs, sizeof s->sregs);
    wire_get_bytes(in, &s->fpu, sizeof s->fpu);
    wire_get_bytes(in, s->xsave, sizeof s->xsave);
    wire_get_bytes(in, &s->xcrs, sizeof s->xcrs);
    wire_get_bytes(in, &s->events, sizeof s->events);
    s->msr_count = wire_get_u32(in);
    if (in->short_read)
        return "it is truncated";
    if (s->msr_count > PV_VCPU_SAVED_MSRS)
        return "more MSRs than a vCPU saves";
    for (unsigned i = 0; i < s->msr_count; i++) {
        s->msrs[i] = (struct kvm_msr_entry){.index = wire_get_u32(in)};
        s->msrs[i].data = wire_get_u64(in);
        if (!msr_saved(s->msrs[i].index))
            return "an MSR a vCPU does not save";
    }
    if (s->xcrs.nr_xcrs > KVM_MAX_XCRS)
        return "more XCRs than KVM has";
    return sregs_fault(&s->sregs);
}

static const char *decode(struct wire_in *in, struct pv_vcpu_state *s)
{
    if (wire_get_u32(in) != STATE_MAGIC || wire_get_u32(in) != STATE_VERSION)
        return "not a vCPU state of this version";
    for (unsigned i = 0; i < MICA_TRAP_VECTORS; i++)
        if ((s->trap_table[i] = wire_get_u64(in)) >= USER_VA_LIMIT)
            return "a trap handler outside user space";
    s->wait_ports = wire_get_u64(in);
    uint8_t has_kvm = wire_get_u8(in);
    if (has_kvm > 1)
        return "a malformed header";
    s->has_kvm = has_kvm;
    const char *why = has_kvm ? kvm_fault(in, s) : NULL;
    if (!why && !wire_in_done(in))
        why = "its length does not match its contents";
    return why;
}

int pv_vcpu_state_decode(struct pv_vcpu_state *s, const void *buf, size_t len, char *err,
                         size_t errlen)
{
    struct wire_in in = wire_in(buf, len);
    memset(s, 0, sizeof *s);
    const char *why = decode(&in, s);
    return why ? errmsg(err, errlen, -1, "vCPU state refused: %s", why) : 0;
}

static int apply_kvm(struct pv_vcpu *v, const struct pv_vcpu_state *s, char *err, size_t errlen)
{
    int fd = v->cpu.fd;
    union {
        struct kvm_msrs head;
        uint8_t bytes[sizeof(struct kvm_msrs) + PV_VCPU_SAVED_MSRS * sizeof(struct kvm_msr_entry)];
    } msrs = {.head.nmsrs = s->msr_count};
    memcpy(msrs.head.entries, s->msrs, s->msr_count * sizeof s->msrs[0]);
    if (ioctl(fd, KVM_SET_SREGS, &s->sregs) < 0 || ioctl(fd, KVM_SET_REGS, &s->regs) < 0 ||
        ioctl(fd, KVM_SET_FPU, &s->fpu) < 0 || ioctl(fd, KVM_SET_XCRS, &s->xcrs) < 0 ||
        ioctl(fd, KVM_SET_XSAVE, s->xsave) < 0 || ioctl(fd, KVM_SET_VCPU_EVENTS, &s->events) < 0)
        return errmsg(err, errlen, -1, "restoring the vCPU's state: %s", strerror(errno));
    if (ioctl(fd, KVM_SET_MSRS, &msrs) != (int)s->msr_count)
        return errmsg(err, errlen, -1, "restoring the vCPU's MSRs failed");
    if (v->cpu.run)
        v->cpu.run->kvm_dirty_regs = 0; /* KVM has the registers now */
    return 0;
}

int pv_vcpu_apply(struct pv_vcpu *v, const struct pv_vcpu_state *s, char *err, size_t errlen)
{
    memcpy(v->trap_table, s->trap_table, sizeof v->trap_table);
    if (v->dom->supervisor) /* it bounces faults too: its copy in step, as SET_TRAP_TABLE keeps it */
        memcpy(pv_supervisor_state(&v->dom->hv)->trap_table, s->trap_table, sizeof s->trap_table);
    v->wait_ports = s->wait_ports;
    if (v->cpu.fd < 0 || !s->has_kvm)
        return 0;
    return apply_kvm(v, s, err, errlen);
}
