/* blkback (src/pvio/blk) on a KVM-less testbed domain with a temporary
 * image file: reads, writes and flushes through granted frames, and every
 * way a hostile front end can get a request wrong (op, segments, sectors,
 * grants, a lying ring, a flood), each answered with an error and leaving
 * no grant held. Most tests drive the back end's passes themselves; one
 * goes through the I/O thread as a running guest would. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>

#include "pvio/blk/blk_request.h"
#include "support/pv_blk_fixture.h"

#define SECTORS 64u

static struct blk_fixture fx;

static int setup(void **state)
{
    ops_setup_pair(state);
    memset(&fx, 0, sizeof fx);
    blk_fixture_image(&fx, SECTORS);
    return 0;
}

static int teardown(void **state)
{
    ops_teardown_pair(state);
    blk_fixture_remove_image(&fx);
    return 0;
}

static void connect_disk(bool read_only)
{
    assert_int_equal(blk_fixture_connect(&fx, a, read_only, false), 0);
}

/* A read or write of sectors [first, last] of frame i per segment. */
static struct mica_blk_request rw(uint8_t op, uint64_t id, uint64_t sector, unsigned segs)
{
    struct mica_blk_request r = {.op = op, .nr_segments = (uint8_t)segs, .id = id,
                                 .sector = sector};
    for (unsigned i = 0; i < segs && i < MICA_BLK_SEGMENTS_MAX; i++)
        r.seg[i] = (struct mica_blk_segment){.gref = (mica_grant_ref_t)fx.data_ref[i],
                                             .first_sect = 0, .last_sect = 7};
    return r;
}

static void submit(const struct mica_blk_request *r)
{
    union mica_blk_entry e = {.req = *r};
    mica_front_ring_put(&fx.front, &e);
    mica_front_ring_push(&fx.front);
}

static struct mica_blk_response take(void)
{
    assert_true(mica_front_ring_responses(&fx.front) > 0);
    union mica_blk_entry e;
    mica_front_ring_take(&fx.front, &e);
    return e.rsp;
}

/* Submits one request, runs a pass, returns its status. */
static int16_t one(const struct mica_blk_request *r)
{
    submit(r);
    pvio_blk_serve(fx.blk);
    struct mica_blk_response rsp = take();
    assert_int_equal(rsp.id, r->id);
    assert_int_equal(rsp.op, r->op);
    return rsp.status;
}

static void image_bytes(uint64_t off, void *buf, size_t len)
{
    int fd = open(fx.path, O_RDONLY);
    assert_true(fd >= 0);
    assert_int_equal(pread(fd, buf, len, (off_t)off), (ssize_t)len);
    close(fd);
}

static void all_grants_released(void)
{
    for (unsigned i = 0; i < BLK_FRAMES; i++)
        assert_int_equal(ops_revoke(a, (mica_grant_ref_t)fx.data_ref[i]), 0);
}

static void start_info_describes_the_disk(void **state)
{
    (void)state;
    connect_disk(true);
    assert_int_equal(a->start_info->device_count, 1);
    assert_int_equal(a->start_info->devices[0].type, MICA_DEVICE_BLOCK);
    assert_int_equal(a->start_info->devices[0].flags, MICA_DEVICE_READONLY);
    assert_int_equal(a->start_info->devices[0].info[0], SECTORS);
}

static void reads_land_in_the_granted_frames(void **state)
{
    (void)state;
    connect_disk(false);
    memset(blk_frame(&fx, 0), 0xee, 3 * PV_PAGE);
    struct mica_blk_request r = rw(MICA_BLK_READ, 7, 8, 2); /* sectors 8..23 */
    r.seg[1].first_sect = 2, r.seg[1].last_sect = 5;       /* 8..15, then 16..19 */
    assert_int_equal(one(&r), MICA_BLK_OK);
    for (unsigned s = 0; s < 8; s++)
        assert_int_equal(blk_frame(&fx, 0)[s * 512 + 100], 8 + s);
    assert_int_equal(blk_frame(&fx, 1)[0], 0xee); /* before first_sect: untouched */
    for (unsigned s = 2; s <= 5; s++)
        assert_int_equal(blk_frame(&fx, 1)[s * 512], 16 + s - 2);
    assert_int_equal(blk_frame(&fx, 1)[6 * 512], 0xee);
    all_grants_released();
}

static void writes_reach_the_image_and_flush_answers(void **state)
{
    (void)state;
    connect_disk(false);
    for (unsigned i = 0; i < MICA_BLK_SEGMENTS_MAX; i++)
        memset(blk_frame(&fx, i), 0xa0 + i, PV_PAGE);
    struct mica_blk_request r = rw(MICA_BLK_WRITE, 1, 0, 11); /* 88 sectors: more than the disk */
    assert_int_equal(one(&r), MICA_BLK_EINVAL);
    r = rw(MICA_BLK_WRITE, 2, SECTORS - 16, 2); /* the last two pages */
    assert_int_equal(one(&r), MICA_BLK_OK);
    uint8_t got[16 * 512];
    image_bytes((SECTORS - 16) * 512ull, got, sizeof got);
    assert_int_equal(got[0], 0xa0);
    assert_int_equal(got[sizeof got - 1], 0xa1);
    struct mica_blk_request f = {.op = MICA_BLK_FLUSH, .id = 3};
    assert_int_equal(one(&f), MICA_BLK_OK);
    all_grants_released();
}

static void a_read_only_disk_refuses_writes(void **state)
{
    (void)state;
    connect_disk(true);
    struct mica_blk_request r = rw(MICA_BLK_WRITE, 1, 0, 1);
    assert_int_equal(one(&r), MICA_BLK_EROFS);
    r.op = MICA_BLK_READ;
    assert_int_equal(one(&r), MICA_BLK_OK);
    uint8_t got[512];
    image_bytes(0, got, sizeof got);
    assert_int_equal(got[0], 0);
}

static void malformed_requests_get_einval(void **state)
{
    (void)state;
    connect_disk(false);
    struct mica_blk_request r = rw(9, 1, 0, 1); /* no such op */
    assert_int_equal(one(&r), MICA_BLK_EINVAL);
    r = rw(MICA_BLK_READ, 2, 0, 0);
    assert_int_equal(one(&r), MICA_BLK_EINVAL);
    r = rw(MICA_BLK_READ, 3, 0, 12);
    assert_int_equal(one(&r), MICA_BLK_EINVAL);
    r = rw(MICA_BLK_WRITE, 4, 0, 255);
    assert_int_equal(one(&r), MICA_BLK_EINVAL);
    r = rw(MICA_BLK_READ, 5, 0, 1);
    r.seg[0].first_sect = 5, r.seg[0].last_sect = 4;
    assert_int_equal(one(&r), MICA_BLK_EINVAL);
    r.seg[0].first_sect = 0, r.seg[0].last_sect = 8; /* past its page */
    assert_int_equal(one(&r), MICA_BLK_EINVAL);
    r = rw(MICA_BLK_READ, 6, SECTORS, 1); /* past the end */
    assert_int_equal(one(&r), MICA_BLK_EINVAL);
    r = rw(MICA_BLK_READ, 7, SECTORS - 7, 1); /* straddles the end */
    assert_int_equal(one(&r), MICA_BLK_EINVAL);
    r = rw(MICA_BLK_READ, 8, UINT64_MAX - 3, 1); /* sector + count overflows */
    assert_int_equal(one(&r), MICA_BLK_EINVAL);
    r = rw(MICA_BLK_WRITE, 9, UINT64_MAX / 512 + 1, 1); /* byte offset overflows */
    assert_int_equal(one(&r), MICA_BLK_EINVAL);
    struct mica_blk_request f = {.op = MICA_BLK_FLUSH, .nr_segments = 1, .id = 10};
    assert_int_equal(one(&f), MICA_BLK_EINVAL);
    r = rw(MICA_BLK_READ, 11, SECTORS - 8, 1); /* the last page: fine */
    assert_int_equal(one(&r), MICA_BLK_OK);
    all_grants_released();
}

static void bad_grants_get_einval_and_hold_nothing(void **state)
{
    (void)state;
    connect_disk(false);
    struct mica_blk_request r = rw(MICA_BLK_READ, 1, 0, 3);
    r.seg[2].gref = 99999; /* no such reference */
    assert_int_equal(one(&r), MICA_BLK_EINVAL);
    r.seg[2].gref = (mica_grant_ref_t)fx.data_ref[2];
    assert_int_equal(ops_revoke(a, (mica_grant_ref_t)fx.data_ref[2]), 0); /* revoked */
    assert_int_equal(one(&r), MICA_BLK_EINVAL);
    long ro = ops_grant(a, MICA_DOMID_MICA, BLK_DATA_FRAME + 2, MICA_GNT_READONLY);
    r.seg[2].gref = (mica_grant_ref_t)ro; /* a read writes the frame: needs read-write */
    memset(blk_frame(&fx, 2), 0x55, PV_PAGE);
    assert_int_equal(one(&r), MICA_BLK_EINVAL);
    assert_int_equal(blk_frame(&fx, 2)[0], 0x55);
    r.op = MICA_BLK_WRITE; /* a write only reads it: read-only is enough */
    assert_int_equal(one(&r), MICA_BLK_OK);
    long to_b = ops_grant(a, id(b), BLK_DATA_FRAME + 2, 0); /* granted to another domain */
    r.seg[2].gref = (mica_grant_ref_t)to_b;
    assert_int_equal(one(&r), MICA_BLK_EINVAL);
    assert_int_equal(ops_revoke(a, (mica_grant_ref_t)ro), 0);
    assert_int_equal(ops_revoke(a, (mica_grant_ref_t)to_b), 0);
    for (unsigned i = 0; i < 2; i++)
        assert_int_equal(ops_revoke(a, (mica_grant_ref_t)fx.data_ref[i]), 0);
}

static void a_lying_ring_is_not_served(void **state)
{
    (void)state;
    connect_disk(false);
    fx.sring->req_prod = 1000; /* more requests than the ring holds */
    assert_false(pvio_blk_serve(fx.blk));
    assert_true(fx.blk->broken);
    assert_int_equal(fx.blk->stats.requests, 0);
    fx.sring->req_prod = 0; /* and putting it right does not help: reconnect */
    struct mica_blk_request r = rw(MICA_BLK_READ, 1, 0, 1);
    fx.front.req_prod_pvt = 0;
    submit(&r);
    assert_false(pvio_blk_serve(fx.blk));
    assert_int_equal(fx.blk->stats.requests, 0);
    struct mica_devop_disconnect dc = {.device = 0};
    assert_int_equal(pv_ops_call(a, MICA_HC_DEVICE_OP, MICA_DEVOP_DISCONNECT, &dc, sizeof dc), 0);
    struct mica_devop_connect c = {.device = 0, .port = (mica_port_t)fx.port,
                                   .ring = {(mica_grant_ref_t)fx.ring_ref}};
    memset(fx.sring, 0, PV_PAGE);
    mica_front_ring_init(&fx.front, fx.sring, MICA_BLK_RING_ENTRY);
    assert_int_equal(pv_ops_call(a, MICA_HC_DEVICE_OP, MICA_DEVOP_CONNECT, &c, sizeof c), 0);
    assert_false(fx.blk->broken);
    assert_int_equal(one(&r), MICA_BLK_OK);
}

static void a_flood_is_served_a_ring_per_pass(void **state)
{
    (void)state;
    connect_disk(false);
    uint32_t nr = fx.front.nr;
    assert_int_equal(nr, 32);
    for (uint32_t i = 0; i < nr; i++) {
        struct mica_blk_request r = rw(MICA_BLK_READ, i, i % SECTORS, 1);
        union mica_blk_entry e = {.req = r};
        mica_front_ring_put(&fx.front, &e);
    }
    mica_front_ring_push(&fx.front);
    /* The guest then claims a whole second ring before taking responses:
     * more than the ring holds, so the ring is corrupt from then on. */
    pvio_blk_serve(fx.blk);
    assert_int_equal(fx.blk->stats.requests, nr);
    assert_int_equal(fx.blk->stats.passes, 1);
    assert_int_equal(mica_front_ring_responses(&fx.front), nr);
    for (uint32_t i = 0; i < nr; i++)
        assert_int_equal(take().status, MICA_BLK_OK);
    fx.sring->req_prod += 2 * nr;
    pvio_blk_serve(fx.blk);
    assert_int_equal(fx.blk->stats.requests, nr);
    assert_true(fx.blk->broken);
    all_grants_released();
}

static void a_disk_that_fails_answers_eio(void **state)
{
    (void)state;
    connect_disk(false);
    assert_int_equal(truncate(fx.path, 8 * 512), 0); /* shrinks under the back end */
    struct mica_blk_request r = rw(MICA_BLK_READ, 1, 16, 1);
    assert_int_equal(one(&r), MICA_BLK_EIO);
    all_grants_released();
}

static void save_and_restore_check_their_bytes(void **state)
{
    (void)state;
    connect_disk(false);
    struct pvio_blk_state s;
    char err[256];
    assert_int_equal(pvio_save(&fx.blk->base, &s, sizeof s), sizeof s);
    assert_int_equal(pvio_restore(&fx.blk->base, &s, sizeof s, err, sizeof err), 0);
    assert_int_equal(pvio_restore(&fx.blk->base, &s, sizeof s - 1, err, sizeof err), -1);
    struct pvio_blk_state bad = s;
    bad.magic ^= 1;
    assert_int_equal(pvio_restore(&fx.blk->base, &bad, sizeof bad, err, sizeof err), -1);
    bad = s;
    bad.sectors++;
    assert_int_equal(pvio_restore(&fx.blk->base, &bad, sizeof bad, err, sizeof err), -1);
    assert_non_null(strstr(err, "sectors"));
    bad = s;
    bad.flags = 0x80;
    assert_int_equal(pvio_restore(&fx.blk->base, &bad, sizeof bad, err, sizeof err), -1);
    s.flags = PVIO_BLK_STATE_BROKEN;
    assert_int_equal(pvio_restore(&fx.blk->base, &s, sizeof s, err, sizeof err), 0);
    assert_true(fx.blk->broken);
}

static void bad_images_are_refused_with_one_line(void **state)
{
    (void)state;
    char err[256];
    struct disk_spec missing = {"/nonexistent/disk.img", false};
    assert_null(pvio_blk_open(&missing, false, err, sizeof err));
    assert_non_null(strstr(err, "/nonexistent/disk.img"));
    struct disk_spec dir = {"/tmp", true};
    assert_null(pvio_blk_open(&dir, false, err, sizeof err));
    assert_non_null(strstr(err, "not a regular file or block device"));
    char fifo[80];
    snprintf(fifo, sizeof fifo, "%s.fifo", fx.path);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    struct disk_spec pipe = {fifo, false}; /* never blocks in open */
    assert_null(pvio_blk_open(&pipe, false, err, sizeof err));
    unlink(fifo);
    assert_non_null(strstr(err, "not a regular file or block device"));
    assert_int_equal(truncate(fx.path, 1000), 0);
    struct disk_spec odd = {fx.path, true};
    assert_null(pvio_blk_open(&odd, false, err, sizeof err));
    assert_non_null(strstr(err, "multiple of 512"));
}

/* The running guest's path: a send on the port wakes the I/O thread,
 * which answers and sends back. */
static void the_io_thread_serves_kicks(void **state)
{
    (void)state;
    assert_int_equal(blk_fixture_connect(&fx, a, false, true), 0);
    for (unsigned i = 0; i < 3; i++) {
        struct mica_blk_request r = rw(MICA_BLK_READ, 100 + i, 8 * i, 1);
        union mica_blk_entry e = {.req = r};
        mica_front_ring_put(&fx.front, &e);
    }
    if (mica_front_ring_push(&fx.front))
        assert_int_equal(ops_port(a, MICA_EVTCHNOP_SEND, (mica_port_t)fx.port), 0);
    struct timespec nap = {0, 1000000};
    for (int i = 0; i < 5000 && mica_front_ring_responses(&fx.front) < 3; i++)
        nanosleep(&nap, NULL);
    assert_int_equal(mica_front_ring_responses(&fx.front), 3);
    for (unsigned i = 0; i < 3; i++) {
        struct mica_blk_response rsp = take();
        assert_int_equal(rsp.id, 100 + i);
        assert_int_equal(rsp.status, MICA_BLK_OK);
    }
    assert_int_equal(blk_frame(&fx, 0)[0], 16);
    assert_true(fx.blk->stats.kicks >= 1);
    /* The guest heard of it: its port is pending. */
    assert_true(__atomic_load_n(mica_evtchn_word(a->shared, 0, (mica_port_t)fx.port), __ATOMIC_SEQ_CST) &
                MICA_PORT_BIT(fx.port));
    struct mica_devop_disconnect dc = {.device = 0};
    assert_int_equal(pv_ops_call(a, MICA_HC_DEVICE_OP, MICA_DEVOP_DISCONNECT, &dc, sizeof dc), 0);
    all_grants_released();
    assert_int_equal(ops_revoke(a, (mica_grant_ref_t)fx.ring_ref), 0);
}

static void the_validator_alone(void **state)
{
    (void)state;
    struct disk_image disk = {.fd = -1, .sectors = 16};
    struct mica_blk_request r = {.op = MICA_BLK_READ, .nr_segments = 2, .sector = 6,
                                 .seg = {{.last_sect = 7}, {.first_sect = 7, .last_sect = 7}}};
    uint64_t n;
    assert_int_equal(pvio_blk_check(&r, &disk, &n), MICA_BLK_OK);
    assert_int_equal(n, 9);
    r.sector = 8;
    assert_int_equal(pvio_blk_check(&r, &disk, &n), MICA_BLK_EINVAL);
    assert_int_equal(n, 0);
    r.sector = 0, r.op = MICA_BLK_WRITE, disk.read_only = true;
    assert_int_equal(pvio_blk_check(&r, &disk, &n), MICA_BLK_EROFS);
    struct mica_blk_request f = {.op = MICA_BLK_FLUSH};
    assert_int_equal(pvio_blk_check(&f, &disk, &n), MICA_BLK_OK);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(start_info_describes_the_disk),
        T(reads_land_in_the_granted_frames),
        T(writes_reach_the_image_and_flush_answers),
        T(a_read_only_disk_refuses_writes),
        T(malformed_requests_get_einval),
        T(bad_grants_get_einval_and_hold_nothing),
        T(a_lying_ring_is_not_served),
        T(a_flood_is_served_a_ring_per_pass),
        T(a_disk_that_fails_answers_eio),
        T(save_and_restore_check_their_bytes),
        T(bad_images_are_refused_with_one_line),
        T(the_io_thread_serves_kicks),
        cmocka_unit_test(the_validator_alone),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
