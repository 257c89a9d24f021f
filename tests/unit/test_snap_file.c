/* The snapshot file format (src/snap/snap_file.c): a round trip of small
 * and memory sections, then every way a hostile or foreign file is refused
 * with one line: truncated, corrupted header, table or section, another
 * version, another CPU, oversize, unknown or overlapping sections. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "snap/snap_file.h"
#include "util/wire.h"

#define MEM_BYTES (64u * SNAP_PAGE)

static uint8_t mem[MEM_BYTES];

/* A snapshot with a small section and a memory section, in a memfd. */
static int make_file(void)
{
    int fd = memfd_create("snap", 0);
    assert_true(fd >= 0);
    memset(mem, 0, sizeof mem);
    memcpy(mem + 3 * SNAP_PAGE, "page three", 10);
    mem[MEM_BYTES - 1] = 0x7f;
    struct snap_writer w;
    snap_writer_init(&w, fd);
    snap_writer_add(&w, SNAP_SEC_META, 0, "hello", 5);
    snap_writer_add_memory(&w, SNAP_SEC_RAM, 0, mem, sizeof mem);
    snap_writer_add(&w, SNAP_SEC_VCPU, 0, "cpu", 3);
    char err[256];
    assert_int_equal(snap_writer_finish(&w, "t", err, sizeof err), 0);
    return fd;
}

static int open_file(int fd, char *err, size_t errlen)
{
    struct snap_reader r;
    int rc = snap_reader_open(&r, fd, "t.snap", err, errlen);
    if (rc == 0)
        snap_reader_close(&r);
    return rc;
}

static void expect_refused(int fd, const char *why)
{
    char err[256] = "";
    assert_int_equal(open_file(fd, err, sizeof err), -1);
    if (!strstr(err, why))
        fail_msg("expected '%s' in: %s", why, err);
    assert_non_null(strstr(err, "t.snap"));
    close(fd);
}

static void poke(int fd, off_t at, const void *bytes, size_t len)
{
    assert_int_equal(pwrite(fd, bytes, len, at), (ssize_t)len);
}

static void round_trip(void **state)
{
    (void)state;
    int fd = make_file();
    struct snap_reader r;
    char err[256];
    assert_int_equal(snap_reader_open(&r, fd, "t", err, sizeof err), 0);
    const struct snap_section *meta = snap_find(&r, SNAP_SEC_META, 0);
    assert_non_null(meta);
    assert_memory_equal(snap_data(&r, meta), "hello", 5);
    const struct snap_section *ram = snap_find(&r, SNAP_SEC_RAM, 0);
    assert_int_equal(ram->offset % SNAP_PAGE, 0);
    static uint8_t back[MEM_BYTES];
    assert_int_equal(snap_read_memory(&r, ram, back, sizeof back, err, sizeof err), 0);
    assert_memory_equal(back, mem, sizeof mem);
    void *mapped;
    assert_int_equal(snap_map_memory(&r, ram, MEM_BYTES, &mapped, err, sizeof err), 0);
    assert_memory_equal(mapped, mem, sizeof mem);
    ((uint8_t *)mapped)[0] = 1; /* copy-on-write: the file keeps its zero */
    assert_int_equal(snap_read_memory(&r, ram, back, sizeof back, err, sizeof err), 0);
    assert_int_equal(back[0], 0);
    munmap(mapped, MEM_BYTES);
    assert_int_equal(snap_read_memory(&r, ram, back, SNAP_PAGE, err, sizeof err), -1);
    assert_non_null(strstr(err, "bytes"));
    assert_null(snap_find(&r, SNAP_SEC_GNTTAB, 0));
    snap_reader_close(&r);
    close(fd);
}

static void zero_pages_are_holes(void **state)
{
    (void)state;
    int fd = make_file();
    /* Page 5 is zero: a hole, so the file has data again only at page 3's. */
    off_t data = lseek(fd, SNAP_PAGE * 2, SEEK_DATA);
    assert_true(data >= 0);
    struct snap_reader r;
    char err[256];
    assert_int_equal(snap_reader_open(&r, fd, "t", err, sizeof err), 0);
    const struct snap_section *ram = snap_find(&r, SNAP_SEC_RAM, 0);
    off_t hole = lseek(fd, (off_t)ram->offset + 4 * SNAP_PAGE, SEEK_HOLE);
    assert_true(hole < (off_t)(ram->offset + ram->length));
    snap_reader_close(&r);
    close(fd);
}

static void truncated_and_extended(void **state)
{
    (void)state;
    int fd = make_file();
    off_t size = lseek(fd, 0, SEEK_END);
    assert_int_equal(ftruncate(fd, size - 1), 0);
    expect_refused(fd, "truncated");
    fd = make_file();
    assert_int_equal(ftruncate(fd, 100), 0);
    expect_refused(fd, "shorter than a snapshot header");
    fd = make_file();
    size = lseek(fd, 0, SEEK_END);
    assert_int_equal(ftruncate(fd, size + 8), 0);
    expect_refused(fd, "bytes after its end");
    fd = memfd_create("empty", 0);
    expect_refused(fd, "shorter");
}

static void bad_magic_version_and_header(void **state)
{
    (void)state;
    int fd = make_file();
    poke(fd, 0, "NOTASNAP", 8);
    expect_refused(fd, "bad magic");
    fd = make_file();
    uint8_t v[4] = {9, 0, 0, 0};
    poke(fd, 8, v, 4);
    expect_refused(fd, "format version 9");
    fd = make_file();
    poke(fd, 20, v, 1); /* reserved word */
    expect_refused(fd, "header is corrupted");
}

static void corrupted_sections(void **state)
{
    (void)state;
    int fd = make_file();
    poke(fd, SNAP_HEADER_BYTES, "J", 1); /* the first byte of META */
    expect_refused(fd, "corrupted");
    /* The memory's damage shows when it is read (mapping trusts it). */
    fd = make_file();
    struct snap_reader r;
    char err[256];
    assert_int_equal(snap_reader_open(&r, fd, "t", err, sizeof err), 0);
    const struct snap_section *ram = snap_find(&r, SNAP_SEC_RAM, 0);
    poke(fd, (off_t)ram->offset + 3 * SNAP_PAGE, "X", 1);
    static uint8_t back[MEM_BYTES];
    assert_int_equal(snap_read_memory(&r, ram, back, sizeof back, err, sizeof err), -1);
    assert_non_null(strstr(err, "memory is corrupted"));
    snap_reader_close(&r);
    close(fd);
    /* The table. */
    fd = make_file();
    off_t end = lseek(fd, 0, SEEK_END);
    poke(fd, end - 20, "\xff", 1);
    expect_refused(fd, "section table is corrupted");
}

static void other_cpu(void **state)
{
    (void)state;
    int fd = make_file();
    struct cpu_profile here;
    cpu_profile_host(&here);
    struct cpu_profile poorer = here;
    poorer.words[1] = 0; /* no CPUID.1:EDX features at all */
    struct snap_reader r;
    char err[256];
    if (here.words[1]) {
        assert_int_equal(snap_reader_open_for(&r, fd, "t.snap", &poorer, err, sizeof err), -1);
        assert_non_null(strstr(err, "CPUID.1:EDX"));
    }
    struct cpu_profile other = here;
    memcpy(other.vendor, "OtherVendor!", 12);
    assert_int_equal(snap_reader_open_for(&r, fd, "t.snap", &other, err, sizeof err), -1);
    assert_non_null(strstr(err, "OtherVendor!"));
    close(fd);
}

/* Rewrites the table with entry i changed by edit, with valid checksums, so
 * that only the table's own checks can refuse it. */
static int file_with_entry(void (*edit)(struct snap_section *s, struct snap_writer *w))
{
    int fd = memfd_create("snap", 0);
    struct snap_writer w;
    snap_writer_init(&w, fd);
    snap_writer_add(&w, SNAP_SEC_META, 0, "hello", 5);
    snap_writer_add(&w, SNAP_SEC_VCPU, 0, "cpu", 3);
    edit(&w.sec[1], &w);
    char err[256];
    assert_int_equal(snap_writer_finish(&w, "t", err, sizeof err), 0);
    return fd;
}

static void unknown_type(struct snap_section *s, struct snap_writer *w) { (void)w, s->type = 99; }
static void twice(struct snap_section *s, struct snap_writer *w) { (void)w, s->type = SNAP_SEC_META; }
static void overlaps(struct snap_section *s, struct snap_writer *w) { (void)w, s->offset -= 4; }
static void outside(struct snap_section *s, struct snap_writer *w) { (void)w, s->length = 1u << 30; }
static void oversize(struct snap_section *s, struct snap_writer *w)
{
    s->length = SNAP_SMALL_MAX + 1ull;
    w->pos = s->offset + s->length + 8;
}
static void unaligned_memory(struct snap_section *s, struct snap_writer *w)
{
    (void)w, s->type = SNAP_SEC_RAM;
}

static void hostile_tables(void **state)
{
    (void)state;
    expect_refused(file_with_entry(unknown_type), "unknown type");
    expect_refused(file_with_entry(twice), "a section twice");
    expect_refused(file_with_entry(overlaps), "overlapping");
    expect_refused(file_with_entry(outside), "outside the file");
    expect_refused(file_with_entry(oversize), "larger than any state");
    expect_refused(file_with_entry(unaligned_memory), "page boundaries");
}

static void too_many_sections_fail_the_writer(void **state)
{
    (void)state;
    int fd = memfd_create("snap", 0);
    struct snap_writer w;
    snap_writer_init(&w, fd);
    for (unsigned i = 0; i <= SNAP_SECTIONS_MAX; i++)
        snap_writer_add(&w, SNAP_SEC_DEVICE, i, "x", 1);
    char err[256];
    assert_int_equal(snap_writer_finish(&w, "t", err, sizeof err), -1);
    assert_non_null(strstr(err, "too many sections"));
    close(fd);
}

static void wire_reader_never_overruns(void **state)
{
    (void)state;
    uint8_t b[3] = {1, 2, 3};
    struct wire_in in = wire_in(b, sizeof b);
    assert_int_equal(wire_get_u32(&in), 0);
    assert_true(in.short_read);
    assert_false(wire_in_done(&in));
    struct wire_out o = wire_out(NULL, 0);
    wire_put_u64(&o, 1);
    assert_int_equal(o.len, 8);
    assert_false(wire_out_fits(&o));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(round_trip),
        cmocka_unit_test(zero_pages_are_holes),
        cmocka_unit_test(truncated_and_extended),
        cmocka_unit_test(bad_magic_version_and_header),
        cmocka_unit_test(corrupted_sections),
        cmocka_unit_test(other_cpu),
        cmocka_unit_test(hostile_tables),
        cmocka_unit_test(too_many_sections_fail_the_writer),
        cmocka_unit_test(wire_reader_never_overruns),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
