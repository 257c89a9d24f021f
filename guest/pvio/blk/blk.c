/* The PV block device's front end (contract: include/mica/io/blkif.h; back
 * end: src/pvio/blk/): requests on the ring, data through granted pages,
 * waiting on the device's port for the answers. */
#include "mica/blk.h"

#include "mica/kit.h"
#include "mica/malloc.h"
#include "mica/string.h"

static uint8_t *slot_page(struct mica_blk *b, unsigned slot, unsigned i)
{
    return b->pages + ((size_t)slot * MICA_BLK_SEGMENTS_MAX + i) * MICA_PAGE_SIZE;
}

static void revoke_pages(struct mica_blk *b, unsigned upto)
{
    for (unsigned n = 0; n < upto; n++)
        mica_gnttab_revoke(b->ref[n / MICA_BLK_SEGMENTS_MAX][n % MICA_BLK_SEGMENTS_MAX]);
}

/* The data pages, page-aligned, each granted read-write to mica. */
static long grant_pages(struct mica_blk *b)
{
    unsigned total = MICA_BLK_SLOTS * MICA_BLK_SEGMENTS_MAX;
    b->pages_raw = malloc(((size_t)total + 1) * MICA_PAGE_SIZE);
    if (!b->pages_raw)
        return -MICA_ENOSPC;
    uintptr_t p = ((uintptr_t)b->pages_raw + MICA_PAGE_SIZE - 1) & ~(uintptr_t)(MICA_PAGE_SIZE - 1);
    b->pages = (uint8_t *)p;
    for (unsigned n = 0; n < total; n++) {
        long ref = mica_gnttab_grant(MICA_DOMID_MICA,
                                     mica_page_frame(b->pages + (size_t)n * MICA_PAGE_SIZE), 0);
        if (ref < 0) {
            revoke_pages(b, n);
            free(b->pages_raw);
            return ref;
        }
        b->ref[n / MICA_BLK_SEGMENTS_MAX][n % MICA_BLK_SEGMENTS_MAX] = (mica_grant_ref_t)ref;
    }
    return 0;
}

long mica_blk_open(struct mica_blk *b, unsigned nth)
{
    memset(b, 0, sizeof *b);
    int index = mica_device_find(MICA_DEVICE_BLOCK, nth);
    if (index < 0)
        return -MICA_EINVAL;
    const struct mica_device_info *info = &mica_start->devices[index];
    b->sectors = info->info[0];
    b->read_only = info->flags & MICA_DEVICE_READONLY;
    long rc = grant_pages(b);
    if (rc < 0)
        return rc;
    uint32_t entry = MICA_BLK_RING_ENTRY;
    rc = mica_device_connect(&b->conn, (unsigned)index, 1, &entry);
    if (rc < 0) {
        revoke_pages(b, MICA_BLK_SLOTS * MICA_BLK_SEGMENTS_MAX);
        free(b->pages_raw);
    }
    return rc;
}

long mica_blk_close(struct mica_blk *b)
{
    long rc = mica_device_disconnect(&b->conn);
    if (rc < 0)
        return rc;
    revoke_pages(b, MICA_BLK_SLOTS * MICA_BLK_SEGMENTS_MAX);
    free(b->pages_raw);
    return 0;
}

/* ---- requests and answers -------------------------------------------------- */

static struct mica_front_ring *ring(struct mica_blk *b) { return &b->conn.ring[0]; }

/* Takes every answer waiting: a read's data goes to its caller's buffer. */
static void collect(struct mica_blk *b)
{
    while (mica_front_ring_responses(ring(b))) {
        union mica_blk_entry e;
        mica_front_ring_take(ring(b), &e);
        if (e.rsp.id >= MICA_BLK_SLOTS || !b->slot[e.rsp.id].busy)
            continue; /* not ours to answer */
        struct mica_blk_slot *s = &b->slot[e.rsp.id];
        s->status = e.rsp.status;
        if (s->op == MICA_BLK_READ && s->status == MICA_BLK_OK)
            for (uint32_t done = 0, i = 0; done < s->sectors; i++) {
                uint32_t n = s->sectors - done < MICA_BLK_SECTORS_PER_PAGE
                                 ? s->sectors - done : MICA_BLK_SECTORS_PER_PAGE;
                memcpy(s->user + (size_t)done * MICA_BLK_SECTOR, slot_page(b, (unsigned)e.rsp.id, i),
                       (size_t)n * MICA_BLK_SECTOR);
                done += n;
            }
        s->busy = false;
    }
}

/* Blocks until at least one answer is waiting, then collects. */
static void wait_answers(struct mica_blk *b)
{
    mica_port_t port = b->conn.port;
    uint64_t mask = port < 64 ? MICA_PORT_BIT(port) : 0;
    for (;;) {
        mica_evtchn_take(port);
        if (mica_front_ring_responses(ring(b)) || mica_front_ring_final_check(ring(b)))
            break;
        b->waits++;
        mica_block_on(0, mask);
    }
    collect(b);
}

static void kick(struct mica_blk *b)
{
    if (mica_front_ring_push(ring(b))) {
        b->kicks++;
        mica_evtchn_send(b->conn.port);
    }
}

static int free_slot(struct mica_blk *b)
{
    for (unsigned i = 0; i < MICA_BLK_SLOTS; i++)
        if (!b->slot[i].busy)
            return (int)i;
    return -1;
}

static bool all_idle(const struct mica_blk *b)
{
    for (unsigned i = 0; i < MICA_BLK_SLOTS; i++)
        if (b->slot[i].busy)
            return false;
    return true;
}

/* Queues one request of n sectors in slot i (not yet pushed). */
static void queue(struct mica_blk *b, unsigned i, uint8_t op, uint64_t sector, uint8_t *data,
                  uint32_t n)
{
    struct mica_blk_request r = {.op = op, .id = i, .sector = sector};
    for (uint32_t done = 0; done < n; r.nr_segments++) {
        uint32_t k = n - done < MICA_BLK_SECTORS_PER_PAGE ? n - done : MICA_BLK_SECTORS_PER_PAGE;
        if (op == MICA_BLK_WRITE)
            memcpy(slot_page(b, i, r.nr_segments), data + (size_t)done * MICA_BLK_SECTOR,
                   (size_t)k * MICA_BLK_SECTOR);
        r.seg[r.nr_segments] = (struct mica_blk_segment){
            .gref = b->ref[i][r.nr_segments], .first_sect = 0, .last_sect = (uint8_t)(k - 1)};
        done += k;
    }
    b->slot[i] = (struct mica_blk_slot){.busy = true, .op = op, .user = data, .sectors = n};
    union mica_blk_entry e = {.req = r};
    mica_front_ring_put(ring(b), &e);
    b->requests++;
}

/* The first error of the slots that finished, folded into *status. */
static void fold_status(struct mica_blk *b, int *status)
{
    for (unsigned i = 0; i < MICA_BLK_SLOTS; i++)
        if (!b->slot[i].busy && b->slot[i].status != MICA_BLK_OK) {
            if (*status == MICA_BLK_OK)
                *status = b->slot[i].status;
            b->slot[i].status = MICA_BLK_OK;
        }
}

static int transfer(struct mica_blk *b, uint8_t op, uint64_t sector, uint8_t *buf, uint64_t count,
                    uint32_t chunk)
{
    if (chunk == 0 || chunk > MICA_BLK_CHUNK_MAX)
        chunk = MICA_BLK_CHUNK_MAX;
    int status = MICA_BLK_OK;
    uint64_t done = 0;
    while (done < count || !all_idle(b)) {
        bool queued = false;
        int i;
        while (done < count && mica_front_ring_free(ring(b)) && (i = free_slot(b)) >= 0) {
            uint32_t n = count - done < chunk ? (uint32_t)(count - done) : chunk;
            queue(b, (unsigned)i, op, sector + done, buf + done * MICA_BLK_SECTOR, n);
            done += n;
            queued = true;
        }
        if (queued)
            kick(b);
        wait_answers(b);
        fold_status(b, &status);
    }
    return status;
}

int mica_blk_read(struct mica_blk *b, uint64_t sector, void *buf, uint64_t count, uint32_t chunk)
{
    return transfer(b, MICA_BLK_READ, sector, buf, count, chunk);
}

int mica_blk_write(struct mica_blk *b, uint64_t sector, const void *buf, uint64_t count,
                   uint32_t chunk)
{
    /* The buffer is only read (queue copies it into the granted pages). */
    return transfer(b, MICA_BLK_WRITE, sector, (uint8_t *)(uintptr_t)buf, count, chunk);
}

int mica_blk_flush(struct mica_blk *b)
{
    int i = free_slot(b);
    if (i < 0 || !mica_front_ring_free(ring(b)))
        return MICA_BLK_EINVAL; /* never: the synchronous calls leave nothing in flight */
    struct mica_blk_request r = {.op = MICA_BLK_FLUSH, .id = (uint64_t)i};
    b->slot[i] = (struct mica_blk_slot){.busy = true, .op = MICA_BLK_FLUSH};
    union mica_blk_entry e = {.req = r};
    mica_front_ring_put(ring(b), &e);
    b->requests++;
    kick(b);
    while (!all_idle(b))
        wait_answers(b);
    int status = MICA_BLK_OK;
    fold_status(b, &status);
    return status;
}

const char *mica_blk_status_name(int status)
{
    switch (status) {
    case MICA_BLK_OK: return "OK";
    case MICA_BLK_EIO: return "EIO (the disk failed)";
    case MICA_BLK_EINVAL: return "EINVAL (a malformed request)";
    case MICA_BLK_EROFS: return "EROFS (a read-only disk)";
    default: return "unknown status";
    }
}
