/*
 * Files a user gives `mica run` (guest image, --kernel, --initrd, --disk)
 * that are not regular files: a FIFO would block open() before --timeout
 * and Ctrl-C are armed, so mica must refuse it at once, with one line
 * naming the file and status 125 -- also when a symlink points at it. These
 * checks run before /dev/kvm is opened, so they need no KVM.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "support/run_cmd.h"
#include "support/test_text.h"

static struct cmd_result res;
static char dir[64], fifo[128], link_to_fifo[128];

static const char *fvtest(void) { return guest_file("fvtest.elf"); }

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/mica-fifo-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    snprintf(fifo, sizeof fifo, "%s/pipe", dir);
    snprintf(link_to_fifo, sizeof link_to_fifo, "%s/looks-like.img", dir);
    return mkfifo(fifo, 0600) == 0 && symlink(fifo, link_to_fifo) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    unlink(link_to_fifo);
    unlink(fifo);
    rmdir(dir);
    return 0;
}

/* Runs `mica run ARGS...`; it must fail at once (a blocked open would hit
 * the 20 s limit) with one line naming `file` and the reason. */
static void refused(const char *file, char *const args[])
{
    char *argv[16] = {(char *)mica(), "run"};
    int n = 2;
    for (int i = 0; args[i] && n < 15; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    double t0 = monotonic_s();
    assert_int_equal(run_cmd(argv, NULL, 20, &res), 0);
    assert_false(res.timed_out);
    assert_true(monotonic_s() - t0 < 10);
    assert_int_equal(res.status, 125);
    assert_contains(res.err, file);
    assert_contains(res.err, "not a regular file");
    assert_non_null(strchr(res.err, '\n'));
    assert_null(strchr(strchr(res.err, '\n') + 1, '\n')); /* one line */
}

static void fifo_as_guest_image(void **state)
{
    (void)state;
    refused(fifo, (char *[]){fifo, NULL});
    refused(link_to_fifo, (char *[]){link_to_fifo, "--timeout", "1", NULL});
}

static void fifo_as_kernel(void **state)
{
    (void)state;
    refused(fifo, (char *[]){"--kernel", fifo, NULL});
    refused(link_to_fifo, (char *[]){"--kernel", link_to_fifo, NULL});
}

static void fifo_as_initrd(void **state)
{
    (void)state;
    refused(fifo, (char *[]){"--kernel", (char *)fvtest(), "--initrd", fifo, NULL});
}

static void fifo_as_disk(void **state)
{
    (void)state;
    refused(fifo, (char *[]){"--kernel", (char *)fvtest(), "--disk", fifo, NULL});
    refused(link_to_fifo, (char *[]){"--kernel", (char *)fvtest(), "--disk", link_to_fifo, NULL});
}

static const char *hello(void) { return guest_file("hello.elf"); }

/* A PV guest's --disk is checked as early: before /dev/kvm. */
static void fifo_or_directory_as_pv_disk(void **state)
{
    (void)state;
    refused(fifo, (char *[]){(char *)hello(), "--disk", fifo, NULL});
    refused(link_to_fifo, (char *[]){(char *)hello(), "--disk", link_to_fifo, NULL});
    refused(dir, (char *[]){(char *)hello(), "--disk", (char *)dir, NULL, NULL});
}

static void directory_as_kernel(void **state)
{
    (void)state;
    refused(dir, (char *[]){"--kernel", dir, NULL});
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fifo_as_guest_image), cmocka_unit_test(fifo_as_kernel),
        cmocka_unit_test(fifo_as_initrd),      cmocka_unit_test(fifo_as_disk),
        cmocka_unit_test(directory_as_kernel), cmocka_unit_test(fifo_or_directory_as_pv_disk),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
