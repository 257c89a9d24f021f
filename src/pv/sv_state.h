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

/* What the supervisor may serve without mica (flags). */
#define PV_SV_CLOCK 0x1u /* MICA_HC_CLOCK from shared_info's pvclock */
#define PV_SV_MMU 0x2u   /* MICA_HC_MMU_UPDATE (pv/mmu_check.h)    */

struct pv_sv_state {
    uint64_t guest_rsp; /* the entry's scratch slot: offset 0 (entry.S) */
    uint64_t flags;     /* PV_SV_*                                       */
    struct pv_mmu_limits mmu;
};

#define PV_SV_ENTRY_VA (PV_HV_VA + (uint64_t)PV_PG_SUPERVISOR * PV_PAGE)
#define PV_SV_STATE_VA (PV_HV_VA + (uint64_t)PV_PG_SV_STATE * PV_PAGE)

_Static_assert(sizeof(struct pv_sv_state) <= PV_PAGE, "supervisor state fits its page");

#endif
