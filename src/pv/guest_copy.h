/*
 * Copies between mica and a PV guest's virtual memory, with the guest's own
 * CPL3 permissions: a hypercall can never make mica read or write anything
 * the guest itself could not.
 */
#ifndef MICA_PV_GUEST_COPY_H
#define MICA_PV_GUEST_COPY_H

#include <stddef.h>
#include <stdint.h>

#include "pv/pagetable.h"

/* Each returns 0 or -MICA_EFAULT (nothing is written on failure of the
 * range check for pv_copy_to_guest). */
int pv_copy_from_guest(const struct pv_mmu *mmu, void *dst, mica_gva_t va, size_t len);
int pv_copy_to_guest(const struct pv_mmu *mmu, mica_gva_t va, const void *src, size_t len);
int pv_guest_range_ok(const struct pv_mmu *mmu, mica_gva_t va, size_t len, enum pv_access access);

#endif
