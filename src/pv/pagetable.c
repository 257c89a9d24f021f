#include "pv/pagetable.h"

#include <string.h>

#define TABLE_ENTRIES 512ull
#define UPPER (PTE_P | PTE_W | PTE_U) /* upper levels: leaves decide */

static uint64_t *hv_table(const struct pv_mmu *mmu, uint64_t page)
{
    return guest_mem_ptr(mmu->hv, PV_HV_GPA + page * PV_PAGE, PV_PAGE);
}

static uint64_t hv_entry(uint64_t page, uint64_t flags)
{
    return (PV_HV_GPA + page * PV_PAGE) | flags;
}

static void build_user(const struct pv_mmu *mmu)
{
    const struct pv_layout *l = mmu->layout;
    uint64_t *pdpt = hv_table(mmu, PV_PG_PDPT_USER);
    for (uint64_t i = 0; i < l->user_pds; i++) {
        pdpt[i] = hv_entry(PV_PG_USER_PD + i, UPPER);
        uint64_t *pd = hv_table(mmu, PV_PG_USER_PD + i);
        for (uint64_t j = 0; j < TABLE_ENTRIES; j++)
            pd[j] = hv_entry(l->first_user_pt + i * TABLE_ENTRIES + j, UPPER);
    }
    /* The user PTs are contiguous, so the PTE of va is entry va >> 12. */
    uint64_t *pte = hv_table(mmu, l->first_user_pt);
    for (uint64_t pfn = 1; pfn < l->ram_bytes / PV_PAGE; pfn++)
        pte[pfn] = (pfn * PV_PAGE) | PTE_P | PTE_W | PTE_U;
}

static void build_special(const struct pv_mmu *mmu)
{
    static const uint64_t flags[PV_SPECIAL_PAGES] = {
        [PV_PG_START_INFO] = PTE_P | PTE_U | PTE_NX,
        [PV_PG_SHARED_INFO] = PTE_P | PTE_W | PTE_U | PTE_NX,
        [PV_PG_HYPERCALL] = PTE_P | PTE_U,
        [PV_PG_CONSOLE] = PTE_P | PTE_W | PTE_U | PTE_NX,
        [PV_PG_CONSOLE + 1] = PTE_P | PTE_W | PTE_U | PTE_NX,
        [5] = PTE_P | PTE_W | PTE_U | PTE_NX, /* doorbell */
    };
    hv_table(mmu, PV_PG_PDPT_SPECIAL)[0] = hv_entry(PV_PG_PD_SPECIAL, UPPER);
    hv_table(mmu, PV_PG_PD_SPECIAL)[0] = hv_entry(PV_PG_PT_SPECIAL, UPPER);
    uint64_t *pt = hv_table(mmu, PV_PG_PT_SPECIAL);
    for (uint64_t i = 0; i < PV_SPECIAL_PAGES - 1; i++)
        pt[i] = hv_entry(i, flags[i]);
    pt[PV_SPECIAL_PAGES - 1] = PV_DOORBELL_GPA | flags[5];
}

static void build_hypervisor(const struct pv_mmu *mmu)
{
    hv_table(mmu, PV_PG_PDPT_HV)[0] = hv_entry(PV_PG_PD_HV, PTE_P | PTE_W);
    uint64_t *pd = hv_table(mmu, PV_PG_PD_HV);
    for (uint64_t off = 0; off < mmu->layout->hv_bytes; off += 2ull << 20)
        pd[off >> 21] = (PV_HV_GPA + off) | PTE_P | PTE_W | PTE_PS;
}

void pv_pt_build(const struct pv_mmu *mmu)
{
    uint64_t *pml4 = hv_table(mmu, PV_PG_PML4);
    memset(pml4, 0, PV_PAGE);
    pml4[0] = hv_entry(PV_PG_PDPT_USER, UPPER);
    pml4[(MICA_SPECIAL_VA >> 39) & 511] = hv_entry(PV_PG_PDPT_SPECIAL, UPPER);
    pml4[511] = hv_entry(PV_PG_PDPT_HV, PTE_P | PTE_W);
    build_user(mmu);
    build_special(mmu);
    build_hypervisor(mmu);
}

/* Any guest-physical address a table may point at: RAM or the hv area. */
static void *gpa_ptr(const struct pv_mmu *mmu, mica_gpa_t gpa, uint64_t len)
{
    void *p = guest_mem_ptr(mmu->ram, gpa, len);
    return p ? p : guest_mem_ptr(mmu->hv, gpa, len);
}

static bool entry_allows(uint64_t e, enum pv_access access)
{
    if (!(e & PTE_P) || !(e & PTE_U))
        return false;
    return access == PV_READ || (e & PTE_W);
}

void *pv_pt_user_ptr(const struct pv_mmu *mmu, mica_gva_t va, enum pv_access access)
{
    if (va >> 47) /* non-canonical or kernel half: never a user address */
        return NULL;
    uint64_t table = PV_HV_GPA + PV_PG_PML4 * PV_PAGE;
    for (int shift = 39; shift >= 12; shift -= 9) {
        uint64_t *t = gpa_ptr(mmu, table, PV_PAGE);
        if (!t)
            return NULL;
        uint64_t e = t[(va >> shift) & 511];
        if (!entry_allows(e, access))
            return NULL;
        if (shift == 12 || (shift == 21 && (e & PTE_PS))) {
            uint64_t page_mask = (1ull << shift) - 1;
            uint64_t gpa = (e & PTE_ADDR & ~page_mask) | (va & page_mask);
            return gpa_ptr(mmu, gpa, 1);
        }
        table = e & PTE_ADDR;
    }
    return NULL;
}

struct pv_mmu_limits pv_pt_limits(const struct pv_layout *l)
{
    return (struct pv_mmu_limits){
        .window_bytes = l->window_bytes,
        .ram_frames = l->ram_bytes / PV_PAGE,
        .pte_base_va = pv_hv_va(l->first_user_pt * PV_PAGE),
    };
}

int pv_pt_check_update(const struct pv_mmu *mmu, mica_gva_t va, uint64_t frame, uint64_t flags,
                       mica_gva_t *pte_va, uint64_t *new_pte)
{
    struct pv_mmu_limits l = pv_pt_limits(mmu->layout);
    return pv_mmu_check_update(&l, va, frame, flags, pte_va, new_pte);
}
