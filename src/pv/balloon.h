/*
 * The reservation of a PV domain (the contract is include/mica/memory.h):
 * which frames of its RAM are the guest's and which it released, as one
 * bitmap (a set bit = released), so a frame is always exactly one of the
 * two; the count of released frames; and the target mica asks for. Pure
 * bookkeeping, no KVM and no page tables: pv/memory_op.c does the rest.
 *
 * Threads: frames change hands on the domain's vCPU thread only; the
 * target is set from the control thread; the counts are read from anywhere
 * (relaxed atomics: a monitor may see a moment-old figure).
 */
#ifndef MICA_PV_BALLOON_H
#define MICA_PV_BALLOON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pv_balloon {
    uint64_t max_pages;    /* RAM frames: the most the guest can hold  */
    uint64_t floor_pages;  /* the lowest target mica accepts           */
    uint64_t released;     /* frames released (set bits)               */
    uint64_t target_pages; /* what mica asked for (max at start)       */
    uint64_t *bitmap;      /* max_pages bits                           */
    /* User PTEs that map a frame other than their own index (aliases made
     * with MMU_UPDATE). While 0, a frame's one mapping is its identity
     * PTE, and a decrease checks those instead of scanning the tables. */
    uint64_t pte_aliases;
};

/* A reservation of pages frames, all the guest's, target = max. The floor
 * is clamped to [1, pages]. 0 or -ENOMEM. */
int pv_balloon_init(struct pv_balloon *b, uint64_t pages, uint64_t floor_pages);
void pv_balloon_free(struct pv_balloon *b);

/* Whether frame (< max_pages) is released; false outside RAM. */
bool pv_balloon_is_released(const struct pv_balloon *b, uint64_t frame);

/* Moves frame from the guest to released or back. The caller checked
 * the frame is in RAM and in the other state (these abort otherwise: a
 * broken invariant must not go on). */
void pv_balloon_release(struct pv_balloon *b, uint64_t frame);
void pv_balloon_reclaim(struct pv_balloon *b, uint64_t frame);

/* Frames the guest holds: max_pages - released. */
uint64_t pv_balloon_current(const struct pv_balloon *b);
uint64_t pv_balloon_target(const struct pv_balloon *b);

/* Sets the target: 0, or -ERANGE below the floor or above the maximum. */
int pv_balloon_set_target(struct pv_balloon *b, uint64_t pages);

/* Counts set bits again (for tests: must equal released). */
uint64_t pv_balloon_count_released(const struct pv_balloon *b);

#endif
