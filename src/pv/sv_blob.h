/*
 * The in-guest supervisor (src/pv/supervisor/), built with mica as a flat
 * image linked at the hypervisor area's PV_PG_SUPERVISOR pages, and the
 * host's part in installing it.
 */
#ifndef MICA_PV_SV_BLOB_H
#define MICA_PV_SV_BLOB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pv/layout.h"
#include "vmm/guest_mem.h"

extern const uint8_t pv_sv_blob[];
extern const size_t pv_sv_blob_len;

/* Copies the supervisor into the hv area and writes its state page: what
 * it may serve (PV_SV_*) and the domain's MMU limits. */
void pv_supervisor_install(struct guest_mem *hv, const struct pv_layout *l, uint64_t flags);

/* The state page mica shares with the supervisor (pv/sv_state.h). */
struct pv_sv_state *pv_supervisor_state(struct guest_mem *hv);

#endif
