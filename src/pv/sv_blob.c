/* The supervisor's image (generated from build/sv/supervisor.elf by the
 * Makefile) and its installation into a domain. */
#include "pv/sv_blob.h"

#include <string.h>

#include "pv/cpu_tables.h"
#include "pv/pagetable.h"
#include "pv/sv_state.h"

const uint8_t pv_sv_blob[] = {
#include "supervisor_blob.inc"
};
const size_t pv_sv_blob_len = sizeof pv_sv_blob;

/* The numbers src/pv/supervisor/supervisor.ld links with. */
_Static_assert(PV_PG_SUPERVISOR == 17 && PV_PG_SV_STATE == 20 && PV_PG_PML4 == 10,
               "supervisor.ld's addresses follow layout.h");
_Static_assert(sizeof pv_sv_blob <= PV_SV_CODE_PAGES * PV_PAGE, "the supervisor fits its pages");

void pv_supervisor_install(struct guest_mem *hv, const struct pv_layout *l, uint64_t flags)
{
    memcpy(guest_mem_ptr(hv, pv_hv_gpa(PV_PG_SUPERVISOR), PV_SV_CODE_PAGES * PV_PAGE), pv_sv_blob,
           pv_sv_blob_len);
    struct pv_sv_state *st = guest_mem_ptr(hv, pv_hv_gpa(PV_PG_SV_STATE), PV_PAGE);
    *st = (struct pv_sv_state){.flags = flags, .mmu = pv_pt_limits(l),
                               .tramp_vectors_va = pv_tramp_va_vectors()};
}

struct pv_sv_state *pv_supervisor_state(struct guest_mem *hv)
{
    return guest_mem_ptr(hv, pv_hv_gpa(PV_PG_SV_STATE), PV_PAGE);
}
