/*
 * A domain's own saved pages: start_info, shared_info (event bits, time),
 * the console ring pages and the CPL0 stack (a vCPU paused on its way back
 * from a hypercall is about to iretq through the frame there, which is
 * checked before it is trusted). The hypercall page, descriptor tables,
 * trampoline and page-table levels above the user PTs are mica's code and
 * are rebuilt, never loaded; the user PTs are pv/pagetable_state.c's.
 */
#include <stdio.h>
#include <string.h>

#include "pv/cpu_tables.h"
#include "pv/domain.h"
#include "pv/trap.h"
#include "util/errmsg.h"

#define USER_VA_LIMIT (1ull << 47)

static const enum pv_hv_page saved_pages[] = {
    PV_PG_START_INFO, PV_PG_SHARED_INFO, PV_PG_CONSOLE, PV_PG_CONSOLE + 1,
    PV_PG_STACK0,     PV_PG_STACK0 + 1,
};
#define SAVED_PAGES (sizeof saved_pages / sizeof saved_pages[0])

size_t pv_domain_save_pages(const struct pv_domain *d, void *buf, size_t len)
{
    size_t need = SAVED_PAGES * PV_PAGE;
    for (unsigned i = 0; buf && len >= need && i < SAVED_PAGES; i++)
        memcpy((uint8_t *)buf + i * PV_PAGE,
               guest_mem_ptr(&d->hv, pv_hv_gpa(saved_pages[i]), PV_PAGE), PV_PAGE);
    return need;
}

int pv_domain_load_pages(struct pv_domain *d, const void *buf, size_t len, char *err,
                         size_t errlen)
{
    if (len != SAVED_PAGES * PV_PAGE)
        return errmsg(err, errlen, -1, "domain pages refused: %zu bytes, not %zu", len,
                      (size_t)(SAVED_PAGES * PV_PAGE));
    for (unsigned i = 0; i < SAVED_PAGES; i++)
        memcpy(guest_mem_ptr(&d->hv, pv_hv_gpa(saved_pages[i]), PV_PAGE),
               (const uint8_t *)buf + i * PV_PAGE, PV_PAGE);
    /* The guest reads these, mica does not: they name the domain it is now. */
    d->start_info->vm_id = d->id;
    snprintf(d->start_info->name, sizeof d->start_info->name, "%s", d->name);
    return 0;
}

int pv_domain_check_stack0(struct pv_domain *d, mica_gva_t rip, char *err, size_t errlen)
{
    mica_gva_t tramp = pv_hv_va(PV_PG_TRAMPOLINE * PV_PAGE);
    if (rip < tramp || rip >= tramp + PV_PAGE)
        return 0; /* not in the trampoline: nothing on the stack is live */
    struct pv_iret_frame *f =
        (struct pv_iret_frame *)pv_stack0_at(d, pv_stack0_top_va() - sizeof *f, 5);
    if (!f || f->cs != PV_SEL_UCODE || f->ss != PV_SEL_UDATA || f->rip >= USER_VA_LIMIT ||
        f->rsp >= USER_VA_LIMIT)
        return errmsg(err, errlen, -1, "the vCPU would return from the trampoline to somewhere "
                      "other than the guest's user space");
    f->rflags = pv_user_rflags(f->rflags);
    return 0;
}
