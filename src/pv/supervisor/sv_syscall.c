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
#include "pv/sv_state.h"

/* The guest's registers as entry.S pushed them (r15 lowest). */
struct sv_regs {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8, rbp, rdi, rsi, rdx, rcx, rbx, rax;
};

#define CLOCK_TRIES 4

static struct pv_sv_state *state(void) { return (struct pv_sv_state *)PV_SV_STATE_VA; }

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
    struct pv_mmu_limits l = state()->mmu;
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

/* 1: served (the result is in r->rax); 0: mica serves it. */
int sv_syscall(struct sv_regs *r)
{
    uint64_t flags = state()->flags;
    switch ((uint32_t)r->rax) {
    case MICA_HC_CLOCK:
        return (flags & PV_SV_CLOCK) ? serve_clock(r) : 0;
    case MICA_HC_MMU_UPDATE:
        return (flags & PV_SV_MMU) ? serve_mmu_update(r) : 0;
    default:
        return 0;
    }
}
