/*
 * Drives MICA_HC_MEMORY_OP on testbed domains as a guest would: the
 * reservation struct and its frame array go to a scratch page of RAM, the
 * hypercall runs on the domain's vCPU, and the page-table writes it leaves
 * for the CPL0 trampoline are made here, host-side, after checking the
 * registers the trampoline would get (there is no KVM to run it).
 * Header-only, for unit tests and fuzzers.
 */
#ifndef MICA_TESTS_PV_BALLOON_OPS_H
#define MICA_TESTS_PV_BALLOON_OPS_H

#include "mica/memory.h"
#include "pv/memory_op.h"
#include "pv_testbed.h"

#define BALLOON_SCRATCH 0x1fe000ull /* struct, then frames: in RAM, user-writable */
#define BALLOON_FRAMES (BALLOON_SCRATCH + 16)

/* What the trampoline would do: returns the number of writes made, or -1
 * when the registers do not describe a batch inside the batch pages. */
static inline long balloon_run_trampoline(struct pv_domain *d, const struct kvm_regs *r)
{
    if (r->rip != pv_tramp_va_pte_batch())
        return 0;
    if (r->rcx != pv_hv_va(PV_PG_PTE_BATCH * PV_PAGE) || r->r11 == 0 || r->r11 > PV_PTE_BATCH_MAX)
        return -1;
    const struct pv_pte_write *w = pv_memory_pte_batch(d);
    for (uint64_t i = 0; i < r->r11; i++) {
        uint64_t *pte = guest_mem_ptr(&d->hv, w[i].pte_va - PV_HV_VA + PV_HV_GPA, 8);
        if (!pte || w[i].pte_va < PV_HV_VA)
            return -1;
        *pte = w[i].value;
    }
    return (long)r->r11;
}

/* MICA_HC_MEMORY_OP(cmd, {frames at BALLOON_FRAMES, count, reserved})
 * with the frames copied in; returns rax, and *writes (if not NULL) the
 * page-table writes made. */
static inline long balloon_call_raw(struct pv_domain *d, uint64_t cmd, mica_gva_t arg,
                                    const struct mica_memory_reservation *res,
                                    const uint64_t *frames, uint32_t n, long *writes)
{
    memcpy(d->ram.host + BALLOON_SCRATCH, res, sizeof *res);
    if (n)
        memcpy(d->ram.host + BALLOON_FRAMES, frames, n * sizeof *frames);
    struct kvm_regs r = {.rdi = cmd, .rsi = arg};
    struct pv_iret_frame f = {.rip = MICA_IMAGE_BASE, .cs = PV_SEL_UCODE, .rflags = 0x202,
                              .rsp = 0x80000, .ss = PV_SEL_UDATA};
    uint64_t deadline;
    pv_hypercall(&d->vcpus[0], MICA_HC_MEMORY_OP, &r, &f, &deadline);
    long w = balloon_run_trampoline(d, &r);
    if (writes)
        *writes = w;
    return (long)r.rax;
}

static inline long balloon_call(struct pv_domain *d, uint64_t cmd, const uint64_t *frames,
                                uint32_t n)
{
    struct mica_memory_reservation res = {.frames = BALLOON_FRAMES, .count = n};
    return balloon_call_raw(d, cmd, BALLOON_SCRATCH, &res, frames, n, NULL);
}

static inline long balloon_decrease(struct pv_domain *d, const uint64_t *frames, uint32_t n)
{
    return balloon_call(d, MICA_MEMOP_DECREASE_RESERVATION, frames, n);
}

static inline long balloon_increase(struct pv_domain *d, const uint64_t *frames, uint32_t n)
{
    return balloon_call(d, MICA_MEMOP_INCREASE_RESERVATION, frames, n);
}

/* The invariant: every frame is the guest's or released, the count agrees,
 * and no present user PTE maps a released frame. */
static inline bool balloon_consistent(struct pv_domain *d)
{
    const struct pv_balloon *b = &d->balloon;
    if (pv_balloon_count_released(b) != b->released || b->released > b->max_pages ||
        pv_balloon_current(b) + b->released != b->max_pages)
        return false;
    uint64_t entries = d->layout.window_bytes / PV_PAGE;
    const uint64_t *pte = guest_mem_ptr(&d->hv, PV_HV_GPA + d->layout.first_user_pt * PV_PAGE,
                                        entries * 8);
    uint64_t aliases = 0;
    for (uint64_t i = 0; i < entries; i++) {
        if ((pte[i] & PTE_P) && pv_balloon_is_released(b, (pte[i] & PTE_ADDR) / PV_PAGE))
            return false;
        aliases += (pte[i] & PTE_P) && (pte[i] & PTE_ADDR) / PV_PAGE != i;
    }
    return aliases == b->pte_aliases && d->shared->balloon_current_pages == pv_balloon_current(b);
}

/* MMU_UPDATE(va, frame, flags) as the guest makes it, with the write the
 * trampoline would do made here; returns rax. */
static inline long balloon_mmu_update(struct pv_domain *d, mica_gva_t va, uint64_t frame,
                                      uint64_t flags)
{
    struct kvm_regs r = {.rdi = va, .rsi = frame, .rdx = flags};
    struct pv_iret_frame f = {0};
    uint64_t deadline;
    pv_hypercall(&d->vcpus[0], MICA_HC_MMU_UPDATE, &r, &f, &deadline);
    if ((long)r.rax == 0 && r.rip == pv_tramp_va_pte_write())
        *(uint64_t *)guest_mem_ptr(&d->hv, r.rcx - PV_HV_VA + PV_HV_GPA, 8) = r.r11;
    return (long)r.rax;
}

#endif
