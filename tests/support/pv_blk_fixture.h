/*
 * A PV disk on a KVM-less testbed domain (pv_testbed.h): a temporary image
 * file, blkback (pvio/blk) added to the domain, and the guest's side of
 * the connect handshake done by hand: ring page, data frames, grants and
 * a port in the domain's RAM, as guest/pvio/blk would. Header-only, for
 * the unit tests and the fuzz target.
 */
#ifndef MICA_TESTS_PV_BLK_FIXTURE_H
#define MICA_TESTS_PV_BLK_FIXTURE_H

#include <stdlib.h>
#include <unistd.h>

#include "mica/io/blkif.h"
#include "mica/io/device.h"
#include "pvio/blk/blk.h"
#include "pv_ops.h"

#define BLK_RING_FRAME 0x150u
#define BLK_DATA_FRAME 0x160u /* MICA_BLK_SEGMENTS_MAX + 1 data frames from here */
#define BLK_FRAMES (MICA_BLK_SEGMENTS_MAX + 1)

struct blk_fixture {
    struct pv_domain *d;
    char path[64];
    struct pvio_blk *blk;
    struct mica_front_ring front;
    struct mica_sring *sring;
    long port, ring_ref;
    long data_ref[BLK_FRAMES]; /* read-write grants of the data frames */
};

/* A disk image of `sectors` sectors, sector i filled with byte i. */
static inline void blk_fixture_image(struct blk_fixture *f, uint64_t sectors)
{
    snprintf(f->path, sizeof f->path, "/tmp/mica-pvblk-XXXXXX");
    int fd = mkstemp(f->path);
    if (fd < 0)
        abort();
    uint8_t sector[MICA_BLK_SECTOR];
    for (uint64_t i = 0; i < sectors; i++) {
        memset(sector, (int)(i & 0xff), sizeof sector);
        if (write(fd, sector, sizeof sector) != (ssize_t)sizeof sector)
            abort();
    }
    close(fd);
}

static inline uint8_t *blk_frame(struct blk_fixture *f, unsigned i)
{
    return f->d->ram.host + (uint64_t)(BLK_DATA_FRAME + i) * PV_PAGE;
}

/* Adds the disk to d and connects it; 0, or the failing step's -MICA_E*. */
static inline long blk_fixture_connect(struct blk_fixture *f, struct pv_domain *d, bool read_only,
                                       bool threaded)
{
    f->d = d;
    char err[256];
    struct disk_spec spec = {f->path, read_only};
    f->blk = pvio_blk_open(&spec, threaded, err, sizeof err);
    if (!f->blk) {
        fprintf(stderr, "%s\n", err);
        abort();
    }
    struct mica_device_info info;
    pvio_blk_describe(f->blk, &info);
    if (pv_device_add(d, &info, &f->blk->base, 1, err, sizeof err) < 0)
        abort();
    f->sring = (struct mica_sring *)(d->ram.host + (uint64_t)BLK_RING_FRAME * PV_PAGE);
    memset(f->sring, 0, PV_PAGE);
    mica_front_ring_init(&f->front, f->sring, MICA_BLK_RING_ENTRY);
    f->port = ops_alloc_unbound(d, MICA_DOMID_MICA);
    f->ring_ref = ops_grant(d, MICA_DOMID_MICA, BLK_RING_FRAME, 0);
    for (unsigned i = 0; i < BLK_FRAMES; i++)
        f->data_ref[i] = ops_grant(d, MICA_DOMID_MICA, BLK_DATA_FRAME + i, 0);
    struct mica_devop_connect c = {.device = d->devices.count - 1, .port = (mica_port_t)f->port,
                                   .ring = {(mica_grant_ref_t)f->ring_ref}};
    return pv_ops_call(d, MICA_HC_DEVICE_OP, MICA_DEVOP_CONNECT, &c, sizeof c);
}

static inline void blk_fixture_remove_image(struct blk_fixture *f)
{
    if (f->path[0])
        unlink(f->path);
    f->path[0] = 0;
}

#endif
