/*
 * What mica tells the in-guest supervisor (src/pv/supervisor/): one page of
 * the hypervisor area (PV_PG_SV_STATE), supervisor-only like all of it, so
 * the guest can neither read nor change it. Plain data and constants only:
 * it is compiled into mica and into the supervisor.
 */
#ifndef MICA_PV_SV_STATE_H
#define MICA_PV_SV_STATE_H

#include <stdint.h>

#include "pv/layout.h"
#include "pv/mmu_check.h"
#include "mica/abi.h"

/* What the supervisor may serve without mica (flags). */
#define PV_SV_CLOCK 0x1u /* MICA_HC_CLOCK from shared_info's pvclock       */
#define PV_SV_MMU 0x2u   /* MICA_HC_MMU_UPDATE (pv/mmu_check.h)          */
#define PV_SV_TRAPS 0x4u /* faults bounced to the guest's handlers, and
                            MICA_HC_TRAP_RETURN                         */

struct pv_sv_state {
    uint64_t guest_rsp; /* the entry's scratch slot: offset 0 (entry.S) */
    uint64_t flags;     /* PV_SV_*                                       */
    struct pv_mmu_limits mmu;
    uint64_t tramp_vectors_va; /* the trampoline's vector stubs: what the
                                  supervisor hands a fault to mica through */
    mica_gva_t trap_table[MICA_TRAP_VECTORS]; /* mica's copy, kept in step */
    uint64_t bounced, served;  /* counts, for mica's statistics           */
};

/* Exception entries: 16-byte stubs, one per vector, at this offset of the
 * supervisor's image (entry.S pins it with .org). */
#define PV_SV_VECTORS_OFFSET 0x100u
#define PV_SV_VECTOR_STUB 16u

/* The rflags a guest may set: arithmetic flags, DF and AC; IF always on,
 * IOPL 0, no trap flag (one mask for mica and the supervisor). */
static inline uint64_t pv_rflags_for_user(uint64_t wanted) { return (wanted & 0x40cd5ull) | 0x202ull; }

#define PV_SV_ENTRY_VA (PV_HV_VA + (uint64_t)PV_PG_SUPERVISOR * PV_PAGE)
#define PV_SV_STATE_VA (PV_HV_VA + (uint64_t)PV_PG_SV_STATE * PV_PAGE)

_Static_assert(sizeof(struct pv_sv_state) <= PV_PAGE, "supervisor state fits its page");

#endif
