#include "pv/mmu_check.h"

int pv_mmu_check_update(const struct pv_mmu_limits *l, mica_gva_t va, uint64_t frame,
                        uint64_t flags, mica_gva_t *pte_va, uint64_t *new_pte)
{
    if (va & (MICA_PAGE_SIZE - 1))
        return -MICA_EINVAL;
    if (flags & ~(uint64_t)(MICA_MMU_PRESENT | MICA_MMU_WRITE | MICA_MMU_EXEC))
        return -MICA_EINVAL;
    if (va >= l->window_bytes)
        return -MICA_EPERM; /* special pages and the hypervisor stay put */
    uint64_t pte = 0;
    if (flags & MICA_MMU_PRESENT) {
        if (frame >= l->ram_frames)
            return -MICA_EPERM; /* only the guest's own RAM */
        pte = frame * MICA_PAGE_SIZE | PTE_P | PTE_U;
        if (flags & MICA_MMU_WRITE)
            pte |= PTE_W;
        if (!(flags & MICA_MMU_EXEC))
            pte |= PTE_NX;
    }
    *new_pte = pte;
    *pte_va = l->pte_base_va + (va / MICA_PAGE_SIZE) * 8;
    return 0;
}
