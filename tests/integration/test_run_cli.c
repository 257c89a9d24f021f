/* The `mica` binary's own answers that need no KVM: help, version, exit
 * statuses, and images refused before /dev/kvm is opened (issue 13). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "support/run_cmd.h"

static struct cmd_result res;

static const char *mica(void) { return getenv("MICA") ? getenv("MICA") : "build/test/mica"; }

#define RUN(...)                                                                                   \
    do {                                                                                           \
        char *argv_[] = {(char *)mica(), __VA_ARGS__, NULL};                                       \
        assert_int_equal(run_cmd(argv_, NULL, 60, &res), 0);                                       \
        assert_false(res.timed_out);                                                               \
    } while (0)

#define EXPECT(want, stream, text)                                                                  \
    do {                                                                                           \
        if (res.status != (want) || !strstr(res.stream, text))                                     \
            fail_msg("status %d, stdout '%s', stderr '%s'", res.status, res.out, res.err);        \
    } while (0)

static void help_and_version(void **state)
{
    (void)state;
    RUN("--version");
    EXPECT(0, out, "mica ");
    RUN("--help");
    EXPECT(0, out, "exit status, the same for every command");
    RUN("run", "--help");
    EXPECT(0, out, "--cpu-template");
    EXPECT(0, out, "--console serial|virtio");
    EXPECT(0, out, "usage: mica run [GUEST.elf]");
    RUN("start", "--help");
    EXPECT(0, out, "usage: mica start NAME");
    RUN("create", "--help");
    EXPECT(0, out, "usage: mica create NAME GUEST");
    RUN("frob");
    EXPECT(125, err, "unknown command 'frob'");
    RUN("start");
    EXPECT(125, err, "usage: mica start NAME");
}

/* A kernel given as a PV guest: say to use --kernel, status 125 (9). */
static void kernel_without_dash_kernel(void **state)
{
    (void)state;
    char fvtest[512];
    snprintf(fvtest, sizeof fvtest, "%s/fvtest.elf", getenv("GUESTS") ? getenv("GUESTS") : "build/guests");
    RUN("run", fvtest);
    EXPECT(125, err, "boot it with 'mica run --kernel");
    char path[] = "/tmp/mica-test-bz-XXXXXX";
    int fd = mkstemp(path);
    unsigned char bz[1024] = {0};
    bz[0x1fe] = 0x55;
    bz[0x1ff] = 0xaa;
    memcpy(bz + 0x202, "HdrS", 4);
    assert_int_equal(write(fd, bz, sizeof bz), (ssize_t)sizeof bz);
    close(fd);
    RUN("run", path);
    EXPECT(125, err, "looks like a Linux bzImage");
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(help_and_version),
        cmocka_unit_test(kernel_without_dash_kernel),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
