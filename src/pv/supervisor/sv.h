/*
 * What the supervisor's C files share: its state page, and the one check of
 * guest memory it makes itself.
 */
#ifndef MICA_PV_SUPERVISOR_SV_H
#define MICA_PV_SUPERVISOR_SV_H

#include <stdint.h>

#include "pv/sv_state.h"

static inline struct pv_sv_state *sv_state(void) { return (struct pv_sv_state *)PV_SV_STATE_VA; }

/* Whether the guest at CPL3 may access [va, va + len) (for writing when
 * write). Answered only inside the remappable window, whose PTEs the
 * supervisor reads directly (upper levels there are always user and
 * writable); anything else is 0 and goes to mica, whose full page walk
 * answers it. */
int sv_user_range_ok(uint64_t va, uint64_t len, int write);

#endif
