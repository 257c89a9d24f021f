/*
 * The page tables of a PV domain. mica builds them, only mica decides what
 * goes in them (the guest asks through MICA_HC_MMU_UPDATE), and they live in
 * supervisor-only hypervisor pages the guest can neither write nor map.
 */
#ifndef MICA_PV_PAGETABLE_H
#define MICA_PV_PAGETABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pv/layout.h"
#include "pv/mmu_check.h"
#include "vmm/guest_mem.h"


struct pv_mmu {
    const struct pv_layout *layout;
    struct guest_mem *ram;
    struct guest_mem *hv;
};

/* Writes every table for a fresh domain: RAM identity-mapped user RWX except
 * page 0, the special pages, and the hypervisor area. */
void pv_pt_build(const struct pv_mmu *mmu);

/* Access a walk must allow. */
enum pv_access { PV_READ = 0, PV_WRITE = 1 };

/* Translates a user virtual address as the guest at CPL3 would (user and,
 * for writes, writable at every level). Returns a host pointer to the byte,
 * valid to the end of its page, or NULL. */
void *pv_pt_user_ptr(const struct pv_mmu *mmu, mica_gva_t va, enum pv_access access);

/* The PTE a guest may change with MICA_HC_MMU_UPDATE: validates the request
 * and computes the new entry and the entry's hypervisor virtual address.
 * Returns 0 or -MICA_E*. */
/* The layout's limits as the check (pv/mmu_check.h) and the supervisor
 * see them. */
struct pv_mmu_limits pv_pt_limits(const struct pv_layout *l);

int pv_pt_check_update(const struct pv_mmu *mmu, mica_gva_t va, uint64_t frame, uint64_t flags,
                       mica_gva_t *pte_va, uint64_t *new_pte);

/* Saved state (pv/pagetable_state.c): the user PTs into buf when they fit
 * in len (returns the bytes they take); load checks every entry of hostile
 * bytes written by save (-1, one line in err, nothing changed) and puts
 * them in place of the user PTs of a freshly built domain (pv_pt_build) of
 * the same memory size. */
size_t pv_pt_save(const struct pv_mmu *mmu, void *buf, size_t len);
int pv_pt_load(const struct pv_mmu *mmu, const void *buf, size_t len, char *err, size_t errlen);

#endif
