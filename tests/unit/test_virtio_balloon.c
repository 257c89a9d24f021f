/* virtio-balloon's device side without KVM: the target in config space and
 * its checks, the driver's `actual`, inflated frames discarded by the host,
 * frames outside RAM skipped, and the statistics queue's buffer kept until
 * fresh figures are wanted (then given back for the driver to refill). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "virtio/virtio_balloon.h"
#include "virtio_fixtures.h"

#define RAM (1ull << 20)
#define CFG VIRTIO_MMIO_CONFIG_OFF

struct fixture {
    struct guest_mem mem;
    struct virtio_mmio_dev dev;
    struct virtio_balloon b;
    struct fx_ring ring;
    char err[256];
};

static void quiet(void *ctx, const char *line) { (void)ctx, (void)line; }
static void no_irq(void *ctx, unsigned irq) { (void)ctx, (void)irq; }

static void w32(struct virtio_mmio_dev *d, uint64_t off, uint32_t v) { virtio_mmio_write(d, off, (uint8_t *)&v, 4); }
static uint32_t r32(struct virtio_mmio_dev *d, uint64_t off)
{
    uint32_t v;
    virtio_mmio_read(d, off, (uint8_t *)&v, 4);
    return v;
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    if (!f || guest_mem_alloc(&f->mem, 0, RAM))
        return -1;
    virtio_balloon_init(&f->b, &f->mem);
    if (virtio_mmio_init(&f->dev, &f->mem, 0xd0001000, 3, &virtio_balloon_ops, &f->b, true, f->err,
                         sizeof f->err) < 0)
        return -1;
    f->dev.irq_raise = no_irq;
    f->dev.log = quiet;
    fx_ring_init(&f->ring, &f->mem, 8);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    virtio_mmio_destroy(&f->dev);
    guest_mem_free(&f->mem);
    free(f);
    return 0;
}

/* A chain of one readable segment of `len` bytes at host pointer p. */
static struct virtq_chain chain_of(void *p, uint32_t len)
{
    struct virtq_chain c = {.n_readable = 1, .readable_len = len};
    c.seg[0] = (struct virtq_seg){.host = p, .len = len};
    return c;
}

static void device_identity_and_config(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(r32(&f->dev, 0x08), VIRTIO_ID_BALLOON);
    w32(&f->dev, 0x14, 0); /* DeviceFeaturesSel */
    assert_true(r32(&f->dev, 0x10) & (1u << VIRTIO_BALLOON_F_STATS_VQ));
    assert_int_equal(r32(&f->dev, CFG), 0); /* num_pages: nothing to give back yet */
    /* 1 MiB of RAM: below the usual floor, so the floor is the RAM itself. */
    assert_int_equal(virtio_balloon_set_target(&f->dev, &f->b, 257), -ERANGE);
    assert_int_equal(virtio_balloon_set_target(&f->dev, &f->b, 255), -ERANGE);
    assert_int_equal(virtio_balloon_set_target(&f->dev, &f->b, 256), 0);
    assert_int_equal(virtio_balloon_target(&f->dev, &f->b), 256);
    uint32_t gen = r32(&f->dev, 0xfc);
    f->b.ram_pages = 1u << 16; /* pretend 256 MiB for the floor's sake */
    assert_int_equal(virtio_balloon_set_target(&f->dev, &f->b, VIRTIO_BALLOON_FLOOR_PAGES - 1), -ERANGE);
    assert_int_equal(virtio_balloon_set_target(&f->dev, &f->b, VIRTIO_BALLOON_FLOOR_PAGES), 0);
    assert_int_equal(r32(&f->dev, CFG), (1u << 16) - VIRTIO_BALLOON_FLOOR_PAGES);
    assert_true(r32(&f->dev, 0xfc) != gen);                /* ConfigGeneration moved */
    assert_true(r32(&f->dev, 0x60) & VIRTIO_INT_CONFIG_CHANGE); /* and the driver is told */
    /* The driver writes actual, never num_pages; a lie above RAM is clamped. */
    w32(&f->dev, CFG + 4, 100);
    assert_int_equal(virtio_balloon_current(&f->dev, &f->b), (1u << 16) - 100);
    w32(&f->dev, CFG, 5);
    assert_int_equal(r32(&f->dev, CFG), (1u << 16) - VIRTIO_BALLOON_FLOOR_PAGES);
    w32(&f->dev, CFG + 4, 0xffffffffu);
    assert_int_equal(virtio_balloon_current(&f->dev, &f->b), 0);
}

static void inflate_discards_and_skips_frames_outside_ram(void **state)
{
    struct fixture *f = *state;
    uint8_t *ram = f->mem.host;
    memset(ram + 0x40000, 0xab, 3 * 4096);
    uint32_t pfns[] = {0x40, 0x42, 0x100000, 0xffffffffu}; /* two in RAM, two not */
    struct virtq_chain c = chain_of(pfns, sizeof pfns);
    assert_int_equal(virtio_balloon_inflate(&f->b, &c), 0);
    assert_int_equal(f->b.inflated, 2);
    assert_int_equal(f->b.bad_frames, 2);
    assert_int_equal(ram[0x40000 + 7], 0);  /* discarded: reads back as zeroes */
    assert_int_equal(ram[0x41000 + 7], 0xab); /* kept */
    assert_int_equal(ram[0x42000 + 4095], 0);
    c = chain_of(pfns, 6); /* a partial frame number is ignored */
    assert_int_equal(virtio_balloon_deflate(&f->b, &c), 0);
    assert_int_equal(f->b.deflated, 1);
}

static void inflate_through_the_queue(void **state)
{
    struct fixture *f = *state;
    w32(&f->dev, 0x70, 0);
    w32(&f->dev, 0x70, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
    w32(&f->dev, 0x24, 1);
    w32(&f->dev, 0x20, 1);
    w32(&f->dev, 0x70, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER | VIRTIO_CONFIG_S_FEATURES_OK);
    w32(&f->dev, 0x30, 0);
    w32(&f->dev, 0x38, 8);
    w32(&f->dev, 0x80, (uint32_t)FX_DESC);
    w32(&f->dev, 0x90, (uint32_t)FX_AVAIL);
    w32(&f->dev, 0xa0, (uint32_t)FX_USED);
    w32(&f->dev, 0x44, 1);
    w32(&f->dev, 0x70, 0xf & ~VIRTIO_CONFIG_S_FAILED);
    uint32_t *pfns = fx_buf(&f->ring, FX_BUF, 16);
    for (int i = 0; i < 4; i++)
        pfns[i] = 0x80 + (uint32_t)i;
    memset(f->mem.host + 0x80000, 1, 4 * 4096);
    fx_desc(&f->ring, 0, FX_BUF, 16, 0, 0);
    fx_post(&f->ring, 0);
    virtio_mmio_process(&f->dev, VIRTIO_BALLOON_Q_INFLATE);
    assert_int_equal(fx_used_idx(&f->ring), 1);
    assert_int_equal(f->b.inflated, 4);
    assert_int_equal(f->mem.host[0x83000], 0);
}

static void put_stat(uint8_t *at, uint16_t tag, uint64_t value)
{
    at[0] = (uint8_t)tag, at[1] = (uint8_t)(tag >> 8);
    for (int k = 0; k < 8; k++)
        at[2 + k] = (uint8_t)(value >> (8 * k));
}

static void stats_are_read_and_kept_until_wanted(void **state)
{
    struct fixture *f = *state;
    uint8_t buf[5 * 10];
    put_stat(buf, VIRTIO_BALLOON_S_MEMFREE, 123456789);
    put_stat(buf + 10, VIRTIO_BALLOON_S_MEMTOT, 1ull << 30);
    put_stat(buf + 20, 999, 7);                        /* unknown tag: ignored */
    put_stat(buf + 30, VIRTIO_BALLOON_S_AVAIL, 42);
    struct virtq_chain c = chain_of(buf, 45);          /* a torn last entry */
    assert_int_equal(virtio_balloon_stats(&f->b, &c), VIRTIO_CHAIN_WAIT);
    assert_true(f->b.stats_held);
    assert_int_equal(f->b.stats[VIRTIO_BALLOON_S_MEMFREE], 123456789);
    assert_int_equal(f->b.stats[VIRTIO_BALLOON_S_MEMTOT], 1ull << 30);
    assert_int_equal(f->b.stats[VIRTIO_BALLOON_S_AVAIL], 42);
    assert_int_equal(f->b.stats_seen, 1u << VIRTIO_BALLOON_S_MEMFREE | 1u << VIRTIO_BALLOON_S_MEMTOT |
                                          1u << VIRTIO_BALLOON_S_AVAIL);
    virtio_balloon_request_stats(&f->dev, &f->b);
    assert_true(f->b.stats_wanted);
    assert_int_equal(virtio_balloon_stats(&f->b, &c), 0); /* given back to the driver */
    assert_false(f->b.stats_held);
    uint8_t huge[4096];
    memset(huge, 0x55, sizeof huge); /* more than every tag: bounded, no overflow */
    c = chain_of(huge, sizeof huge);
    assert_int_equal(virtio_balloon_stats(&f->b, &c), VIRTIO_CHAIN_WAIT);
    assert_int_equal(f->b.stats_reports, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(device_identity_and_config, setup, teardown),
        cmocka_unit_test_setup_teardown(inflate_discards_and_skips_frames_outside_ram, setup, teardown),
        cmocka_unit_test_setup_teardown(inflate_through_the_queue, setup, teardown),
        cmocka_unit_test_setup_teardown(stats_are_read_and_kept_until_wanted, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
