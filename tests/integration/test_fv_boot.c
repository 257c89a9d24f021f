/*
 * Full virtualization end to end: `mica run --kernel` ($MICA) boots the
 * project's test kernel ($GUESTS/fvtest.elf) through the Linux boot path
 * and the test checks every milestone it prints on the serial console, the
 * disk it wrote, the exit statuses, and one clear line for each bad input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "support/run_cmd.h"
#include "support/test_text.h"


static const char *fvtest(void)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/fvtest.elf", getenv("GUESTS") ? getenv("GUESTS") : "build/guests");
    return path;
}

#define REQUIRE_KVM()                                                                              \
    do {                                                                                           \
        if (!kvm_available())                                                                      \
            skip();                                                                                \
    } while (0)

static struct cmd_result res;

#define RUN_WITH_INPUT(input, ...)                                                                  \
    do {                                                                                           \
        char *argv_[] = {(char *)mica(), "run", __VA_ARGS__, NULL};                                \
        assert_int_equal(run_cmd(argv_, input, 120, &res), 0);                                     \
        assert_false(res.timed_out);                                                               \
    } while (0)
#define RUN(...) RUN_WITH_INPUT(NULL, __VA_ARGS__)


static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p++)
        n++;
    return n;
}

/* A temporary file of `size` bytes starting with `head`; caller unlinks. */
static char *temp_file(const char *head, size_t size)
{
    static char paths[8][64];
    static int next;
    char *p = paths[next++ % 8];
    snprintf(p, sizeof paths[0], "/tmp/mica-fvtest-XXXXXX");
    int fd = mkstemp(p);
    assert_true(fd >= 0);
    assert_int_equal(ftruncate(fd, (off_t)size), 0);
    if (head)
        assert_int_equal(pwrite(fd, head, strlen(head), 0), (ssize_t)strlen(head));
    close(fd);
    return p;
}

static void read_at(const char *path, off_t off, char *buf, size_t n)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fseeko(f, off, SEEK_SET), 0);
    assert_int_equal(fread(buf, 1, n, f), n);
    fclose(f);
}

static const char *const milestones[] = {
    "fvtest: hello from mica's test kernel",
    "fvtest: cmdline: console=ttyS0 fvtest.mark=42",
    "fvtest: e820: 0x100000-0x3ffffff usable",
    "fvtest: boot_params ok: 3 e820 entries, 63 MiB usable",
    "fvtest: int3 ok: #BP handler ran, return RIP is the next instruction",
    "fvtest: rtc: ",
    "fvtest: timer ok: 3 PIT interrupts",
    "fvtest: virtio-mmio at 0xd0000000 irq 5: virtio-blk, vendor MICA",
    "fvtest: virtio-mmio at 0xd0001000 irq 6: virtio-rng, vendor MICA",
    "fvtest: virtio-blk: 2048 sectors, sector 0 says \"MICA-FVTEST-DISK\"",
    "fvtest: virtio-blk: completion interrupt received (IRQ 5 via irqfd)",
    "fvtest: virtio-blk: wrote sector 1 and read it back ok",
    "fvtest: virtio-blk ok: 3 requests",
    "fvtest: virtio-rng: 16 bytes:",
    "fvtest: virtio-rng ok",
    "fvtest: all checks passed",
    "fvtest: resetting via i8042",
};

static void boots_test_kernel_to_every_milestone(void **state)
{
    (void)state;
    REQUIRE_KVM();
    char *disk = temp_file("MICA-FVTEST-DISK", 1 << 20);
    RUN("--kernel", (char *)fvtest(), "--mem", "64", "--cmdline", "console=ttyS0 fvtest.mark=42",
        "--disk", disk, "--rng", "--stats");
    for (size_t i = 0; i < sizeof milestones / sizeof *milestones; i++)
        assert_contains(res.out, milestones[i]);
    assert_null(strstr(res.out, "FAIL"));
    /* The guest kernel reset through the i8042: a clean end. */
    assert_int_equal(res.status, 0);
    /* stac/clac either completed by mica (pvm) or #UD without SMAP. */
    assert_true(strstr(res.out, "fvtest: stac/clac ok") || strstr(res.out, "fvtest: stac/clac: #UD"));
    assert_contains(res.err, "virtio-blk requests 3");
    if (!strstr(res.err, "host's emulator: none"))
        assert_contains(res.err, "int3 1,");
    char sector1[36];
    read_at(disk, 512, sector1, sizeof sector1);
    assert_memory_equal(sector1, "written by fvtest through virtio-blk", sizeof sector1);
    unlink(disk);
}

static void read_only_disk_refuses_writes(void **state)
{
    (void)state;
    REQUIRE_KVM();
    char *disk = temp_file("MICA-FVTEST-DISK", 1 << 20);
    char ro[128];
    snprintf(ro, sizeof ro, "%s,ro", disk);
    RUN("--kernel", (char *)fvtest(), "--mem", "32", "--cmdline", "console=ttyS0", "--disk", ro);
    assert_int_equal(res.status, 0);
    assert_contains(res.out, "2048 sectors, read-only");
    assert_contains(res.out, "write refused on a read-only disk");
    assert_contains(res.out, "fvtest: all checks passed");
    char sector1[8];
    read_at(disk, 512, sector1, sizeof sector1);
    assert_memory_equal(sector1, "\0\0\0\0\0\0\0\0", sizeof sector1);
    unlink(disk);
}

static void several_cpus_boot(void **state)
{
    (void)state;
    REQUIRE_KVM();
    RUN("--kernel", (char *)fvtest(), "--cpus", "4", "--mem", "32", "--cpu-template", "host");
    assert_int_equal(res.status, 0);
    assert_contains(res.out, "fvtest: all checks passed");
}

/* An instruction the host's CPL0 emulator refuses ends the VM with one
 * report naming it; with hardware virtualization it simply runs. */
static void unemulated_instruction_is_reported(void **state)
{
    (void)state;
    REQUIRE_KVM();
    RUN("--kernel", (char *)fvtest(), "--mem", "32", "--cmdline", "console=ttyS0 fvtest.bad=popcnt");
    assert_contains(res.out, "fvtest: executing popcnt");
    if (strstr(res.out, "popcnt executed natively")) {
        assert_int_equal(res.status, 0);
        return;
    }
    assert_int_equal(res.status, 139);
    assert_contains(res.err, "guest stopped: vCPU 0 at RIP 0x");
    assert_contains(res.err, "`popcnt` (bytes at RIP: f3 48 0f b8");
    assert_contains(res.err, "try: ");
    assert_int_equal(count(res.err, "\n"), 1);
}

static void reboot_restarts_until_timeout(void **state)
{
    (void)state;
    REQUIRE_KVM();
    RUN("--kernel", (char *)fvtest(), "--mem", "32", "--reboot", "--timeout", "2");
    assert_int_equal(res.status, 124);
    assert_true(count(res.out, "fvtest: hello from mica's test kernel") >= 2);
    assert_contains(res.err, "--timeout");
}

/* Keys typed at mica's stdin (a pipe here) reach the guest's UART, which
 * raises its receive interrupt as Linux's 8250 driver expects; the test
 * kernel reads a line and echoes it. */
static void serial_input_reaches_the_guest(void **state)
{
    (void)state;
    REQUIRE_KVM();
    RUN_WITH_INPUT("typed into ttyS0\n", "--kernel", (char *)fvtest(), "--mem", "32", "--timeout",
                   "60", "--cmdline", "console=ttyS0 fvtest.echo=ttyS0");
    assert_int_equal(res.status, 0);
    assert_contains(res.out, " receive interrupts): typed into ttyS0\n");
    assert_contains(res.out, "fvtest: all checks passed");
}

/* --console virtio: a virtio-console device, named hvc0 on the default
 * command line, carries the guest's output and the terminal's input. */
static void virtio_console_carries_output_and_input(void **state)
{
    (void)state;
    REQUIRE_KVM();
    RUN_WITH_INPUT("typed into hvc0\n", "--kernel", (char *)fvtest(), "--mem", "32", "--timeout",
                   "60", "--console", "virtio", "--cmdline", "console=hvc0 fvtest.echo=hvc0");
    assert_int_equal(res.status, 0);
    assert_contains(res.out, "virtio-mmio at 0xd0000000 irq 5: virtio-console, vendor MICA");
    assert_contains(res.out, "fvtest: virtio-console: hello through the transmit queue\n");
    assert_contains(res.out, "fvtest: hvc0 input: typed into hvc0\n");
    assert_contains(res.out, "fvtest: all checks passed");
    RUN("--kernel", (char *)fvtest(), "--mem", "32", "--console", "virtio", "--rng");
    assert_int_equal(res.status, 0);
    assert_contains(res.out, "fvtest: cmdline: console=hvc0 reboot=k");
    assert_contains(res.out, "irq 6: virtio-console"); /* after the other devices */
    assert_contains(res.out, "fvtest: virtio-console ok");
}

/* ---- bad input: status 125 and one line naming the object ------------- */

static void assert_bad_input(const char *needle)
{
    assert_int_equal(res.status, 125);
    assert_contains(res.err, needle);
    assert_int_equal(count(res.err, "\n"), 1);
    assert_null(strstr(res.out, "fvtest:"));
}

static void bad_kernels(void **state)
{
    (void)state;
    char *text = temp_file("just some text, not a kernel\n", 8192);
    RUN("--kernel", text);
    assert_bad_input("neither a bzImage nor an ELF");
    RUN("--kernel", "/nonexistent/bzImage");
    assert_bad_input("/nonexistent/bzImage");
    /* A bzImage header from boot protocol 2.04: too old for a 64-bit boot. */
    char *old = temp_file(NULL, 8192);
    FILE *f = fopen(old, "r+b");
    assert_non_null(f);
    fseek(f, 0x1fe, SEEK_SET);
    fwrite("\x55\xaa\xeb\x66HdrS\x04\x02", 1, 10, f);
    fclose(f);
    RUN("--kernel", old);
    assert_bad_input("protocol 2.04 is older than 2.06");
    unlink(text);
    unlink(old);
}

static void bad_initrd_and_disks(void **state)
{
    (void)state;
    REQUIRE_KVM(); /* these get as far as loading into a VM's memory */
    char *big = temp_file(NULL, 40 << 20);
    RUN("--kernel", (char *)fvtest(), "--mem", "32", "--initrd", big);
    assert_bad_input("initrd");
    RUN("--kernel", (char *)fvtest(), "--disk", "/nonexistent/disk.img");
    assert_bad_input("/nonexistent/disk.img");
    char *odd = temp_file(NULL, 1000);
    RUN("--kernel", (char *)fvtest(), "--disk", odd);
    assert_bad_input("512");
    unlink(big);
    unlink(odd);
}

static void bad_options(void **state)
{
    (void)state;
    RUN("--kernel", (char *)fvtest(), "--cpus", "0");
    assert_bad_input("--cpus '0': out of range");
    RUN("--kernel", (char *)fvtest(), "--cpus", "999");
    assert_bad_input("--cpus '999': out of range");
    RUN("--kernel", (char *)fvtest(), "--mem", "5000");
    assert_bad_input("--mem '5000'");
    RUN("--kernel", (char *)fvtest(), "--cpu-template", "fancy");
    assert_bad_input("--cpu-template 'fancy': unknown");
    RUN("--kernel", (char *)fvtest(), "--frobnicate");
    assert_bad_input("unknown option '--frobnicate'");
    RUN("--kernel", (char *)fvtest(), "--console", "vga");
    assert_bad_input("--console 'vga': give serial or virtio");
    RUN("--kernel", (char *)fvtest(), "--control", "");
    assert_bad_input("--control '': give a socket path");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(boots_test_kernel_to_every_milestone),
        cmocka_unit_test(read_only_disk_refuses_writes),
        cmocka_unit_test(several_cpus_boot),
        cmocka_unit_test(unemulated_instruction_is_reported),
        cmocka_unit_test(reboot_restarts_until_timeout),
        cmocka_unit_test(serial_input_reaches_the_guest),
        cmocka_unit_test(virtio_console_carries_output_and_input),
        cmocka_unit_test(bad_kernels),
        cmocka_unit_test(bad_initrd_and_disks),
        cmocka_unit_test(bad_options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
