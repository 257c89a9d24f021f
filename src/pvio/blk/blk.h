/*
 * The PV block device's back end, blkback (contract: mica/io/blkif.h;
 * front end: guest/pvio/blk/): serves one raw disk image (disk/) to the
 * ring a front end connects. A kick from the guest (notify, on its vCPU
 * thread) only wakes the back end's I/O thread, which drains the ring a
 * bounded batch per pass: each request is copied out of the ring, checked
 * (blk_request.h), its grants held while it is served and its data moved
 * through grant copies, then answered. Disconnect waits for the pass in
 * flight, so no request and no grant outlives the connection.
 */
#ifndef MICA_PVIO_BLK_H
#define MICA_PVIO_BLK_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "disk/disk_image.h"
#include "mica/abi.h"
#include "mica/io/blkif.h"
#include "pvio/pvio.h"

/* Requests served per pass at most (one ring's worth): a flooding guest
 * gets no more before the thread looks at its stop flag again. */
#define PVIO_BLK_BATCH 32u

struct pvio_blk_stats {
    uint64_t requests; /* answered                        */
    uint64_t errors;   /* answered with a MICA_BLK_E*      */
    uint64_t passes;   /* passes over the ring             */
    uint64_t kicks;    /* notifies from the guest          */
};

struct pvio_blk {
    struct pvio_backend base;
    struct disk_image disk;
    char path[256];          /* for messages */
    pthread_mutex_t lock;    /* held for a whole pass: disconnect waits on it */
    bool connected, broken;  /* broken: the guest corrupted the ring */
    bool threaded;           /* false: the caller runs pvio_blk_serve */
    struct pvio_connect conn;
    struct mica_back_ring ring;
    int kick_fd;             /* eventfd: a kick, or the stop */
    bool stop;
    pthread_t thread;
    struct pvio_blk_stats stats;
    uint8_t bounce[MICA_BLK_SEGMENTS_MAX * MICA_PAGE_SIZE]; /* one request's data */
};

/* Opens the disk (one line in err when it cannot serve: missing, not a
 * regular file or block device, bad size, unreadable) and, unless
 * !threaded (tests and fuzzers drive pvio_blk_serve themselves), starts
 * the I/O thread. NULL on failure. pvio_detach() frees it. */
struct pvio_blk *pvio_blk_open(const struct disk_spec *spec, bool threaded, char *err,
                               size_t errlen);

/* What start_info.devices says of it (type, flags, size in sectors). */
void pvio_blk_describe(const struct pvio_blk *b, struct mica_device_info *info);

/* One pass over the ring (at most PVIO_BLK_BATCH requests): returns true
 * when more requests wait. The I/O thread's loop; tests call it directly. */
bool pvio_blk_serve(struct pvio_blk *b);

/* Its own state for save/restore: a versioned, fixed-size record (the ring
 * indices live in the shared ring page, guest memory, and are equal after
 * every pass). */
#define PVIO_BLK_STATE_MAGIC 0x4b4c424du /* "MBLK" */
#define PVIO_BLK_STATE_VERSION 1u
struct pvio_blk_state {
    uint32_t magic, version;
    uint64_t sectors;  /* the disk it served: restore refuses another size */
    uint32_t flags;    /* PVIO_BLK_STATE_BROKEN */
    uint32_t reserved;
};
#define PVIO_BLK_STATE_BROKEN 0x1u

#endif
