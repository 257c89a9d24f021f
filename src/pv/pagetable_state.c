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
    uint64_t count, used = 0;
    const uint64_t *pte = user_ptes(mmu, &count);
    struct wire_out o = wire_out(buf, len);
    for (uint64_t i = 0; i < count; i++)
        used += pte[i] != 0;
    /* Sparse: most of the window (twice the RAM) maps nothing. */
    wire_put_u32(&o, STATE_MAGIC), wire_put_u32(&o, STATE_VERSION);
    wire_put_u64(&o, count), wire_put_u64(&o, used);
    for (uint64_t i = 0; i < count; i++)
        if (pte[i])
            wire_put_u64(&o, i), wire_put_u64(&o, pte[i]);
    return o.len;
}

static bool entry_ok(uint64_t e, uint64_t ram_pages)
{
    return (e & ~PTE_ALLOWED) == 0 && (e & (PTE_P | PTE_U)) == (PTE_P | PTE_U) &&
           ((e & PTE_ADDR) / PV_PAGE) < ram_pages;
}

/* Checks every entry before any is used. NULL, or what is wrong. */
static const char *check(struct wire_in in, uint64_t count, uint64_t used, uint64_t ram_pages)
{
    long long last = -1;
    for (uint64_t n = 0; n < used; n++) {
        uint64_t i = wire_get_u64(&in), e = wire_get_u64(&in);
        if (in.short_read)
            break;
        if (i >= count || (long long)i <= last)
            return "entries out of order or out of range";
        last = (long long)i;
        if (!entry_ok(e, ram_pages))
            return "an entry maps what a guest may not map";
    }
    return wire_in_done(&in) ? NULL : "its length does not match its entries";
}

int pv_pt_load(const struct pv_mmu *mmu, const void *buf, size_t len, char *err, size_t errlen)
{
    uint64_t count, ram_pages = mmu->layout->ram_bytes / PV_PAGE;
    uint64_t *pte = user_ptes(mmu, &count);
    struct wire_in in = wire_in(buf, len);
    const char *why = NULL;
    if (wire_get_u32(&in) != STATE_MAGIC || wire_get_u32(&in) != STATE_VERSION)
        why = "not one of this version";
    else if (wire_get_u64(&in) != count)
        why = "it is for another memory size";
    uint64_t used = wire_get_u64(&in);
    if (!why && used > count)
        why = "more entries than the tables have";
    if (!why)
        why = check(in, count, used, ram_pages);
    if (why)
        return errmsg(err, errlen, -1, "page table state refused: %s", why);
    /* A fresh domain's tables map its RAM and nothing above it (pv_pt_build):
     * only those entries are cleared, so that a clone does not touch (fault
     * in) the whole window's tables. */
    memset(pte, 0, (ram_pages < count ? ram_pages : count) * 8);
    for (uint64_t n = 0; n < used; n++) {
        uint64_t i = wire_get_u64(&in);
        pte[i] = wire_get_u64(&in);
    }
    return 0;
}
