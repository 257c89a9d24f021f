/*
 * The control program hands a VM's files to the VMM as inherited
 * descriptors named /proc/self/fd/N (docs/security.md): every way the VMM
 * opens a guest image, kernel, initrd or disk must accept such a name (a
 * magic link: O_NOFOLLOW would refuse it) and reach the very file that
 * descriptor is, even after its path has been swapped.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "boot/linux_boot.h"
#include "util/file.h"
#include "virtio/virtio_blk.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct fixture {
    char dir[64], path[128], fd_path[64];
    int fd;
};

/* A 1 KiB file ("A" then zeros), opened read-write, its path then
 * replaced by another file ("B"): only the descriptor reaches the first. */
static int setup(void **state)
{
    static struct fixture f;
    snprintf(f.dir, sizeof f.dir, "/tmp/mica-fdpath-XXXXXX");
    if (!mkdtemp(f.dir))
        return -1;
    snprintf(f.path, sizeof f.path, "%s/image", f.dir);
    char block[1024] = "A";
    f.fd = open(f.path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (f.fd < 0 || write(f.fd, block, sizeof block) != (ssize_t)sizeof block)
        return -1;
    unlink(f.path);
    int other = open(f.path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    block[0] = 'B';
    if (other < 0 || write(other, block, sizeof block) != (ssize_t)sizeof block)
        return -1;
    close(other);
    snprintf(f.fd_path, sizeof f.fd_path, "/proc/self/fd/%d", f.fd);
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    close(f->fd);
    unlink(f->path);
    rmdir(f->dir);
    return 0;
}

static void test_pv_image_by_descriptor(void **state)
{
    struct fixture *f = *state;
    uint8_t *data = NULL;
    size_t size = 0;
    char err[256];
    assert_int_equal(read_whole_file(f->fd_path, 1 << 20, &data, &size, err, sizeof err), 0);
    assert_int_equal(size, 1024);
    assert_int_equal(data[0], 'A');
    free(data);
}

static void test_kernel_and_initrd_by_descriptor(void **state)
{
    struct fixture *f = *state;
    const uint8_t *data = NULL;
    size_t len = 0;
    char err[256];
    assert_int_equal(boot_file_map(f->fd_path, "kernel", &data, &len, err, sizeof err), 0);
    assert_int_equal(len, 1024);
    assert_int_equal(data[0], 'A');
    boot_file_unmap(data, len);
}

static void test_disk_by_descriptor(void **state)
{
    struct fixture *f = *state;
    struct virtio_blk blk;
    char err[256], byte = 0;
    assert_int_equal(virtio_blk_open(&blk, f->fd_path, false, err, sizeof err), 0);
    assert_int_equal(pread(blk.disk.fd, &byte, 1, 0), 1);
    assert_int_equal(byte, 'A');
    virtio_blk_close(&blk);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_pv_image_by_descriptor, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kernel_and_initrd_by_descriptor, setup, teardown),
        cmocka_unit_test_setup_teardown(test_disk_by_descriptor, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
