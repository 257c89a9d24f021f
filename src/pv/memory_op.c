/*
 * Balloon reservations. Every frame number, count and pointer here comes
 * from the guest: a call is checked whole before any frame changes hands,
 * and is bounded (MICA_MEMORY_BATCH_MAX frames, one scan of the user page
 * tables, at most PV_PTE_BATCH_MAX page-table writes), so a guest that
 * floods the hypercall only spends its own vCPU's time.
 */
#include "pv/memory_op.h"

#include <errno.h>
#include <sys/mman.h>

#include "pv/balloon.h"
#include "pv/domain.h"
#include "pv/guest_copy.h"
#include "pv/sv_blob.h"
#include "pv/sv_state.h"

#define FLOOR_HEAP_PAGES 256u /* the floor keeps the first MiB of the heap */

_Static_assert(MICA_MEMORY_UNMAP_MAX <= PV_PTE_BATCH_MAX, "the batch pages hold every unmap");
_Static_assert(MICA_MEMORY_BATCH_MAX <= PV_PTE_BATCH_MAX, "the batch pages hold every remap");

struct pv_pte_write *pv_memory_pte_batch(struct pv_domain *d)
{
    return guest_mem_ptr(&d->hv, pv_hv_gpa(PV_PG_PTE_BATCH), PV_PTE_BATCH_PAGES * PV_PAGE);
}

/* The user PTEs: contiguous, entry i maps va i * 4 KiB. */
static uint64_t *user_ptes(struct pv_domain *d, uint64_t *entries)
{
    *entries = d->layout.window_bytes / PV_PAGE;
    return guest_mem_ptr(&d->hv, PV_HV_GPA + d->layout.first_user_pt * PV_PAGE, *entries * 8);
}

static mica_gva_t user_pte_va(const struct pv_domain *d, uint64_t index)
{
    return pv_hv_va(d->layout.first_user_pt * PV_PAGE + index * 8);
}

static bool is_alias(uint64_t pte, uint64_t index)
{
    return (pte & PTE_P) && (pte & PTE_ADDR) / PV_PAGE != index;
}

void pv_memory_note_pte(struct pv_domain *d, uint64_t index, uint64_t new_pte)
{
    uint64_t entries;
    const uint64_t *pte = user_ptes(d, &entries);
    if (index >= entries)
        return;
    d->balloon.pte_aliases += is_alias(new_pte, index);
    d->balloon.pte_aliases -= is_alias(pte[index], index);
}

static void publish(struct pv_domain *d)
{
    d->shared->balloon_current_pages = pv_balloon_current(&d->balloon);
    d->shared->balloon_target_pages = pv_balloon_target(&d->balloon);
    d->shared->balloon_max_pages = d->balloon.max_pages;
}

int pv_memory_init(struct pv_domain *d)
{
    uint64_t pages = d->ram.size / PV_PAGE;
    uint64_t floor = d->start_info->heap_start / PV_PAGE + FLOOR_HEAP_PAGES;
    uint64_t min = (uint64_t)MICA_MEM_MIN_MIB << 8;
    int rc = pv_balloon_init(&d->balloon, pages, floor < min ? min : floor);
    if (rc == 0)
        publish(d);
    return rc;
}

int pv_memory_set_target(struct pv_domain *d, uint64_t pages)
{
    int rc = pv_balloon_set_target(&d->balloon, pages);
    if (rc < 0)
        return rc;
    d->shared->balloon_target_pages = pages;
    pv_evtchn_raise_virq(d, MICA_VIRQ_BALLOON);
    return 0;
}

/* ---- checks -------------------------------------------------------------- */

static bool named_before(const uint64_t *frames, uint32_t i)
{
    for (uint32_t j = 0; j < i; j++)
        if (frames[j] == frames[i])
            return true;
    return false;
}

/* Moves frames[0..n) to the other state, all or none: the error of the
 * first frame that is outside RAM, named twice or in the wrong state. */
static int flip_all(struct pv_balloon *b, const uint64_t *frames, uint32_t n, bool release)
{
    for (uint32_t i = 0; i < n; i++) {
        uint64_t f = frames[i];
        int rc = 0;
        if (f >= b->max_pages)
            rc = -MICA_EINVAL;
        else if (pv_balloon_is_released(b, f) == release)
            rc = named_before(frames, i) ? -MICA_EINVAL : -MICA_EPERM;
        if (rc < 0) {
            while (i-- > 0)
                release ? pv_balloon_reclaim(b, frames[i]) : pv_balloon_release(b, frames[i]);
            return rc;
        }
        release ? pv_balloon_release(b, f) : pv_balloon_reclaim(b, f);
    }
    return 0;
}

static void undo(struct pv_balloon *b, const uint64_t *frames, uint32_t n, bool released)
{
    for (uint32_t i = 0; i < n; i++)
        released ? pv_balloon_reclaim(b, frames[i]) : pv_balloon_release(b, frames[i]);
}

/* Whether the domain grants a frame this call is releasing. Grants change
 * on this vCPU's thread only, so the answer holds for the call. */
static bool grants_released_frame(const struct pv_domain *d)
{
    for (mica_grant_ref_t ref = 0; ref < MICA_GNT_REFS; ref++) {
        const struct pv_grant *g = &d->gnt.ref[ref];
        if (g->granted && pv_balloon_is_released(&d->balloon, g->frame))
            return true;
    }
    return false;
}

/* ---- decrease ------------------------------------------------------------ */

static bool maps_released(const struct pv_domain *d, uint64_t pte)
{
    return (pte & PTE_P) && pv_balloon_is_released(&d->balloon, (pte & PTE_ADDR) / PV_PAGE);
}

/* Queues the removal of every present user PTE that maps a released
 * frame (those of this call: earlier ones have none): with no aliases,
 * the identity PTEs of the call's frames; else one scan of every user
 * PTE. -MICA_EBUSY when there are more than MICA_MEMORY_UNMAP_MAX. */
static int queue_unmaps(struct pv_domain *d, const uint64_t *frames, uint32_t count,
                        uint32_t *writes)
{
    uint64_t entries;
    const uint64_t *pte = user_ptes(d, &entries);
    struct pv_pte_write *batch = pv_memory_pte_batch(d);
    bool scan = d->balloon.pte_aliases > 0;
    uint64_t todo = scan ? entries : count, aliases = 0;
    uint32_t n = 0;
    for (uint64_t k = 0; k < todo; k++) {
        uint64_t i = scan ? k : frames[k];
        if (i >= entries || !maps_released(d, pte[i]))
            continue;
        if (n == MICA_MEMORY_UNMAP_MAX)
            return -MICA_EBUSY;
        aliases += is_alias(pte[i], i);
        batch[n++] = (struct pv_pte_write){.pte_va = user_pte_va(d, i), .value = 0};
    }
    d->balloon.pte_aliases -= aliases;
    *writes = n;
    return 0;
}

/* The host gives the memory back: runs of consecutive frames at once. */
static void discard(struct pv_domain *d, const uint64_t *frames, uint32_t n)
{
    for (uint32_t i = 0; i < n;) {
        uint32_t run = 1;
        while (i + run < n && frames[i + run] == frames[i] + run)
            run++;
        madvise(d->ram.host + frames[i] * PV_PAGE, run * PV_PAGE, MADV_DONTNEED);
        i += run;
    }
}

/* The in-guest supervisor serves MMU_UPDATE without telling mica (so
 * without counting aliases, and without the balloon's bitmap). From the
 * first decrease on, mica serves every MMU_UPDATE itself, and counts the
 * aliases the supervisor may have made once, here. */
static void take_mmu_updates(struct pv_domain *d)
{
    struct pv_sv_state *st = pv_supervisor_state(&d->hv);
    if (!st || !(st->flags & PV_SV_MMU))
        return;
    st->flags &= ~(uint64_t)PV_SV_MMU;
    uint64_t entries, aliases = 0;
    const uint64_t *pte = user_ptes(d, &entries);
    for (uint64_t i = 0; i < entries; i++)
        aliases += is_alias(pte[i], i);
    d->balloon.pte_aliases = aliases;
}

static int decrease(struct pv_domain *d, const uint64_t *frames, uint32_t n, uint32_t *writes)
{
    take_mmu_updates(d);
    int rc = flip_all(&d->balloon, frames, n, true);
    if (rc < 0)
        return rc;
    if (grants_released_frame(d))
        rc = -MICA_EBUSY;
    else
        rc = queue_unmaps(d, frames, n, writes);
    if (rc < 0) {
        undo(&d->balloon, frames, n, true);
        return rc;
    }
    discard(d, frames, n);
    return 0;
}

/* ---- increase ------------------------------------------------------------ */

/* Maps each frame back at its identity address when nothing is there
 * (frame 0 stays unmapped: it is the NULL page). */
static void queue_remaps(struct pv_domain *d, const uint64_t *frames, uint32_t n, uint32_t *writes)
{
    uint64_t entries;
    const uint64_t *pte = user_ptes(d, &entries);
    struct pv_pte_write *batch = pv_memory_pte_batch(d);
    uint32_t w = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint64_t f = frames[i];
        if (f == 0 || f >= entries || (pte[f] & PTE_P))
            continue;
        batch[w++] = (struct pv_pte_write){.pte_va = user_pte_va(d, f),
                                           .value = f * PV_PAGE | PTE_P | PTE_W | PTE_U};
    }
    *writes = w;
}

static int increase(struct pv_domain *d, const uint64_t *frames, uint32_t n, uint32_t *writes)
{
    int rc = flip_all(&d->balloon, frames, n, false);
    if (rc == 0)
        queue_remaps(d, frames, n, writes);
    return rc;
}

/* ---- the hypercall -------------------------------------------------------- */

int pv_memory_op(struct pv_domain *d, uint64_t cmd, mica_gva_t arg, uint32_t *writes)
{
    *writes = 0;
    struct mica_memory_reservation res;
    if (cmd >= MICA_MEMOP_COUNT)
        return -MICA_EINVAL;
    if (pv_copy_from_guest(&d->mmu, &res, arg, sizeof res) < 0)
        return -MICA_EFAULT;
    if (res.count > MICA_MEMORY_BATCH_MAX || res.reserved)
        return -MICA_EINVAL;
    uint64_t frames[MICA_MEMORY_BATCH_MAX];
    if (pv_copy_from_guest(&d->mmu, frames, res.frames, res.count * sizeof frames[0]) < 0)
        return -MICA_EFAULT;
    int rc = cmd == MICA_MEMOP_DECREASE_RESERVATION ? decrease(d, frames, res.count, writes)
                                                     : increase(d, frames, res.count, writes);
    if (rc == 0)
        publish(d);
    return rc;
}
