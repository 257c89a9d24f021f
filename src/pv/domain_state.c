/*
 * A domain's own saved pages: start_info, shared_info (event bits, time),
 * the console ring pages and the CPL0 stack (a vCPU paused on its way back
 * from a hypercall is about to iretq through the frame there, which is
 * checked before it is trusted) and the one live word of the in-guest
 * supervisor's state (the guest rsp its entry parks; the rest of that page
 * is mica's and rebuilt). The hypercall page, descriptor tables,
 * trampoline and page-table levels above the user PTs are mica's code and
 * are rebuilt, never loaded; the user PTs are pv/pagetable_state.c's.
 */
#include <stdio.h>
#include <string.h>

#include "pv/cpu_tables.h"
#include "pv/domain.h"
#include "pv/sv_state.h"
#include "pv/trap.h"
#include "util/errmsg.h"
#include "util/wire.h"

#define USER_VA_LIMIT (1ull << 47)

static const enum pv_hv_page saved_pages[] = {
    PV_PG_START_INFO, PV_PG_SHARED_INFO, PV_PG_CONSOLE, PV_PG_CONSOLE + 1,
    PV_PG_STACK0,     PV_PG_STACK0 + 1,
};
#define SAVED_PAGES (sizeof saved_pages / sizeof saved_pages[0])
#define SAVED_BYTES (SAVED_PAGES * PV_PAGE + 8)

static struct pv_sv_state *sv_state(const struct pv_domain *d)
{
    return guest_mem_ptr(&d->hv, pv_hv_gpa(PV_PG_SV_STATE), sizeof(struct pv_sv_state));
}

size_t pv_domain_save_pages(const struct pv_domain *d, void *buf, size_t len)
{
    if (!buf || len < SAVED_BYTES)
        return SAVED_BYTES;
    for (unsigned i = 0; i < SAVED_PAGES; i++)
        memcpy((uint8_t *)buf + i * PV_PAGE,
               guest_mem_ptr(&d->hv, pv_hv_gpa(saved_pages[i]), PV_PAGE), PV_PAGE);
    struct wire_out o = wire_out((uint8_t *)buf + SAVED_PAGES * PV_PAGE, 8);
    wire_put_u64(&o, sv_state(d)->guest_rsp);
    return SAVED_BYTES;
}

int pv_domain_load_pages(struct pv_domain *d, const void *buf, size_t len, char *err,
                         size_t errlen)
{
    if (len != SAVED_BYTES)
        return errmsg(err, errlen, -1, "domain pages refused: %zu bytes, not %zu", len,
                      (size_t)SAVED_BYTES);
    for (unsigned i = 0; i < SAVED_PAGES; i++)
        memcpy(guest_mem_ptr(&d->hv, pv_hv_gpa(saved_pages[i]), PV_PAGE),
               (const uint8_t *)buf + i * PV_PAGE, PV_PAGE);
    struct wire_in in = wire_in((const uint8_t *)buf + SAVED_PAGES * PV_PAGE, 8);
    sv_state(d)->guest_rsp = wire_get_u64(&in); /* a guest value, never a pointer to mica */
    /* The guest reads these, mica does not: they name the domain it is now. */
    d->start_info->vm_id = d->id;
    snprintf(d->start_info->name, sizeof d->start_info->name, "%s", d->name);
    return 0;
}

int pv_domain_check_stack0(struct pv_domain *d, mica_gva_t rip, char *err, size_t errlen)
{
    if (pv_vector_at(rip) < 0)
        return 0; /* not about to return from an exception exit */
    struct pv_iret_frame *f =
        (struct pv_iret_frame *)pv_stack0_at(d, pv_stack0_top_va() - sizeof *f, 5);
    if (!f || f->cs != PV_SEL_UCODE || f->ss != PV_SEL_UDATA || f->rip >= USER_VA_LIMIT ||
        f->rsp >= USER_VA_LIMIT)
        return errmsg(err, errlen, -1, "the vCPU would return from the trampoline to somewhere "
                      "other than the guest's user space");
    f->rflags = pv_user_rflags(f->rflags);
    return 0;
}
