/* The split virtqueue parser against a hostile driver. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "unit/virtio_fixtures.h"
#include "virtio/virtqueue.h"

#define RAM (1ull << 20)
#define QSIZE 8

struct fixture {
    struct guest_mem mem;
    struct fx_ring ring;
    struct virtq q;
    struct virtq_chain chain;
    char err[256];
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    if (!f || guest_mem_alloc(&f->mem, 0, RAM))
        return -1;
    fx_ring_init(&f->ring, &f->mem, QSIZE);
    if (virtq_start(&f->q, &f->mem, QSIZE, FX_DESC, FX_AVAIL, FX_USED, false, true, f->err, sizeof(f->err)))
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    guest_mem_free(&f->mem);
    free(f);
    return 0;
}

static void expect_broken(struct fixture *f, const char *needle)
{
    assert_int_equal(virtq_pop(&f->q, &f->chain, f->err, sizeof(f->err)), -EINVAL);
    if (!strstr(f->err, needle))
        fail_msg("message \"%s\" lacks \"%s\"", f->err, needle);
    assert_true(f->q.broken);
    /* A broken queue serves nothing more. */
    assert_int_equal(virtq_pop(&f->q, &f->chain, f->err, sizeof(f->err)), 0);
}

static void test_pops_chain_and_pushes_used(void **state)
{
    struct fixture *f = *state;
    fx_desc(&f->ring, 3, FX_BUF, 16, VRING_DESC_F_NEXT, 5);
    fx_desc(&f->ring, 5, FX_BUF + 0x100, 100, VRING_DESC_F_NEXT, 1);
    fx_desc(&f->ring, 1, FX_BUF + 0x200, 513, VRING_DESC_F_WRITE, 0);
    fx_post(&f->ring, 3);
    assert_int_equal(virtq_pop(&f->q, &f->chain, f->err, sizeof(f->err)), 1);
    assert_int_equal(f->chain.head, 3);
    assert_int_equal(f->chain.n_readable, 2);
    assert_int_equal(f->chain.n_writable, 1);
    assert_int_equal(f->chain.readable_len, 116);
    assert_int_equal(f->chain.writable_len, 513);
    assert_ptr_equal(f->chain.seg[2].host, fx_buf(&f->ring, FX_BUF + 0x200, 1));
    assert_int_equal(virtq_pop(&f->q, &f->chain, f->err, sizeof(f->err)), 0);
    virtq_push(&f->q, 3, 42);
    assert_int_equal(fx_used_idx(&f->ring), 1);
    uint32_t id, len;
    fx_used_elem(&f->ring, 0, &id, &len);
    assert_int_equal(id, 3);
    assert_int_equal(len, 42);
    assert_true(virtq_should_interrupt(&f->q));
    assert_false(virtq_should_interrupt(&f->q)); /* nothing new */
}

static void test_descriptor_loop_is_detected(void **state)
{
    struct fixture *f = *state;
    fx_desc(&f->ring, 0, FX_BUF, 16, VRING_DESC_F_NEXT, 1);
    fx_desc(&f->ring, 1, FX_BUF, 16, VRING_DESC_F_NEXT, 0);
    fx_post(&f->ring, 0);
    expect_broken(f, "descriptor loop");
}

static void test_self_loop_is_detected(void **state)
{
    struct fixture *f = *state;
    fx_desc(&f->ring, 2, FX_BUF, 16, VRING_DESC_F_NEXT, 2);
    fx_post(&f->ring, 2);
    expect_broken(f, "longer than the queue");
}

static void test_chain_as_long_as_the_queue_is_fine(void **state)
{
    struct fixture *f = *state;
    for (uint16_t i = 0; i < QSIZE; i++)
        fx_desc(&f->ring, i, FX_BUF + 64ull * i, 64, i + 1 < QSIZE ? VRING_DESC_F_NEXT : 0, i + 1);
    fx_post(&f->ring, 0);
    assert_int_equal(virtq_pop(&f->q, &f->chain, f->err, sizeof(f->err)), 1);
    assert_int_equal(f->chain.n_readable, QSIZE);
}

static void test_next_index_out_of_range(void **state)
{
    struct fixture *f = *state;
    fx_desc(&f->ring, 0, FX_BUF, 16, VRING_DESC_F_NEXT, QSIZE);
    fx_post(&f->ring, 0);
    expect_broken(f, "next index 8");
}

static void test_head_out_of_range(void **state)
{
    struct fixture *f = *state;
    fx_post(&f->ring, 0xffff);
    expect_broken(f, "head 65535");
}

static void test_avail_idx_too_far_ahead(void **state)
{
    struct fixture *f = *state;
    uint16_t *idx = fx_buf(&f->ring, FX_AVAIL + 2, 2);
    *idx = QSIZE + 1;
    expect_broken(f, "more than a queue ahead");
}

static void test_buffer_outside_ram(void **state)
{
    struct fixture *f = *state;
    fx_desc(&f->ring, 0, RAM - 8, 16, 0, 0);
    fx_post(&f->ring, 0);
    expect_broken(f, "outside guest RAM");
}

static void test_huge_length_and_wrapping_address(void **state)
{
    struct fixture *f = *state;
    fx_desc(&f->ring, 0, FX_BUF, 0xffffffff, 0, 0);
    fx_post(&f->ring, 0);
    expect_broken(f, "outside guest RAM");

    f->q.broken = false;
    fx_desc(&f->ring, 1, 0xfffffffffffffff0ull, 0x20, 0, 0);
    fx_post(&f->ring, 1);
    f->q.last_avail = 1;
    expect_broken(f, "outside guest RAM");
}

static void test_readable_after_writable(void **state)
{
    struct fixture *f = *state;
    fx_desc(&f->ring, 0, FX_BUF, 16, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 1);
    fx_desc(&f->ring, 1, FX_BUF, 16, 0, 0);
    fx_post(&f->ring, 0);
    expect_broken(f, "readable buffer 1 after a writable");
}

static void put_indirect(struct fixture *f, uint64_t table, unsigned i, uint64_t addr, uint32_t len,
                         uint16_t flags, uint16_t next)
{
    struct vring_desc d = { addr, len, flags, next };
    memcpy(fx_buf(&f->ring, table + 16ull * i, 16), &d, 16);
}

static void test_indirect_table(void **state)
{
    struct fixture *f = *state;
    uint64_t t = FX_BUF + 0x8000;
    put_indirect(f, t, 0, FX_BUF, 16, VRING_DESC_F_NEXT, 2);
    put_indirect(f, t, 2, FX_BUF + 0x100, 512, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 1);
    put_indirect(f, t, 1, FX_BUF + 0x400, 1, VRING_DESC_F_WRITE, 0);
    fx_desc(&f->ring, 4, t, 3 * 16, VRING_DESC_F_INDIRECT, 0);
    fx_post(&f->ring, 4);
    assert_int_equal(virtq_pop(&f->q, &f->chain, f->err, sizeof(f->err)), 1);
    assert_int_equal(f->chain.head, 4);
    assert_int_equal(f->chain.n_readable, 1);
    assert_int_equal(f->chain.n_writable, 2);
    assert_int_equal(f->chain.writable_len, 513);
}

static void test_indirect_loop(void **state)
{
    struct fixture *f = *state;
    uint64_t t = FX_BUF + 0x8000;
    put_indirect(f, t, 0, FX_BUF, 16, VRING_DESC_F_NEXT, 1);
    put_indirect(f, t, 1, FX_BUF, 16, VRING_DESC_F_NEXT, 0);
    fx_desc(&f->ring, 0, t, 2 * 16, VRING_DESC_F_INDIRECT, 0);
    fx_post(&f->ring, 0);
    expect_broken(f, "indirect table loops");
}

static void test_indirect_rules(void **state)
{
    struct fixture *f = *state;
    uint64_t t = FX_BUF + 0x8000;
    put_indirect(f, t, 0, t, 32, VRING_DESC_F_INDIRECT, 0);
    fx_desc(&f->ring, 0, t, 16, VRING_DESC_F_INDIRECT, 0);
    fx_post(&f->ring, 0);
    expect_broken(f, "nested indirect");

    f->q.broken = false;
    f->q.last_avail = f->ring.avail_idx;
    fx_desc(&f->ring, 0, t, 24, VRING_DESC_F_INDIRECT, 0);
    fx_post(&f->ring, 0);
    expect_broken(f, "indirect table length 24");

    f->q.broken = false;
    f->q.last_avail = f->ring.avail_idx;
    fx_desc(&f->ring, 0, RAM - 16, 32, VRING_DESC_F_INDIRECT, 0);
    fx_post(&f->ring, 0);
    expect_broken(f, "indirect table lies outside");

    f->q.broken = false;
    f->q.last_avail = f->ring.avail_idx;
    put_indirect(f, t, 0, FX_BUF, 16, VRING_DESC_F_NEXT, 7);
    fx_desc(&f->ring, 0, t, 32, VRING_DESC_F_INDIRECT, 0);
    fx_post(&f->ring, 0);
    expect_broken(f, "indirect next index 7");

    f->q.broken = false;
    f->q.indirect = false;
    f->q.last_avail = f->ring.avail_idx;
    fx_desc(&f->ring, 0, t, 32, VRING_DESC_F_INDIRECT, 0);
    fx_post(&f->ring, 0);
    expect_broken(f, "without VIRTIO_F_INDIRECT_DESC");
}

static void test_start_validates_rings(void **state)
{
    struct fixture *f = *state;
    struct virtq q;
    char *e = f->err;
    assert_int_equal(virtq_start(&q, &f->mem, 6, FX_DESC, FX_AVAIL, FX_USED, false, false, e, 256), -EINVAL);
    assert_int_equal(virtq_start(&q, &f->mem, 512, FX_DESC, FX_AVAIL, FX_USED, false, false, e, 256), -EINVAL);
    assert_int_equal(virtq_start(&q, &f->mem, 8, FX_DESC + 8, FX_AVAIL, FX_USED, false, false, e, 256), -EINVAL);
    assert_int_equal(virtq_start(&q, &f->mem, 8, FX_DESC, FX_AVAIL, RAM - 16, false, false, e, 256), -EINVAL);
    assert_non_null(strstr(e, "outside guest RAM"));
    assert_int_equal(virtq_start(&q, &f->mem, 8, FX_DESC, FX_AVAIL, FX_USED, false, false, e, 256), 0);
}

static void test_event_idx_suppression(void **state)
{
    struct fixture *f = *state;
    virtq_start(&f->q, &f->mem, QSIZE, FX_DESC, FX_AVAIL, FX_USED, true, false, f->err, sizeof(f->err));
    uint16_t *used_event = fx_buf(&f->ring, FX_AVAIL + 4 + 2 * QSIZE, 2);
    *used_event = 1; /* interrupt me when used idx passes 1 */
    for (uint16_t i = 0; i < 3; i++) {
        fx_desc(&f->ring, i, FX_BUF, 16, 0, 0);
        fx_post(&f->ring, i);
    }
    assert_int_equal(virtq_pop(&f->q, &f->chain, f->err, sizeof(f->err)), 1);
    virtq_push(&f->q, f->chain.head, 0);
    assert_false(virtq_should_interrupt(&f->q)); /* used idx 1: not past 1 yet */
    assert_int_equal(virtq_pop(&f->q, &f->chain, f->err, sizeof(f->err)), 1);
    virtq_push(&f->q, f->chain.head, 0);
    assert_true(virtq_should_interrupt(&f->q));
    /* rearm publishes avail_event and sees the third entry waiting */
    assert_true(virtq_rearm(&f->q));
    uint16_t *avail_event = fx_buf(&f->ring, FX_USED + 4 + 8 * QSIZE, 2);
    assert_int_equal(*avail_event, 2);
}

static void test_no_interrupt_flag(void **state)
{
    struct fixture *f = *state;
    uint16_t *flags = fx_buf(&f->ring, FX_AVAIL, 2);
    *flags = VRING_AVAIL_F_NO_INTERRUPT;
    fx_desc(&f->ring, 0, FX_BUF, 16, 0, 0);
    fx_post(&f->ring, 0);
    assert_int_equal(virtq_pop(&f->q, &f->chain, f->err, sizeof(f->err)), 1);
    virtq_push(&f->q, 0, 0);
    assert_false(virtq_should_interrupt(&f->q));
}

static void test_chain_copy_and_iov(void **state)
{
    struct fixture *f = *state;
    fx_desc(&f->ring, 0, FX_BUF, 3, VRING_DESC_F_NEXT, 1);
    fx_desc(&f->ring, 1, FX_BUF + 0x100, 5, VRING_DESC_F_NEXT, 2);
    fx_desc(&f->ring, 2, FX_BUF + 0x200, 4, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 3);
    fx_desc(&f->ring, 3, FX_BUF + 0x300, 4, VRING_DESC_F_WRITE, 0);
    memcpy(fx_buf(&f->ring, FX_BUF, 3), "abc", 3);
    memcpy(fx_buf(&f->ring, FX_BUF + 0x100, 5), "defgh", 5);
    fx_post(&f->ring, 0);
    assert_int_equal(virtq_pop(&f->q, &f->chain, f->err, sizeof(f->err)), 1);
    char buf[16] = { 0 };
    assert_int_equal(virtq_chain_read(&f->chain, 2, buf, 16), 6);
    assert_string_equal(buf, "cdefgh");
    assert_int_equal(virtq_chain_write(&f->chain, 2, "WXYZ!", 5), 5);
    assert_memory_equal(fx_buf(&f->ring, FX_BUF + 0x200, 4), "\0\0WX", 4);
    assert_memory_equal(fx_buf(&f->ring, FX_BUF + 0x300, 3), "YZ!", 3);
    struct iovec iov[2];
    assert_int_equal(virtq_chain_iov(&f->chain, false, 1, 6, iov, 2), 2);
    assert_int_equal(iov[0].iov_len, 2);
    assert_int_equal(iov[1].iov_len, 4);
    assert_int_equal(virtq_chain_iov(&f->chain, true, 0, 8, iov, 1), -1);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_pops_chain_and_pushes_used), T(test_descriptor_loop_is_detected),
        T(test_self_loop_is_detected), T(test_chain_as_long_as_the_queue_is_fine),
        T(test_next_index_out_of_range), T(test_head_out_of_range), T(test_avail_idx_too_far_ahead),
        T(test_buffer_outside_ram), T(test_huge_length_and_wrapping_address),
        T(test_readable_after_writable), T(test_indirect_table), T(test_indirect_loop),
        T(test_indirect_rules), T(test_start_validates_rings), T(test_event_idx_suppression),
        T(test_no_interrupt_flag), T(test_chain_copy_and_iov),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
