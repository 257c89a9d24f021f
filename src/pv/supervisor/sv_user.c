#include "pv/supervisor/sv.h"

int sv_user_range_ok(uint64_t va, uint64_t len, int write)
{
    const struct pv_mmu_limits *l = &sv_state()->mmu;
    uint64_t need = PTE_P | PTE_U | (write ? PTE_W : 0);
    if (len == 0 || va + len < va || va + len > l->window_bytes)
        return 0;
    for (uint64_t p = va & ~(MICA_PAGE_SIZE - 1); p < va + len; p += MICA_PAGE_SIZE) {
        uint64_t pte = *(volatile uint64_t *)(l->pte_base_va + (p / MICA_PAGE_SIZE) * 8);
        if ((pte & need) != need)
            return 0;
    }
    return 1;
}
