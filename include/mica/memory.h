/*
 * Memory reservation, version 1 (after Xen's public/memory.h, the calls a
 * balloon driver makes): a guest gives frames of its RAM back to mica
 * (decrease reservation) and asks for them again (increase reservation).
 *
 *   MICA_HC_MEMORY_OP(cmd = MICA_MEMOP_*, struct mica_memory_reservation *)
 *     -> 0 or -MICA_E*
 *
 * Every frame of RAM (0 .. start_info.mem_bytes / 4 KiB - 1) is at any time
 * either the guest's or released, never both. A call names up to
 * MICA_MEMORY_BATCH_MAX frames and is all or nothing: one bad frame and no
 * frame changes hands.
 *
 * DECREASE: every frame must be the guest's, not granted (mica/grant.h:
 * revoke first, -MICA_EBUSY) and named once. mica discards its contents
 * and removes every mapping of it from the guest's page tables, wherever
 * MICA_HC_MMU_UPDATE put it; touching its old addresses faults. A released
 * frame cannot be mapped (MMU_UPDATE) or granted (-MICA_EPERM) until it is
 * taken back. If the frames are mapped at more than MICA_MEMORY_UNMAP_MAX
 * addresses in all, the call is refused with -MICA_EBUSY: unmap the aliases
 * first (a guest kit guest never makes any).
 *
 * INCREASE: every frame must be released and named once; it comes back
 * zero-filled, and mapped again at its identity address (va = frame * 4 KiB,
 * user read/write/execute) unless something else is mapped there. A guest
 * can therefore never hold more than start_info.mem_bytes, its maximum,
 * whatever it asks for.
 *
 * mica sets the target the guest should reach in shared_info
 * (balloon_target_pages, mica/abi.h) and raises MICA_VIRQ_BALLOON
 * (mica/event.h) when it moves; balloon_current_pages and
 * balloon_max_pages are mica's own counts. mica never reads those fields
 * back: a guest that writes them fools only itself. A target is a request,
 * not a limit: a guest that ignores it keeps what it has, up to its maximum.
 *
 * Errors: -MICA_EINVAL for an unknown cmd, a count above the batch
 * maximum, a frame outside RAM or named twice; -MICA_EPERM for a frame in
 * the wrong state (decrease: already released; increase: not released);
 * -MICA_EBUSY as above; -MICA_EFAULT for unreadable structs or arrays.
 */
#ifndef MICA_MEMORY_H
#define MICA_MEMORY_H

#include <stddef.h>
#include <stdint.h>

#include "mica/abi.h"

enum mica_memop {
    MICA_MEMOP_DECREASE_RESERVATION = 0, /* struct mica_memory_reservation */
    MICA_MEMOP_INCREASE_RESERVATION = 1, /* struct mica_memory_reservation */
    MICA_MEMOP_COUNT
};

#define MICA_MEMORY_BATCH_MAX 256u /* frames per call                     */
#define MICA_MEMORY_UNMAP_MAX 512u /* mappings one DECREASE may remove    */

struct mica_memory_reservation {
    mica_gva_t frames; /* IN: uint64_t frame numbers, count of them       */
    uint32_t count;    /* IN: 0 .. MICA_MEMORY_BATCH_MAX                  */
    uint32_t reserved; /* IN: 0                                           */
};

_Static_assert(offsetof(struct mica_memory_reservation, frames) == 0, "memory_reservation.frames");
_Static_assert(offsetof(struct mica_memory_reservation, count) == 8, "memory_reservation.count");
_Static_assert(offsetof(struct mica_memory_reservation, reserved) == 12, "memory_reservation.reserved");
_Static_assert(sizeof(struct mica_memory_reservation) == 16, "memory_reservation size");

#endif
