/*
 * The PV block device's request validator (contract: mica/io/blkif.h):
 * what a request copied out of the ring may ask of a disk, checked before
 * any grant is held or any byte moved. Pure: no I/O, no state.
 */
#ifndef MICA_PVIO_BLK_REQUEST_H
#define MICA_PVIO_BLK_REQUEST_H

#include <stdbool.h>
#include <stdint.h>

#include "disk/disk_image.h"
#include "mica/io/blkif.h"

/* MICA_BLK_OK with *sectors set to the sectors a read or write moves (0
 * for a flush), or the status to answer: MICA_BLK_EINVAL for an unknown
 * op, a segment count outside 1..MICA_BLK_SEGMENTS_MAX (0 for a flush), a
 * segment with first_sect > last_sect or past its page, or sectors outside
 * the disk (overflow included); MICA_BLK_EROFS for a write to a read-only
 * disk. */
int16_t pvio_blk_check(const struct mica_blk_request *r, const struct disk_image *disk,
                       uint64_t *sectors);

#endif
