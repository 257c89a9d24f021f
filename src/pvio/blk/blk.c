/*
 * blkback: the ring, the I/O thread and the connection. The guest's bytes
 * are read once, into private memory (mica_back_ring_take), and checked
 * there; its grants are held while a request is served.
 */
#include "pvio/blk/blk.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "pvio/blk/blk_request.h"
#include "util/errmsg.h"
#include "util/log.h"

/* ---- one request ---------------------------------------------------------- */

static void release_segments(struct pvio_blk *b, const struct mica_blk_request *r, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        b->conn.dom_ops->grant_release(b->conn.dom, r->seg[i].gref);
}

/* Holds every segment's grant (writable for a read into the guest): the
 * guest cannot revoke them until the request is answered. */
static bool hold_segments(struct pvio_blk *b, const struct mica_blk_request *r)
{
    for (unsigned i = 0; i < r->nr_segments; i++)
        if (b->conn.dom_ops->grant_hold(b->conn.dom, r->seg[i].gref, r->op == MICA_BLK_READ) < 0) {
            release_segments(b, r, i);
            return false;
        }
    return true;
}

/* Grant copies between the bounce buffer and the segments, in disk order. */
static bool copy_segments(struct pvio_blk *b, const struct mica_blk_request *r, bool to_guest)
{
    uint8_t *p = b->bounce;
    for (unsigned i = 0; i < r->nr_segments; i++) {
        const struct mica_blk_segment *s = &r->seg[i];
        size_t len = (size_t)(s->last_sect - s->first_sect + 1) * MICA_BLK_SECTOR;
        if (b->conn.dom_ops->grant_copy(b->conn.dom, s->gref, s->first_sect * MICA_BLK_SECTOR, p,
                                        len, to_guest) < 0)
            return false;
        p += len;
    }
    return true;
}

/* The I/O of a checked read or write whose grants are held. */
static int16_t move_data(struct pvio_blk *b, const struct mica_blk_request *r, uint64_t sectors)
{
    bool write = r->op == MICA_BLK_WRITE;
    uint64_t len = sectors * MICA_BLK_SECTOR;
    struct iovec iov = {.iov_base = b->bounce, .iov_len = len};
    if (write && !copy_segments(b, r, false))
        return MICA_BLK_EINVAL;
    if (!disk_image_transfer(&b->disk, write, &iov, 1, r->sector * MICA_BLK_SECTOR, len))
        return MICA_BLK_EIO;
    if (!write && !copy_segments(b, r, true))
        return MICA_BLK_EINVAL;
    return MICA_BLK_OK;
}

static int16_t serve_request(struct pvio_blk *b, const struct mica_blk_request *r)
{
    uint64_t sectors;
    int16_t status = pvio_blk_check(r, &b->disk, &sectors);
    if (status != MICA_BLK_OK)
        return status;
    if (r->op == MICA_BLK_FLUSH)
        return disk_image_flush(&b->disk) == 0 ? MICA_BLK_OK : MICA_BLK_EIO;
    if (!hold_segments(b, r))
        return MICA_BLK_EINVAL;
    status = move_data(b, r, sectors);
    release_segments(b, r, r->nr_segments);
    return status;
}

/* ---- the ring ---------------------------------------------------------------- */

static void mark_broken(struct pvio_blk *b)
{
    b->broken = true;
    mica_warn("guest %s: disk %s: the guest corrupted its ring (req_prod %u, consumed %u); "
              "it is not served until it reconnects",
              b->conn.domain_name, b->path, b->ring.s->req_prod, b->ring.req_cons);
}

/* Serves up to PVIO_BLK_BATCH requests; lock held. Returns the requests
 * still waiting (or -1 for a corrupt ring). */
static int64_t serve_batch(struct pvio_blk *b)
{
    int64_t n = mica_back_ring_pending(&b->ring);
    if (n < 0)
        return -1;
    if (n > PVIO_BLK_BATCH)
        n = PVIO_BLK_BATCH;
    for (int64_t i = 0; i < n; i++) {
        union mica_blk_entry e;
        mica_back_ring_take(&b->ring, &e);
        struct mica_blk_response rsp = {.id = e.req.id, .op = e.req.op,
                                        .status = serve_request(b, &e.req)};
        b->stats.requests++;
        b->stats.errors += rsp.status != MICA_BLK_OK;
        memset(&e, 0, sizeof e);
        e.rsp = rsp;
        mica_back_ring_put(&b->ring, &e);
    }
    if (n && mica_back_ring_push(&b->ring))
        b->conn.dom_ops->notify_guest(b->conn.dom, b->conn.port);
    return mica_back_ring_final_check(&b->ring);
}

bool pvio_blk_serve(struct pvio_blk *b)
{
    pthread_mutex_lock(&b->lock);
    int64_t more = 0;
    if (b->connected && !b->broken) {
        b->stats.passes++;
        more = serve_batch(b);
        if (more < 0 && mica_back_ring_pending(&b->ring) < 0)
            mark_broken(b);
    }
    pthread_mutex_unlock(&b->lock);
    return more > 0;
}

/* ---- the I/O thread ---------------------------------------------------------- */

static bool wait_kick(struct pvio_blk *b)
{
    uint64_t v;
    while (read(b->kick_fd, &v, sizeof v) < 0 && errno == EINTR)
        ;
    return !__atomic_load_n(&b->stop, __ATOMIC_ACQUIRE);
}

static void *io_thread(void *arg)
{
    struct pvio_blk *b = arg;
    while (wait_kick(b))
        while (pvio_blk_serve(b) && !__atomic_load_n(&b->stop, __ATOMIC_ACQUIRE))
            ;
    return NULL;
}

static void kick(struct pvio_blk *b)
{
    uint64_t one = 1;
    while (write(b->kick_fd, &one, sizeof one) < 0 && errno == EINTR)
        ;
}

/* ---- pvio ops ------------------------------------------------------------------ */

static int blk_attach(struct pvio_backend *base, const struct pvio_attach *at, char *err,
                      size_t errlen)
{
    (void)base;
    return errmsg(err, errlen, -1, "guest %s: a disk is a ring device: its front end connects it",
                  at->domain_name);
}

/* From the guest's vCPU thread: never any disk I/O here. */
static void blk_notify(struct pvio_backend *base)
{
    struct pvio_blk *b = (struct pvio_blk *)base;
    __atomic_fetch_add(&b->stats.kicks, 1, __ATOMIC_RELAXED);
    if (b->threaded)
        kick(b);
}

static int blk_connect(struct pvio_backend *base, const struct pvio_connect *c, char *err,
                       size_t errlen)
{
    struct pvio_blk *b = (struct pvio_blk *)base;
    if (c->rings != 1)
        return errmsg(err, errlen, -1, "guest %s: disk %s: %u rings, a disk has one",
                      c->domain_name, b->path, c->rings);
    pthread_mutex_lock(&b->lock);
    b->conn = *c;
    mica_back_ring_attach(&b->ring, c->ring[0], MICA_BLK_RING_ENTRY);
    b->connected = true;
    b->broken = false;
    pthread_mutex_unlock(&b->lock);
    if (b->threaded)
        kick(b); /* requests queued before the connect */
    return 0;
}

/* Waits for the pass in flight (it holds the lock): afterwards no request
 * is served and no grant is held. */
static void blk_disconnect(struct pvio_backend *base)
{
    struct pvio_blk *b = (struct pvio_blk *)base;
    pthread_mutex_lock(&b->lock);
    b->connected = false;
    memset(&b->ring, 0, sizeof b->ring);
    pthread_mutex_unlock(&b->lock);
}

static size_t blk_save(struct pvio_backend *base, void *buf, size_t len)
{
    struct pvio_blk *b = (struct pvio_blk *)base;
    struct pvio_blk_state s = {.magic = PVIO_BLK_STATE_MAGIC, .version = PVIO_BLK_STATE_VERSION};
    pthread_mutex_lock(&b->lock);
    s.sectors = b->disk.sectors;
    s.flags = b->broken ? PVIO_BLK_STATE_BROKEN : 0;
    pthread_mutex_unlock(&b->lock);
    if (buf && len >= sizeof s)
        memcpy(buf, &s, sizeof s);
    return sizeof s;
}

static int blk_restore(struct pvio_backend *base, const void *buf, size_t len, char *err,
                       size_t errlen)
{
    struct pvio_blk *b = (struct pvio_blk *)base;
    struct pvio_blk_state s;
    if (len != sizeof s)
        return errmsg(err, errlen, -1, "disk %s: saved state of %zu bytes, expected %zu", b->path,
                      len, sizeof s);
    memcpy(&s, buf, sizeof s);
    if (s.magic != PVIO_BLK_STATE_MAGIC || s.version != PVIO_BLK_STATE_VERSION ||
        (s.flags & ~PVIO_BLK_STATE_BROKEN) || s.reserved)
        return errmsg(err, errlen, -1, "disk %s: saved state is not a version-%u disk's", b->path,
                      PVIO_BLK_STATE_VERSION);
    if (s.sectors != b->disk.sectors)
        return errmsg(err, errlen, -1, "disk %s: saved for a disk of %llu sectors, this one has %llu",
                      b->path, (unsigned long long)s.sectors,
                      (unsigned long long)b->disk.sectors);
    pthread_mutex_lock(&b->lock);
    b->broken = s.flags & PVIO_BLK_STATE_BROKEN;
    pthread_mutex_unlock(&b->lock);
    return 0;
}

static void blk_detach(struct pvio_backend *base)
{
    struct pvio_blk *b = (struct pvio_blk *)base;
    blk_disconnect(base);
    if (b->threaded) {
        __atomic_store_n(&b->stop, true, __ATOMIC_RELEASE);
        kick(b);
        pthread_join(b->thread, NULL);
    }
    close(b->kick_fd);
    disk_image_close(&b->disk);
    pthread_mutex_destroy(&b->lock);
    free(b);
}

static const struct pvio_backend_ops blk_ops = {
    .name = "blk",
    .attach = blk_attach,
    .notify = blk_notify,
    .save = blk_save,
    .restore = blk_restore,
    .detach = blk_detach,
    .connect = blk_connect,
    .disconnect = blk_disconnect,
};

/* ---- creation -------------------------------------------------------------------- */

struct pvio_blk *pvio_blk_open(const struct disk_spec *spec, bool threaded, char *err,
                               size_t errlen)
{
    struct pvio_blk *b = calloc(1, sizeof *b);
    if (!b) {
        errmsg(err, errlen, -1, "disk image %s: out of memory", spec->path);
        return NULL;
    }
    b->base.ops = &blk_ops;
    b->threaded = threaded;
    snprintf(b->path, sizeof b->path, "%s", spec->path);
    if (disk_image_open(&b->disk, spec->path, spec->read_only, err, errlen) < 0) {
        free(b);
        return NULL;
    }
    b->kick_fd = eventfd(0, EFD_CLOEXEC);
    int rc = b->kick_fd < 0 ? errno : 0;
    pthread_mutex_init(&b->lock, NULL);
    if (rc == 0 && threaded)
        rc = pthread_create(&b->thread, NULL, io_thread, b);
    if (rc) {
        errmsg(err, errlen, -1, "disk image %s: cannot start its I/O thread: %s", spec->path,
               strerror(rc));
        b->threaded = false;
        blk_detach(&b->base);
        return NULL;
    }
    return b;
}

void pvio_blk_describe(const struct pvio_blk *b, struct mica_device_info *info)
{
    *info = (struct mica_device_info){
        .type = MICA_DEVICE_BLOCK,
        .flags = b->disk.read_only ? MICA_DEVICE_READONLY : 0,
        .info = {b->disk.sectors},
    };
}
