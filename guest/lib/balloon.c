/*
 * The guest kit's balloon driver (the contract is mica/memory.h): follows
 * the target mica sets in shared_info by taking chunks of the heap with
 * malloc and giving their whole pages back (decrease reservation), and by
 * asking them back (increase reservation) and freeing the chunks when the
 * target rises. Each chunk keeps its bookkeeping in its first, partial page,
 * which is never released; malloc only ever writes block headers, which sit
 * in kept pages too, so nothing touches a released page.
 */
#include "mica/kit.h"
#include "mica/malloc.h"
#include "mica/memory.h"

#define PAGE MICA_PAGE_SIZE
#define STEPS_MAX 8192u /* chunks per follow: bounded even if the host lies */

struct chunk {
    struct chunk *next;
    uint64_t first_frame;
    uint32_t pages;
};

static struct chunk *chunks;
static long balloon_port = -1;

static struct mica_shared_info *shared(void)
{
    return (struct mica_shared_info *)mica_start->shared_info;
}

uint64_t mica_balloon_current(void) { return shared()->balloon_current_pages; }
uint64_t mica_balloon_target(void) { return shared()->balloon_target_pages; }
uint64_t mica_balloon_max(void) { return shared()->balloon_max_pages; }

long mica_memory_op(unsigned cmd, const uint64_t *frames, uint32_t count)
{
    struct mica_memory_reservation r = {.frames = (mica_gva_t)(uintptr_t)frames, .count = count};
    return mica_hypercall(MICA_HC_MEMORY_OP, cmd, (uint64_t)(uintptr_t)&r, 0);
}

/* The frames [first, first + pages) in one call. */
static long frames_op(unsigned cmd, uint64_t first, uint32_t pages)
{
    uint64_t frames[MICA_MEMORY_BATCH_MAX];
    for (uint32_t i = 0; i < pages; i++)
        frames[i] = first + i;
    return mica_memory_op(cmd, frames, pages);
}

/* Takes up to `want` pages out of the heap and gives them back; 0 when
 * the heap has no room left (the guest's own floor) or mica refused. */
static uint64_t inflate(uint64_t want)
{
    if (want > MICA_MEMORY_BATCH_MAX)
        want = MICA_MEMORY_BATCH_MAX;
    /* One page more than wanted: the chunk's own page, kept. */
    size_t bytes = (size_t)(want + 1) * PAGE;
    struct chunk *c = malloc(bytes);
    if (!c)
        return 0;
    uintptr_t first = ((uintptr_t)(c + 1) + PAGE - 1) & ~(uintptr_t)(PAGE - 1);
    uint64_t pages = ((uintptr_t)c + bytes - first) / PAGE;
    if (pages > want)
        pages = want;
    *c = (struct chunk){.next = chunks, .first_frame = first / PAGE, .pages = (uint32_t)pages};
    if (pages == 0 || frames_op(MICA_MEMOP_DECREASE_RESERVATION, c->first_frame, c->pages) < 0) {
        free(c);
        return 0;
    }
    chunks = c;
    return pages;
}

/* Asks up to `want` of the newest chunk's pages back (its last ones),
 * freeing the chunk once it has none left; 0 if there is no chunk. */
static uint64_t deflate(uint64_t want)
{
    struct chunk *c = chunks;
    if (!c)
        return 0;
    uint32_t pages = want < c->pages ? (uint32_t)want : c->pages;
    if (frames_op(MICA_MEMOP_INCREASE_RESERVATION, c->first_frame + c->pages - pages, pages) < 0)
        return 0;
    c->pages -= pages;
    if (c->pages == 0) {
        chunks = c->next;
        free(c);
    }
    return pages;
}

long mica_balloon_follow(void)
{
    if (balloon_port >= 0)
        mica_evtchn_take((mica_port_t)balloon_port);
    unsigned steps = 0;
    for (; steps < STEPS_MAX; steps++) {
        uint64_t target = mica_balloon_target(), current = mica_balloon_current();
        uint64_t moved = 0;
        if (current > target)
            moved = inflate(current - target);
        else if (current < target)
            moved = deflate(target - current);
        if (!moved) /* there, or the heap or mica says no more */
            break;
    }
    return (long)steps;
}

long mica_balloon_start(void)
{
    if (balloon_port < 0) {
        balloon_port = mica_evtchn_bind_virq(MICA_VIRQ_BALLOON);
        if (balloon_port < 0)
            return balloon_port;
        if (balloon_port < MICA_EVENT_PORTS)
            mica_wait_ports |= MICA_PORT_BIT((mica_port_t)balloon_port);
        mica_wait_hook = mica_balloon_follow;
    }
    return mica_balloon_follow();
}
