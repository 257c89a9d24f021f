/*
 * Faults inside the guest: a fault at CPL3 whose vector has a handler in
 * the guest's trap table is bounced to it here, exactly as mica's
 * src/pv/trap.c would (frame below the red zone, zero return address, DF
 * and AC cleared, rdi = the frame), without leaving the VM. Everything
 * else — no handler, a stack the supervisor cannot vouch for, a fault at
 * CPL0 — goes to mica through the trampoline's stub for the vector, which
 * reports or bounces it with the full page walk.
 */
#include <stdint.h>

#include "mica/abi.h"
#include "pv/mmu_check.h"
#include "pv/supervisor/sv.h"

#define RED_ZONE 128
#define RFLAGS_DF 0x400ull
#define RFLAGS_AC 0x40000ull

/* What entry.S pushed (r15 lowest), the vector, then what the CPU pushed:
 * an error code for some vectors, and the iret frame. */
struct sv_fault {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8, rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector;
    uint64_t cpu[6];
};
struct sv_iret {
    uint64_t rip, cs, rflags, rsp, ss;
};

static uint64_t read_cr2(void)
{
    uint64_t v;
    __asm__ volatile("mov %%cr2, %0" : "=r"(v));
    return v;
}

static int hand_to_mica(struct sv_fault *f)
{
    f->vector = sv_state()->tramp_vectors_va + f->vector * 16;
    return 0;
}

int sv_fault(struct sv_fault *f)
{
    uint64_t vec = f->vector;
    int err = pv_vector_pushes_error(vec);
    struct sv_iret *i = (struct sv_iret *)&f->cpu[err];
    mica_gva_t handler = vec < MICA_TRAP_VECTORS ? sv_state()->trap_table[vec] : 0;
    if (!(sv_state()->flags & PV_SV_TRAPS) || !handler || (i->cs & 3) != 3)
        return hand_to_mica(f);
    uint64_t at = (i->rsp - RED_ZONE - sizeof(struct mica_trap_frame)) & ~15ull;
    if (i->rsp < RED_ZONE + sizeof(struct mica_trap_frame) + 8 ||
        !sv_user_range_ok(at - 8, sizeof(struct mica_trap_frame) + 8, 1))
        return hand_to_mica(f); /* mica reports the unwritable stack */
    struct mica_trap_frame t = {
        .vector = vec, .error_code = err ? f->cpu[0] : 0, .fault_addr = vec == 14 ? read_cr2() : 0,
        .rip = i->rip, .rsp = i->rsp, .rflags = i->rflags,
        .rax = f->rax, .rbx = f->rbx, .rcx = f->rcx, .rdx = f->rdx, .rsi = f->rsi, .rdi = f->rdi,
        .rbp = f->rbp, .r8 = f->r8, .r9 = f->r9, .r10 = f->r10, .r11 = f->r11, .r12 = f->r12,
        .r13 = f->r13, .r14 = f->r14, .r15 = f->r15,
    };
    *(volatile struct mica_trap_frame *)at = t;
    *(volatile uint64_t *)(at - 8) = 0;
    i->rip = handler;
    i->rsp = at - 8;
    i->rflags = pv_rflags_for_user(i->rflags) & ~(RFLAGS_DF | RFLAGS_AC);
    i->cs = PV_SEL_UCODE;
    i->ss = PV_SEL_UDATA;
    f->rdi = at;
    sv_state()->bounced++;
    return err ? 2 : 1;
}
