/*
 * The hypercall table of PV domains: every hypercall in one file. Every
 * argument is guest-controlled; pointers and lengths go through guest_copy
 * with the guest's own permissions, and a bad one is an error code for the
 * guest, never a crash of mica.
 */
#include <string.h>

#include "pv/hypercall.h"

#include "pv/clock.h"
#include "pv/cpu_tables.h"
#include "pv/domain.h"
#include "pv/guest_copy.h"
#include "pv/sv_blob.h"
#include "pv/sv_state.h"
#include "pv/memory_op.h"
#include "pv/vcpu.h"
#include "util/time.h"

#define CONSOLE_WRITE_MAX 65536u
#define CONSOLE_READ_MAX 4096u
#define USER_VA_LIMIT (1ull << 47)

/* What a hypercall sees: the guest's registers and its iret frame. */
struct hc_ctx {
    struct kvm_regs *r;
    struct pv_iret_frame *f;
    uint64_t *deadline;
};
typedef enum pv_outcome (*hypercall_fn)(struct pv_vcpu *v, struct kvm_regs *r, struct hc_ctx *c);

static enum pv_outcome hc_console_write(struct pv_vcpu *v, struct kvm_regs *r, struct hc_ctx *c)
{
    struct pv_domain *d = v->dom;
    (void)c;
    uint64_t len = r->rsi < CONSOLE_WRITE_MAX ? r->rsi : CONSOLE_WRITE_MAX;
    static _Thread_local char buf[CONSOLE_WRITE_MAX];
    if (pv_copy_from_guest(&d->mmu, buf, r->rdi, len) < 0) {
        r->rax = (uint64_t)-MICA_EFAULT;
        return PV_RESUME;
    }
    pvio_console_write_direct(&d->console, buf, len);
    r->rax = len;
    return PV_RESUME;
}

static enum pv_outcome hc_console_read(struct pv_vcpu *v, struct kvm_regs *r, struct hc_ctx *c)
{
    struct pv_domain *d = v->dom;
    (void)c;
    uint32_t len = r->rsi < CONSOLE_READ_MAX ? (uint32_t)r->rsi : CONSOLE_READ_MAX;
    char buf[CONSOLE_READ_MAX];
    if (pv_guest_range_ok(&d->mmu, r->rdi, len, PV_WRITE) < 0) {
        r->rax = (uint64_t)-MICA_EFAULT;
        return PV_RESUME;
    }
    long n = pvio_console_take_input(&d->console, buf, len);
    if (n > 0)
        pv_copy_to_guest(&d->mmu, r->rdi, buf, (size_t)n);
    r->rax = (uint64_t)n;
    return PV_RESUME;
}

static enum pv_outcome hc_block(struct pv_vcpu *v, struct kvm_regs *r, struct hc_ctx *c)
{
    struct pv_domain *d = v->dom;
    r->rax = 0;
    v->wait_ports = r->rsi ? r->rsi : ~0ull;
    pv_vcpu_rearm_wake(v);
    if (pv_vcpu_event_ready(v))
        return PV_RESUME;
    if (r->rdi && r->rdi <= monotonic_ns()) {
        pv_evtchn_raise_virq(d, MICA_VIRQ_TIMER);
        return PV_RESUME;
    }
    *c->deadline = r->rdi;
    return PV_BLOCK;
}

static enum pv_outcome hc_yield(struct pv_vcpu *v, struct kvm_regs *r, struct hc_ctx *c)
{
    struct pv_domain *d = v->dom;
    (void)d, (void)c;
    r->rax = 0;
    return PV_YIELD;
}

static enum pv_outcome hc_exit(struct pv_vcpu *v, struct kvm_regs *r, struct hc_ctx *c)
{
    struct pv_domain *d = v->dom;
    (void)c;
    if (r->rdi > MICA_EXIT_CODE_MAX) {
        r->rax = (uint64_t)-MICA_EINVAL;
        return PV_RESUME;
    }
    d->exit_code = (int)r->rdi;
    return PV_EXIT;
}

static enum pv_outcome hc_set_trap_table(struct pv_vcpu *v, struct kvm_regs *r, struct hc_ctx *c)
{
    struct pv_domain *d = v->dom;
    (void)c;
    mica_gva_t table[MICA_TRAP_VECTORS] = {0};
    if (r->rdi && pv_copy_from_guest(&d->mmu, table, r->rdi, sizeof table) < 0) {
        r->rax = (uint64_t)-MICA_EFAULT;
        return PV_RESUME;
    }
    for (int vec = 0; vec < MICA_TRAP_VECTORS; vec++)
        if (table[vec] >= USER_VA_LIMIT) {
            r->rax = (uint64_t)-MICA_EINVAL;
            return PV_RESUME;
        }
    memcpy(v->trap_table, table, sizeof table);
    if (d->supervisor) /* it bounces faults too: keep its copy in step */
        memcpy(pv_supervisor_state(&d->hv)->trap_table, table, sizeof table);
    r->rax = 0;
    return PV_RESUME;
}

static void load_frame_registers(struct kvm_regs *r, const struct mica_trap_frame *t)
{
    r->rax = t->rax, r->rbx = t->rbx, r->rcx = t->rcx, r->rdx = t->rdx;
    r->rsi = t->rsi, r->rdi = t->rdi, r->rbp = t->rbp;
    r->r8 = t->r8, r->r9 = t->r9, r->r10 = t->r10, r->r11 = t->r11;
    r->r12 = t->r12, r->r13 = t->r13, r->r14 = t->r14, r->r15 = t->r15;
}

static enum pv_outcome hc_trap_return(struct pv_vcpu *v, struct kvm_regs *r, struct hc_ctx *c)
{
    struct pv_domain *d = v->dom;
    struct mica_trap_frame t;
    struct pv_iret_frame *f = c->f;
    if (pv_copy_from_guest(&d->mmu, &t, r->rdi, sizeof t) < 0) {
        r->rax = (uint64_t)-MICA_EFAULT;
        return PV_RESUME;
    }
    if (t.rip >= USER_VA_LIMIT || t.rsp >= USER_VA_LIMIT) {
        r->rax = (uint64_t)-MICA_EINVAL;
        return PV_RESUME;
    }
    load_frame_registers(r, &t);
    f->rip = t.rip;
    f->rsp = t.rsp;
    f->rflags = pv_user_rflags(t.rflags);
    f->cs = PV_SEL_UCODE;
    f->ss = PV_SEL_UDATA;
    return PV_RESUME;
}

static enum pv_outcome hc_mmu_update(struct pv_vcpu *v, struct kvm_regs *r, struct hc_ctx *c)
{
    struct pv_domain *d = v->dom;
    (void)c;
    mica_gva_t pte_va;
    uint64_t pte;
    int rc = pv_pt_check_update(&d->mmu, r->rdi, r->rsi, r->rdx, &pte_va, &pte);
    if (rc == 0 && (r->rdx & MICA_MMU_PRESENT) && pv_balloon_is_released(&d->balloon, r->rsi))
        rc = -MICA_EPERM; /* a released frame is not the guest's to map */
    if (rc < 0) {
        r->rax = (uint64_t)rc;
        return PV_RESUME;
    }
    pv_memory_note_pte(d, r->rdi / PV_PAGE, pte);
    /* The write itself is done at CPL0 by the trampoline, so that KVM's
     * shadow page tables see it. */
    r->rcx = pte_va;
    r->r11 = pte;
    r->rdx = r->rdi;
    r->rip = pv_tramp_va_pte_write(); /* rsp is at the iret frame: #UD has no error code */
    r->rax = 0;
    return PV_RESUME;
}

static enum pv_outcome hc_clock(struct pv_vcpu *v, struct kvm_regs *r, struct hc_ctx *c)
{
    struct pv_domain *d = v->dom;
    (void)c;
    pv_domain_publish_clock(d);
    r->rax = d->shared->monotonic_ns;
    return PV_RESUME;
}

/* The multiplexed hypercalls: (cmd, struct pointer) -> 0 or -MICA_E*. */
static enum pv_outcome op_result(struct kvm_regs *r, int rc)
{
    r->rax = (uint64_t)(int64_t)rc;
    return PV_RESUME;
}
static enum pv_outcome hc_event_op(struct pv_vcpu *v, struct kvm_regs *r, struct hc_ctx *c)
{
    (void)c;
    return op_result(r, pv_evtchn_op(v->dom, r->rdi, r->rsi));
}
static enum pv_outcome hc_grant_op(struct pv_vcpu *v, struct kvm_regs *r, struct hc_ctx *c)
{
    (void)c;
    return op_result(r, pv_gnttab_op(v->dom, r->rdi, r->rsi));
}
static enum pv_outcome hc_device_op(struct pv_vcpu *v, struct kvm_regs *r, struct hc_ctx *c)
{
    (void)c;
    return op_result(r, pv_device_op(v->dom, r->rdi, r->rsi));
}

static enum pv_outcome hc_memory_op(struct pv_vcpu *v, struct kvm_regs *r, struct hc_ctx *c)
{
    (void)c;
    uint32_t writes;
    int rc = pv_memory_op(v->dom, r->rdi, r->rsi, &writes);
    r->rax = (uint64_t)(int64_t)rc;
    if (rc == 0 && writes > 0) {
        /* Like MMU_UPDATE: the trampoline makes the page-table writes at
         * CPL0 (rsp is at the iret frame), then resumes the guest. */
        r->rcx = pv_hv_va(PV_PG_PTE_BATCH * PV_PAGE);
        r->r11 = writes;
        r->rip = pv_tramp_va_pte_batch();
    }
    return PV_RESUME;
}

static const hypercall_fn hypercalls[MICA_HC_COUNT] = {
    [MICA_HC_CONSOLE_WRITE] = hc_console_write,
    [MICA_HC_CONSOLE_READ] = hc_console_read,
    [MICA_HC_BLOCK] = hc_block,
    [MICA_HC_YIELD] = hc_yield,
    [MICA_HC_EXIT] = hc_exit,
    [MICA_HC_SET_TRAP_TABLE] = hc_set_trap_table,
    [MICA_HC_TRAP_RETURN] = hc_trap_return,
    [MICA_HC_MMU_UPDATE] = hc_mmu_update,
    [MICA_HC_CLOCK] = hc_clock,
    [MICA_HC_EVENT_OP] = hc_event_op,
    [MICA_HC_GRANT_OP] = hc_grant_op,
    [MICA_HC_DEVICE_OP] = hc_device_op,
    [MICA_HC_MEMORY_OP] = hc_memory_op,
};

enum pv_outcome pv_hypercall(struct pv_vcpu *v, int nr, struct kvm_regs *r,
                             struct pv_iret_frame *f, uint64_t *deadline)
{
    v->stats.hypercalls++;
    struct hc_ctx c = {.r = r, .f = f, .deadline = deadline};
    if (nr < 0 || nr >= MICA_HC_COUNT || !hypercalls[nr]) {
        r->rax = (uint64_t)-MICA_ENOSYS;
        return PV_RESUME;
    }
    return hypercalls[nr](v, r, &c);
}
