/* bzImage setup header parsing and host-side payload decompression. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "boot/bzimage.h"
#include "boot/decompress.h"
#include "unit/boot_fixtures.h"

static char err[256];

static uint8_t *good_image(size_t *len)
{
    static const uint8_t payload[64] = { 0x1f, 0x8b, 0x08 };
    return fx_bzimage(payload, sizeof(payload), 0x020f, 27, len);
}

static void test_parses_valid_header(void **state)
{
    (void)state;
    size_t len;
    uint8_t *img = good_image(&len);
    struct bzimage bz;
    assert_int_equal(bzimage_parse(img, len, "k", &bz, err, sizeof(err)), 0);
    assert_int_equal(bz.hdr.version, 0x020f);
    assert_int_equal(bz.setup_len, 28 * 512);
    assert_ptr_equal(bz.payload, img + 28 * 512 + 0x40);
    assert_int_equal(bz.payload_len, 64);
    assert_int_equal(bz.hdr_len, 0x268 - 0x1f1);
    free(img);
}

static void test_setup_sects_zero_means_four(void **state)
{
    (void)state;
    size_t len;
    static const uint8_t payload[16] = { 1 };
    uint8_t *img = fx_bzimage(payload, sizeof(payload), 0x020f, 0, &len);
    struct bzimage bz;
    assert_int_equal(bzimage_parse(img, len, "k", &bz, err, sizeof(err)), 0);
    assert_int_equal(bz.setup_len, 5 * 512);
    free(img);
}

static void expect_failure(uint8_t *img, size_t len, const char *needle)
{
    struct bzimage bz;
    err[0] = 0;
    assert_int_equal(bzimage_parse(img, len, "/k", &bz, err, sizeof(err)), -ENOEXEC);
    if (!strstr(err, needle))
        fail_msg("message \"%s\" lacks \"%s\"", err, needle);
    assert_non_null(strstr(err, "/k"));
}

static void test_rejects_truncated_and_bad_magic(void **state)
{
    (void)state;
    size_t len;
    uint8_t *img = good_image(&len);
    expect_failure(img, 600, "too short");
    img[0x202] = 'X';
    expect_failure(img, len, "not a bzImage");
    img[0x202] = 'H';
    img[0x1fe] = 0;
    expect_failure(img, len, "not a bzImage");
    free(img);
}

static void test_rejects_old_protocols(void **state)
{
    (void)state;
    size_t len;
    static const uint8_t payload[16] = { 1 };
    uint8_t *img = fx_bzimage(payload, sizeof(payload), 0x0204, 4, &len);
    expect_failure(img, len, "protocol 2.04 is older than 2.06");
    free(img);
    img = fx_bzimage(payload, sizeof(payload), 0x0207, 4, &len);
    expect_failure(img, len, "needs 2.08");
    free(img);
}

static void test_rejects_huge_setup_sects(void **state)
{
    (void)state;
    size_t len;
    uint8_t *img = good_image(&len);
    img[0x1f1] = 255; /* 128 KiB of setup in a ~14 KiB file */
    expect_failure(img, len, "setup_sects 255");
    free(img);
}

static void test_rejects_payload_outside_file(void **state)
{
    (void)state;
    size_t len;
    uint8_t *img = good_image(&len);
    struct setup_header *h = (struct setup_header *)(img + 0x1f1);
    h->payload_length = 65;
    expect_failure(img, len, "outside");
    h->payload_length = 64;
    h->payload_offset = 0xffffffff;
    expect_failure(img, len, "outside");
    h->payload_offset = 0x40;
    h->payload_length = 0;
    expect_failure(img, len, "outside");
    free(img);
}

static void test_rejects_short_header_jump(void **state)
{
    (void)state;
    size_t len;
    uint8_t *img = good_image(&len);
    img[0x201] = 0x10; /* header ends at 0x212: no payload fields */
    expect_failure(img, len, "before the payload fields");
    free(img);
}

static void test_rejects_32bit_and_bad_alignment(void **state)
{
    (void)state;
    size_t len;
    uint8_t *img = good_image(&len);
    struct setup_header *h = (struct setup_header *)(img + 0x1f1);
    h->xloadflags = 0;
    expect_failure(img, len, "XLF_KERNEL_64");
    h->xloadflags = XLF_KERNEL_64;
    h->kernel_alignment = 0x300000;
    expect_failure(img, len, "power of two");
    h->kernel_alignment = 0x200000;
    h->loadflags = 0;
    expect_failure(img, len, "zImage");
    free(img);
}

/* --- decompression --- */

static uint8_t *sample(size_t len)
{
    uint8_t *p = malloc(len);
    for (size_t i = 0; i < len; i++)
        p[i] = (uint8_t)(i * 7 + (i >> 9));
    memcpy(p, "\x7f" "ELF", 4);
    return p;
}

typedef uint8_t *(*compressor)(const uint8_t *, size_t, size_t *);
static uint8_t *xz_(const uint8_t *in, size_t n, size_t *o) { return fx_xz(in, n, o, 0); }
static uint8_t *lzma_(const uint8_t *in, size_t n, size_t *o) { return fx_xz(in, n, o, 1); }

static void round_trip(compressor c, enum kernel_compression expect, size_t n)
{
    uint8_t *plain = sample(n);
    size_t clen;
    uint8_t *comp = c(plain, n, &clen);
    assert_int_equal(kernel_compression_detect(comp, clen), expect);
    uint8_t *out;
    size_t out_len;
    int rc = kernel_decompress(comp, clen, 64u << 20, "k", &out, &out_len, err, sizeof(err));
    if (rc)
        fail_msg("%s: %s", kernel_compression_name(expect), err);
    assert_int_equal(out_len, n);
    assert_memory_equal(out, plain, n);
    free(out);
    /* The same data with a cap one byte short is a bomb. */
    rc = kernel_decompress(comp, clen, n - 1, "k", &out, &out_len, err, sizeof(err));
    assert_int_equal(rc, -EFBIG);
    assert_non_null(strstr(err, "decompression bomb"));
    /* Cut in half: corrupt, never a crash. */
    rc = kernel_decompress(comp, clen / 2, 64u << 20, "k", &out, &out_len, err, sizeof(err));
    assert_int_equal(rc, -EINVAL);
    free(comp);
    free(plain);
}

static void test_gzip(void **s) { (void)s; round_trip(fx_gzip, KCOMP_GZIP, 300000); }
static void test_xz(void **s) { (void)s; round_trip(xz_, KCOMP_XZ, 300000); }
static void test_lzma(void **s) { (void)s; round_trip(lzma_, KCOMP_LZMA, 300000); }
static void test_zstd(void **s) { (void)s; round_trip(fx_zstd, KCOMP_ZSTD, 300000); }
static void test_bzip2(void **s) { (void)s; round_trip(fx_bzip2, KCOMP_BZIP2, 300000); }
static void test_lz4(void **s) { (void)s; round_trip(fx_lz4, KCOMP_LZ4, 300000); }
static void test_lz4_multiblock(void **s) { (void)s; round_trip(fx_lz4, KCOMP_LZ4, (9u << 20) + 12345); }

static void test_bomb_is_capped(void **state)
{
    (void)state;
    size_t n = 32u << 20; /* 32 MiB of zeros compress to ~32 KiB */
    uint8_t *zeros = calloc(1, n);
    size_t clen;
    uint8_t *comp = fx_gzip(zeros, n, &clen);
    uint8_t *out;
    size_t out_len;
    assert_int_equal(kernel_decompress(comp, clen, 1u << 20, "bomb", &out, &out_len, err, sizeof(err)),
                     -EFBIG);
    free(comp);
    free(zeros);
}

static void test_unknown_and_lzo(void **state)
{
    (void)state;
    uint8_t *out;
    size_t out_len;
    static const uint8_t lzo[] = { 0x89, 'L', 'Z', 'O', 0, 0, 0, 0 };
    assert_int_equal(kernel_decompress(lzo, sizeof(lzo), 1 << 20, "k", &out, &out_len, err, sizeof(err)),
                     -EINVAL);
    assert_non_null(strstr(err, "lzo"));
    static const uint8_t junk[] = { 1, 2, 3, 4, 5, 6, 7, 8 };
    assert_int_equal(kernel_decompress(junk, sizeof(junk), 1 << 20, "k", &out, &out_len, err, sizeof(err)),
                     -EINVAL);
    static const uint8_t lz4_bad[] = { 0x02, 0x21, 0x4c, 0x18, 0xff, 0xff, 0xff, 0x7f, 0 };
    assert_int_equal(kernel_decompress(lz4_bad, sizeof(lz4_bad), 1 << 20, "k", &out, &out_len, err,
                                       sizeof(err)), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parses_valid_header),
        cmocka_unit_test(test_setup_sects_zero_means_four),
        cmocka_unit_test(test_rejects_truncated_and_bad_magic),
        cmocka_unit_test(test_rejects_old_protocols),
        cmocka_unit_test(test_rejects_huge_setup_sects),
        cmocka_unit_test(test_rejects_payload_outside_file),
        cmocka_unit_test(test_rejects_short_header_jump),
        cmocka_unit_test(test_rejects_32bit_and_bad_alignment),
        cmocka_unit_test(test_gzip),
        cmocka_unit_test(test_xz),
        cmocka_unit_test(test_lzma),
        cmocka_unit_test(test_zstd),
        cmocka_unit_test(test_bzip2),
        cmocka_unit_test(test_lz4),
        cmocka_unit_test(test_lz4_multiblock),
        cmocka_unit_test(test_bomb_is_capped),
        cmocka_unit_test(test_unknown_and_lzo),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
