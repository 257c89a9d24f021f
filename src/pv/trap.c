/*
 * Exceptions of PV guests. A fault at CPL3 lands in the trampoline, which
 * exits to mica with the vector, error code and iret frame on the CPL0
 * stack. With a handler in the guest's trap table the fault is bounced to
 * it at CPL3 (like a signal); without one the domain ends with a report.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "pv/trap.h"

#include "pv/cpu_tables.h"
#include "pv/domain.h"
#include "pv/guest_copy.h"
#include "pv/hypercall.h"
#include "pv/vcpu.h"

#define RED_ZONE 128
#define RFLAGS_DF 0x400ull
#define RFLAGS_AC 0x40000ull

static const char *const vector_names[MICA_TRAP_VECTORS] = {
    "divide error (#DE)", "debug (#DB)", "NMI", "breakpoint (#BP)", "overflow (#OF)",
    "bound range (#BR)", "invalid opcode (#UD)", "device not available (#NM)",
    "double fault (#DF)", "coprocessor overrun", "invalid TSS (#TS)",
    "segment not present (#NP)", "stack fault (#SS)", "general protection (#GP)",
    "page fault (#PF)", "reserved", "x87 error (#MF)", "alignment check (#AC)",
    "machine check (#MC)", "SIMD error (#XM)", "virtualization (#VE)",
    "control protection (#CP)",
};

uint64_t *pv_stack0_at(struct pv_domain *d, mica_gva_t rsp, unsigned words)
{
    uint64_t lo = pv_hv_va(PV_PG_STACK0 * PV_PAGE), hi = pv_hv_va(PV_PG_PML4 * PV_PAGE);
    if (rsp < lo || rsp > hi || (hi - rsp) / 8 < words || (rsp & 7))
        return NULL;
    return guest_mem_ptr(&d->hv, PV_HV_GPA + (rsp - PV_HV_VA), words * 8ull);
}

static const char *vector_name(uint64_t v)
{
    return v < MICA_TRAP_VECTORS && vector_names[v] ? vector_names[v] : "reserved vector";
}

static size_t append(char *buf, size_t len, size_t at, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static size_t append(char *buf, size_t len, size_t at, const char *fmt, ...)
{
    if (at >= len)
        return at;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf + at, len - at, fmt, ap);
    va_end(ap);
    return n < 0 ? at : at + (size_t)n;
}

static size_t append_registers(struct pv_domain *d, size_t at, const struct kvm_regs *r,
                               const struct pv_iret_frame *f)
{
    char *b = d->crash_report;
    size_t n = sizeof d->crash_report;
    uint64_t rip = f ? f->rip : r->rip, rsp = f ? f->rsp : r->rsp;
    uint64_t flags = f ? f->rflags : r->rflags;
    at = append(b, n, at, "  rip %016llx rsp %016llx rflags %08llx\n", (unsigned long long)rip,
                (unsigned long long)rsp, (unsigned long long)flags);
    at = append(b, n, at, "  rax %016llx rbx %016llx rcx %016llx rdx %016llx\n",
                (unsigned long long)r->rax, (unsigned long long)r->rbx,
                (unsigned long long)r->rcx, (unsigned long long)r->rdx);
    at = append(b, n, at, "  rsi %016llx rdi %016llx rbp %016llx r8  %016llx\n",
                (unsigned long long)r->rsi, (unsigned long long)r->rdi,
                (unsigned long long)r->rbp, (unsigned long long)r->r8);
    at = append(b, n, at, "  r9  %016llx r10 %016llx r11 %016llx r12 %016llx\n",
                (unsigned long long)r->r9, (unsigned long long)r->r10,
                (unsigned long long)r->r11, (unsigned long long)r->r12);
    at = append(b, n, at, "  r13 %016llx r14 %016llx r15 %016llx\n", (unsigned long long)r->r13,
                (unsigned long long)r->r14, (unsigned long long)r->r15);
    at = append(b, n, at, "  stack at %016llx:", (unsigned long long)rsp);
    for (int i = 0; i < 6; i++) {
        uint64_t w;
        if (pv_copy_from_guest(&d->mmu, &w, rsp + 8ull * i, sizeof w) < 0) {
            at = append(b, n, at, " (unreadable)");
            break;
        }
        at = append(b, n, at, " %016llx", (unsigned long long)w);
    }
    return append(b, n, at, "\n");
}

enum pv_outcome pv_crash(struct pv_vcpu *v, const struct kvm_regs *r,
                         const struct pv_iret_frame *f, const char *fmt, ...)
{
    struct pv_domain *d = v->dom;
    size_t at = append(d->crash_report, sizeof d->crash_report, 0, "guest %s (id %llu) crashed: ",
                       d->name, (unsigned long long)d->id);
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(d->crash_report + at, sizeof d->crash_report - at, fmt, ap);
    va_end(ap);
    at = n < 0 ? at : at + (size_t)n;
    at = append(d->crash_report, sizeof d->crash_report, at, "\n");
    append_registers(d, at, r, f);
    return PV_CRASH;
}

static void fill_trap_frame(struct mica_trap_frame *t, const struct kvm_regs *r,
                            const struct pv_iret_frame *f, uint64_t vec, uint64_t err, uint64_t cr2)
{
    *t = (struct mica_trap_frame){
        .vector = vec, .error_code = err, .fault_addr = cr2,
        .rip = f->rip, .rsp = f->rsp, .rflags = f->rflags,
        .rax = r->rax, .rbx = r->rbx, .rcx = r->rcx, .rdx = r->rdx,
        .rsi = r->rsi, .rdi = r->rdi, .rbp = r->rbp,
        .r8 = r->r8, .r9 = r->r9, .r10 = r->r10, .r11 = r->r11,
        .r12 = r->r12, .r13 = r->r13, .r14 = r->r14, .r15 = r->r15,
    };
}

/* Delivers the fault to the guest's handler on its own stack, below the red
 * zone, as if the handler had been called with rdi = the frame. */
static enum pv_outcome bounce(struct pv_vcpu *v, struct kvm_regs *r, struct pv_iret_frame *f,
                              uint64_t vec, uint64_t err, uint64_t cr2)
{
    struct pv_domain *d = v->dom;
    struct mica_trap_frame t;
    fill_trap_frame(&t, r, f, vec, err, cr2);
    uint64_t at = (f->rsp - RED_ZONE - sizeof t) & ~15ull;
    uint64_t zero = 0;
    if (f->rsp < RED_ZONE + sizeof t + 8 || pv_copy_to_guest(&d->mmu, at, &t, sizeof t) < 0 ||
        pv_copy_to_guest(&d->mmu, at - 8, &zero, sizeof zero) < 0)
        return pv_crash(v, r, f, "%s at %#llx; its handler could not be given the fault: the stack "
                        "at %#llx is not writable",
                        vector_name(vec), (unsigned long long)f->rip, (unsigned long long)f->rsp);
    f->rip = v->trap_table[vec];
    f->rsp = at - 8;
    /* Entered as a function: DF clear (the ABI) and AC clear (or the
     * handler's own unaligned accesses fault); the saved frame keeps both. */
    f->rflags = pv_user_rflags(f->rflags) & ~(RFLAGS_DF | RFLAGS_AC);
    f->cs = PV_SEL_UCODE;
    f->ss = PV_SEL_UDATA;
    r->rdi = at;
    v->stats.faults_bounced++;
    return PV_RESUME;
}

static mica_gva_t fault_address(struct pv_vcpu *v, uint64_t vec)
{
    struct kvm_sregs s;
    if (vec != 14 || ioctl(v->cpu.fd, KVM_GET_SREGS, &s) < 0)
        return 0;
    return s.cr2;
}

static const char *pf_reason(uint64_t err)
{
    static const char *const reasons[] = {
        "read, page not present", "read, protection violation",
        "write, page not present", "write, protection violation",
    };
    if (err & 0x10)
        return err & 1 ? "instruction fetch, not executable" : "instruction fetch, page not present";
    return reasons[err & 3];
}

enum pv_outcome pv_supervisor_hypercall(struct pv_vcpu *v, struct kvm_regs *r, uint64_t *deadline)
{
    /* The supervisor built an iret frame at the CPL0 stack's top, from the
     * CPU's syscall state and constant selectors, and nothing else. */
    uint64_t *w = r->rsp == pv_stack0_top_va() - 5 * 8 ? pv_stack0_at(v->dom, r->rsp, 5) : NULL;
    if (!w)
        return pv_crash(v, r, NULL, "supervisor exit with a corrupt hypervisor state");
    struct pv_iret_frame *f = (struct pv_iret_frame *)w;
    if ((f->cs & 3) != 3)
        return pv_crash(v, r, f, "supervisor exit from CPL0");
    return pv_hypercall(v, (int)(uint32_t)r->rax, r, f, deadline);
}

enum pv_outcome pv_exception(struct pv_vcpu *v, struct kvm_regs *r, uint64_t *deadline)
{
    struct pv_domain *d = v->dom;
    int at = pv_vector_at(r->rip);
    bool has_err = at >= 0 && pv_vector_has_error_code((unsigned)at);
    uint64_t *w = at >= 0 ? pv_stack0_at(d, r->rsp, has_err ? 6 : 5) : NULL;
    if (!w)
        return pv_crash(v, r, NULL, "exception exit with a corrupt hypervisor state");
    uint64_t vec = (uint64_t)at, err = has_err ? w[0] : 0;
    struct pv_iret_frame *f = (struct pv_iret_frame *)&w[has_err];
    if ((f->cs & 3) != 3)
        return pv_crash(v, r, f, "%s inside the hypervisor trampoline (vector %llu)",
                        vector_name(vec), (unsigned long long)vec);
    int nr = vec == 6 ? pv_hypercall_at(f->rip) : -1;
    if (nr >= 0) {
        f->rip += 2; /* past the ud2 */
        return pv_hypercall(v, nr, r, f, deadline);
    }
    uint64_t cr2 = fault_address(v, vec);
    if (vec == 14 && f->rip == pv_tramp_va_syscall())
        return pv_crash(v, r, f, "the guest executed `syscall`; mica guests make hypercalls "
                                 "through the hypercall page");
    if (v->trap_table[vec])
        return bounce(v, r, f, vec, err, cr2);
    if (vec == 14)
        return pv_crash(v, r, f, "page fault at rip %#llx: %s at address %#llx (error code %#llx)",
                        (unsigned long long)f->rip, pf_reason(err), (unsigned long long)cr2,
                        (unsigned long long)err);
    return pv_crash(v, r, f, "%s at rip %#llx (vector %llu, error code %#llx)", vector_name(vec),
                    (unsigned long long)f->rip, (unsigned long long)vec, (unsigned long long)err);
}
