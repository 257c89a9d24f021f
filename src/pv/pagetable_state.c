/*
 * Saved page tables: only the user PTs, the level a guest changes with
 * MICA_HC_MMU_UPDATE. Every other level, and the special and hypervisor
 * mappings, are mica's own and are rebuilt from the layout (pv_pt_build),
 * never taken from a file. Every saved entry is checked as an update
 * would be: none, or a frame of the guest's own RAM mapped for the user.
 */
#include "pv/pagetable.h"

#include "util/errmsg.h"
#include "util/wire.h"

#define STATE_MAGIC 0x53545050u /* "PPTS" */
#define STATE_VERSION 1u
#define PTE_ACCESSED 0x20ull
#define PTE_DIRTY 0x40ull
#define PTE_ALLOWED (PTE_P | PTE_W | PTE_U | PTE_NX | PTE_ACCESSED | PTE_DIRTY | PTE_ADDR)

static uint64_t *user_ptes(const struct pv_mmu *mmu, uint64_t *count)
{
    const struct pv_layout *l = mmu->layout;
    *count = l->user_pts * (PV_PAGE / 8);
    return guest_mem_ptr(mmu->hv, PV_HV_GPA + l->first_user_pt * PV_PAGE, l->user_pts * PV_PAGE);
}

size_t pv_pt_save(const struct pv_mmu *mmu, void *buf, size_t len)
{
    uint64_t count;
    const uint64_t *pte = user_ptes(mmu, &count);
    struct wire_out o = wire_out(buf, len);
    wire_put_u32(&o, STATE_MAGIC), wire_put_u32(&o, STATE_VERSION), wire_put_u64(&o, count);
    for (uint64_t i = 0; i < count; i++)
        wire_put_u64(&o, pte[i]);
    return o.len;
}

static bool entry_ok(uint64_t e, uint64_t ram_pages)
{
    if (e == 0)
        return true;
    return (e & ~PTE_ALLOWED) == 0 && (e & (PTE_P | PTE_U)) == (PTE_P | PTE_U) &&
           ((e & PTE_ADDR) / PV_PAGE) < ram_pages;
}

int pv_pt_load(const struct pv_mmu *mmu, const void *buf, size_t len, char *err, size_t errlen)
{
    uint64_t count, ram_pages = mmu->layout->ram_bytes / PV_PAGE;
    uint64_t *pte = user_ptes(mmu, &count);
    struct wire_in in = wire_in(buf, len);
    if (wire_get_u32(&in) != STATE_MAGIC || wire_get_u32(&in) != STATE_VERSION)
        return errmsg(err, errlen, -1, "page table state refused: not one of this version");
    if (wire_get_u64(&in) != count || len != 16 + count * 8)
        return errmsg(err, errlen, -1, "page table state refused: it is for another memory size");
    for (uint64_t i = 0; i < count; i++) {
        struct wire_in at = wire_in((const uint8_t *)buf + 16 + i * 8, 8);
        if (!entry_ok(wire_get_u64(&at), ram_pages))
            return errmsg(err, errlen, -1, "page table state refused: entry %llu maps what a "
                          "guest may not map", (unsigned long long)i);
    }
    for (uint64_t i = 0; i < count; i++)
        pte[i] = wire_get_u64(&in);
    return 0;
}
