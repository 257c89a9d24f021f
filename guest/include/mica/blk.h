/*
 * PV disks, guest side (contract: mica/io/blkif.h; back end: src/pvio/blk):
 * a synchronous block API. A transfer is cut into requests of at most
 * `chunk` sectors (and at most MICA_BLK_SEGMENTS_MAX pages each), up to
 * MICA_BLK_SLOTS of them in flight on the ring at once; the call returns
 * when every one is answered. Data moves through pages this driver granted
 * to mica once, at open.
 */
#ifndef MICA_GUEST_BLK_H
#define MICA_GUEST_BLK_H

#include <stdbool.h>
#include <stdint.h>

#include "mica/device.h"
#include "mica/io/blkif.h"

#define MICA_BLK_SLOTS 16u /* requests in flight at most */
#define MICA_BLK_CHUNK_MAX (MICA_BLK_SEGMENTS_MAX * MICA_BLK_SECTORS_PER_PAGE) /* sectors */

struct mica_blk_slot {
    bool busy;
    uint8_t op;
    uint8_t *user;   /* where a read's data goes */
    uint32_t sectors;
    int16_t status;
};

struct mica_blk {
    struct mica_device_conn conn;
    uint64_t sectors;   /* the disk's size */
    bool read_only;
    uint8_t *pages;     /* MICA_BLK_SLOTS * MICA_BLK_SEGMENTS_MAX pages, granted */
    void *pages_raw;    /* as allocated */
    mica_grant_ref_t ref[MICA_BLK_SLOTS][MICA_BLK_SEGMENTS_MAX];
    struct mica_blk_slot slot[MICA_BLK_SLOTS];
    uint64_t requests, kicks, waits; /* sent; sends on the port; blocks for answers */
};

/* Connects the nth (0 = first) disk mica gave this VM: 0, -MICA_EINVAL
 * when there is none, or the failing step's -MICA_E*. */
long mica_blk_open(struct mica_blk *b, unsigned nth);

/* count sectors from `sector`, in requests of chunk sectors (1 ..
 * MICA_BLK_CHUNK_MAX; 0 means the largest): MICA_BLK_OK, or the first
 * error status a request got (MICA_BLK_EINVAL, _EIO, _EROFS). */
int mica_blk_read(struct mica_blk *b, uint64_t sector, void *buf, uint64_t count, uint32_t chunk);
int mica_blk_write(struct mica_blk *b, uint64_t sector, const void *buf, uint64_t count,
                   uint32_t chunk);

/* Every write answered so far is on stable storage: MICA_BLK_OK or error. */
int mica_blk_flush(struct mica_blk *b);

/* Disconnects and takes back the grants: 0 or -MICA_E*. */
long mica_blk_close(struct mica_blk *b);

/* "OK", "EIO", ... for messages. */
const char *mica_blk_status_name(int status);

#endif
