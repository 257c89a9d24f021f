/*
 * The PV block device (virtual block device, VBD), version 1, after Xen's
 * public/io/blkif.h: one request/response ring (mica/io/ring.h) in one
 * granted page, connected with MICA_DEVOP_CONNECT (ring[0]).
 *
 * start_info.devices[i] for a disk: type MICA_DEVICE_BLOCK, flags
 * MICA_DEVICE_READONLY for a read-only disk, info[0] = its size in
 * MICA_BLK_SECTOR-byte sectors.
 *
 * A read or write moves the sectors starting at `sector` to or from up to
 * MICA_BLK_SEGMENTS_MAX segments, each a range of whole sectors
 * [first_sect, last_sect] of one 4 KiB frame the guest granted to
 * MICA_DOMID_MICA (read-write for a read, at least read-only for a write);
 * the segments follow each other on the disk. A flush returns when every
 * write answered before it is on stable storage. Each request is answered
 * once, with the same id, in any order.
 */
#ifndef MICA_IO_BLKIF_H
#define MICA_IO_BLKIF_H

#include <stddef.h>
#include <stdint.h>

#include "mica/grant.h"
#include "mica/io/ring.h"

#define MICA_BLK_SECTOR 512u
#define MICA_BLK_SECTORS_PER_PAGE (MICA_PAGE_SIZE / MICA_BLK_SECTOR)
#define MICA_BLK_SEGMENTS_MAX 11u

enum mica_blk_op {
    MICA_BLK_READ = 0,
    MICA_BLK_WRITE = 1,
    MICA_BLK_FLUSH = 2,
};

/* mica_blk_response.status */
#define MICA_BLK_OK 0
#define MICA_BLK_EIO (-1)     /* the request was well-formed; the disk failed */
#define MICA_BLK_EINVAL (-2)  /* malformed: bad op, segments, sectors, grant */
#define MICA_BLK_EROFS (-3)   /* a write to a read-only disk                  */

struct mica_blk_segment {
    mica_grant_ref_t gref;
    uint8_t first_sect, last_sect; /* 0 .. MICA_BLK_SECTORS_PER_PAGE - 1 */
    uint16_t reserved;
};

struct mica_blk_request {
    uint8_t op;          /* enum mica_blk_op         */
    uint8_t nr_segments; /* 1 .. MICA_BLK_SEGMENTS_MAX (0 for a flush) */
    uint16_t reserved0;
    uint32_t reserved1;
    uint64_t id;         /* echoed in the response   */
    uint64_t sector;     /* first sector on the disk */
    struct mica_blk_segment seg[MICA_BLK_SEGMENTS_MAX];
};

struct mica_blk_response {
    uint64_t id;
    uint8_t op;
    uint8_t reserved0;
    int16_t status; /* MICA_BLK_OK or a MICA_BLK_E* */
    uint32_t reserved1;
};

union mica_blk_entry {
    struct mica_blk_request req;
    struct mica_blk_response rsp;
};
#define MICA_BLK_RING_ENTRY sizeof(union mica_blk_entry)

_Static_assert(sizeof(struct mica_blk_segment) == 8, "blk_segment size");
_Static_assert(offsetof(struct mica_blk_request, id) == 8, "blk_request.id");
_Static_assert(offsetof(struct mica_blk_request, sector) == 16, "blk_request.sector");
_Static_assert(offsetof(struct mica_blk_request, seg) == 24, "blk_request.seg");
_Static_assert(sizeof(struct mica_blk_request) == 112, "blk_request size");
_Static_assert(offsetof(struct mica_blk_response, op) == 8, "blk_response.op");
_Static_assert(offsetof(struct mica_blk_response, status) == 10, "blk_response.status");
_Static_assert(sizeof(struct mica_blk_response) == 16, "blk_response size");
_Static_assert(sizeof(union mica_blk_entry) == 112, "blk ring entry size");

#endif
