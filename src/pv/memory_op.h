/*
 * MICA_HC_MEMORY_OP of PV domains (the contract is include/mica/memory.h):
 * decrease and increase reservation, on top of the bookkeeping of
 * pv/balloon.h; and the target mica sets from its control thread.
 */
#ifndef MICA_PV_MEMORY_OP_H
#define MICA_PV_MEMORY_OP_H

#include <stdint.h>

#include "mica/memory.h"

struct pv_domain;

/* The hypercall: cmd on the struct at guest address arg; 0 or -MICA_E*.
 * On success *writes page-table writes wait in the PTE batch pages
 * (struct pv_pte_write, PV_PG_PTE_BATCH) for the CPL0 trampoline
 * (pv_tramp_va_pte_batch), which alone can make them so that KVM's
 * shadow MMU sees them; the host side already discarded released frames. */
int pv_memory_op(struct pv_domain *d, uint64_t cmd, mica_gva_t arg, uint32_t *writes);

/* The domain's reservation at build time: every frame the guest's, the
 * floor past its image and the first MiB of its heap, shared_info's
 * balloon fields written. 0 or -ENOMEM. */
int pv_memory_init(struct pv_domain *d);

/* From the control thread: a new target in pages; 0, or -ERANGE below the
 * floor or above the maximum. Publishes it and raises MICA_VIRQ_BALLOON. */
int pv_memory_set_target(struct pv_domain *d, uint64_t pages);

/* MMU_UPDATE is about to replace user PTE `index` (old) with new_pte:
 * keeps the count of aliases (pv/balloon.h) right. */
void pv_memory_note_pte(struct pv_domain *d, uint64_t index, uint64_t new_pte);

/* The PTE batch as the host sees it (tests apply it without KVM). */
struct pv_pte_write *pv_memory_pte_batch(struct pv_domain *d);

#endif
