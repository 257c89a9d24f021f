/*
 * The one check of MICA_HC_MMU_UPDATE: which page-table entry a guest may
 * change and to what. Freestanding C (stdint only), built twice: into mica,
 * which serves the hypercall when it traps out, and into the in-guest
 * supervisor (src/pv/supervisor/), which serves it without leaving the VM;
 * unit-tested and fuzzed on the host build.
 */
#ifndef MICA_PV_MMU_CHECK_H
#define MICA_PV_MMU_CHECK_H

#include <stdint.h>

#include "mica/abi.h"

#define PTE_P 0x1ull
#define PTE_W 0x2ull
#define PTE_U 0x4ull
#define PTE_PS 0x80ull
#define PTE_NX (1ull << 63)
#define PTE_ADDR 0x000ffffffffff000ull

/* What the check needs of a domain's layout. */
struct pv_mmu_limits {
    uint64_t window_bytes; /* user VAs [0, window) may be remapped        */
    uint64_t ram_frames;   /* frames [0, ram_frames) are the guest's RAM  */
    uint64_t pte_base_va;  /* hypervisor VA of the PTE of user VA 0; the
                              PTEs of the window follow it contiguously   */
};

/* Validates (va, frame, MICA_MMU_* flags) and computes the new entry and
 * the hypervisor VA of the entry to write. 0 or -MICA_EINVAL (unaligned va,
 * unknown flags) or -MICA_EPERM (va outside the window, frame outside RAM). */
int pv_mmu_check_update(const struct pv_mmu_limits *l, mica_gva_t va, uint64_t frame,
                        uint64_t flags, mica_gva_t *pte_va, uint64_t *new_pte);

#endif
