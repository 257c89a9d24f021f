/*
 * The PV disk end to end (skipped without KVM): `mica run --disk IMG`
 * with the blkcheck guest writes a pattern, flushes and reads it back; the
 * bytes are on the image afterwards and a second VM reads them again; a
 * read-only disk refuses writes; the shell's dwrite/dread round-trip.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "support/run_cmd.h"
#include "support/test_text.h"

static struct cmd_result res;
static char img[64], spec[96];

static const char *blkcheck(void) { return guest_file("blkcheck.elf"); }

static int setup(void **state)
{
    (void)state;
    snprintf(img, sizeof img, "/tmp/mica-pvdisk-XXXXXX");
    int fd = mkstemp(img);
    if (fd < 0 || ftruncate(fd, 1 << 20) < 0)
        return -1;
    close(fd);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unlink(img);
    return 0;
}

/* Runs mica; shows what it printed when the status is not `want`. */
static void run(const char *input, int want, char *const argv[])
{
    assert_int_equal(run_cmd(argv, input, 120, &res), 0);
    assert_false(res.timed_out);
    if (res.status != want)
        fprintf(stderr, "out:\n%s\nerr:\n%s\n", res.out, res.err);
    assert_int_equal(res.status, want);
}

static uint8_t image_byte(uint64_t off)
{
    int fd = open(img, O_RDONLY);
    uint8_t b = 0;
    assert_int_equal(pread(fd, &b, 1, (off_t)off), 1);
    close(fd);
    return b;
}

static void written_data_persists_across_runs(void **state)
{
    (void)state;
    if (!kvm_available())
        skip();
    run(NULL, 0, (char *[]){(char *)mica(), "run", "--disk", img, (char *)blkcheck(), "--", "write",
                         "5", NULL});
    assert_contains(res.out, "blkcheck: disk of 2048 sectors (read-write)");
    assert_contains(res.out, "flush OK");
    assert_contains(res.out, "blkcheck: verified 512 sectors");
    assert_contains(res.out, "a read past the end: EINVAL");
    assert_contains(res.out, "blkcheck: ok");
    /* On the image: sector 3, byte 10 is 3 * 7 + 10 + 5. */
    assert_int_equal(image_byte(3 * 512 + 10), 36);
    run(NULL, 0, (char *[]){(char *)mica(), "run", "--disk", img, (char *)blkcheck(), "--", "verify",
                         "5", NULL});
    assert_contains(res.out, "blkcheck: verified 512 sectors");
    /* A different seed does not match what is there. */
    run(NULL, 1, (char *[]){(char *)mica(), "run", "--disk", img, (char *)blkcheck(), "--", "verify",
                         "6", NULL});
    assert_contains(res.out, "MISMATCH at sector 0");
}

static void a_read_only_disk_refuses_writes(void **state)
{
    (void)state;
    if (!kvm_available())
        skip();
    snprintf(spec, sizeof spec, "%s,ro", img);
    run(NULL, 0, (char *[]){(char *)mica(), "run", "--disk", spec, (char *)blkcheck(), NULL});
    assert_contains(res.out, "(read-only)");
    assert_contains(res.out, "write to a read-only disk: EROFS");
    assert_int_equal(image_byte(0), 0);
}

static void the_shell_reads_and_writes_sectors(void **state)
{
    (void)state;
    if (!kvm_available())
        skip();
    run("disk\ndwrite 3 hello disk\ndread 3\nexit\n", 0,
        (char *[]){(char *)mica(), "run", "--disk", img, NULL});
    assert_contains(res.out, "disk 0: 2048 sectors of 512 bytes (1024 KiB), read-write");
    assert_contains(res.out, "dwrite: sector 3: OK");
    assert_contains(res.out, "hello disk");
    assert_int_equal(image_byte(3 * 512), 'h');
}

static void no_disk_is_said_so(void **state)
{
    (void)state;
    if (!kvm_available())
        skip();
    run(NULL, 2, (char *[]){(char *)mica(), "run", (char *)blkcheck(), NULL});
    assert_contains(res.out, "no disk to connect");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(written_data_persists_across_runs, setup, teardown),
        cmocka_unit_test_setup_teardown(a_read_only_disk_refuses_writes, setup, teardown),
        cmocka_unit_test_setup_teardown(the_shell_reads_and_writes_sectors, setup, teardown),
        cmocka_unit_test_setup_teardown(no_disk_is_said_so, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
