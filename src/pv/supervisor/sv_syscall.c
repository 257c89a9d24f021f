/*
 * The in-guest supervisor's hypercall service: freestanding, at the
 * guest's CPL0, no libc, no FPU/SSE (built -mgeneral-regs-only, so the
 * guest's vector state is never touched). What needs no host service is
 * served here; everything else returns 0 and goes to mica. Guest-writable
 * memory (shared_info) is read only for the guest's own result, and every
 * loop is bounded.
 */
#include <stdint.h>

#include "mica/abi.h"
#include "pv/mmu_check.h"
#include "pv/supervisor/sv.h"

/* The guest's registers as entry.S pushed them (r15 lowest), then the
 * iret frame of the syscall entry. */
struct sv_regs {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8, rbp, rdi, rsi, rdx, rcx, rbx, rax;
};
struct sv_frame {
    uint64_t rip, cs, rflags, rsp, ss;
};
struct sv_call {
    struct sv_regs regs;
    struct sv_frame frame;
};

#define USER_VA_LIMIT (1ull << 47)

#define CLOCK_TRIES 4

static uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t)hi << 32 | lo;
}

/* MICA_HC_CLOCK: pvclock from shared_info, as the guest kit computes it.
 * A version that stays odd or changes under us goes to mica. */
static int serve_clock(struct sv_regs *r)
{
    volatile struct mica_shared_info *s =
        (volatile struct mica_shared_info *)(MICA_SPECIAL_VA + PV_PG_SHARED_INFO * PV_PAGE);
    for (int i = 0; i < CLOCK_TRIES; i++) {
        uint32_t v = s->time_version;
        if (v & 1)
            continue;
        if (!(s->time_flags & MICA_TIME_TSC))
            return 0;
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
        uint64_t d = rdtsc() - s->tsc_stamp;
        int32_t shift = s->tsc_shift;
        d = shift < 0 ? d >> (-shift & 63) : d << (shift & 63);
        uint64_t ns = s->monotonic_ns + (uint64_t)(((unsigned __int128)d * s->tsc_mul) >> 32);
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
        if (s->time_version == v) {
            r->rax = ns;
            return 1;
        }
    }
    return 0;
}

/* MICA_HC_MMU_UPDATE: the same check as mica's, then the write and the
 * flush, here at CPL0 (where the MMU sees the write, shadowed or not). */
static int serve_mmu_update(struct sv_regs *r)
{
    struct pv_mmu_limits l = sv_state()->mmu;
    mica_gva_t pte_va;
    uint64_t pte;
    int rc = pv_mmu_check_update(&l, r->rdi, r->rsi, r->rdx, &pte_va, &pte);
    if (rc == 0) {
        *(volatile uint64_t *)pte_va = pte;
        __asm__ volatile("invlpg (%0)" ::"r"(r->rdi) : "memory");
    }
    r->rax = (uint64_t)(int64_t)rc;
    return 1;
}

/* MICA_HC_TRAP_RETURN: resumes the trap frame at rdi, as mica does. */
static int serve_trap_return(struct sv_call *c)
{
    struct sv_regs *r = &c->regs;
    if (!sv_user_range_ok(r->rdi, sizeof(struct mica_trap_frame), 0))
        return 0; /* mica answers (-MICA_EFAULT, or a frame outside the window) */
    struct mica_trap_frame t = *(const volatile struct mica_trap_frame *)r->rdi;
    if (t.rip >= USER_VA_LIMIT || t.rsp >= USER_VA_LIMIT) {
        r->rax = (uint64_t)-MICA_EINVAL;
        return 1;
    }
    *r = (struct sv_regs){
        .rax = t.rax, .rbx = t.rbx, .rcx = t.rcx, .rdx = t.rdx, .rsi = t.rsi, .rdi = t.rdi,
        .rbp = t.rbp, .r8 = t.r8, .r9 = t.r9, .r10 = t.r10, .r11 = t.r11, .r12 = t.r12,
        .r13 = t.r13, .r14 = t.r14, .r15 = t.r15,
    };
    c->frame = (struct sv_frame){.rip = t.rip, .cs = PV_SEL_UCODE, .rflags = pv_rflags_for_user(t.rflags),
                                 .rsp = t.rsp, .ss = PV_SEL_UDATA};
    return 1;
}

/* 1: served (the result is in rax); 0: mica serves it. */
int sv_syscall(struct sv_call *c)
{
    uint64_t flags = sv_state()->flags;
    int served = 0;
    switch ((uint32_t)c->regs.rax) {
    case MICA_HC_CLOCK:
        served = (flags & PV_SV_CLOCK) ? serve_clock(&c->regs) : 0;
        break;
    case MICA_HC_MMU_UPDATE:
        served = (flags & PV_SV_MMU) ? serve_mmu_update(&c->regs) : 0;
        break;
    case MICA_HC_TRAP_RETURN:
        served = (flags & PV_SV_TRAPS) ? serve_trap_return(c) : 0;
        break;
    }
    sv_state()->served += (uint64_t)served;
    return served;
}
