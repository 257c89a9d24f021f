/*
 * The slow test (off unless MICA_SLOW_TESTS=1): Debian's stock kernel
 * under `mica run --kernel`, with a busybox initramfs built here, watched on
 * the serial console for milestones within a budget (MICA_SLOW_BUDGET
 * seconds, default 900). It downloads ~72 MB once, with apt-get, through
 * tests/integration/fv_debian_fetch.sh. The kernel banner, the command line
 * and the memory map must appear; how much further it gets depends on the
 * host (see docs/fullvirt.md), and each milestone is printed with its time.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "support/run_cmd.h"
#include "support/test_text.h"

/* Outside build/: the Makefile includes every *.d file found there, and
 * Debian's packages hold directories with that suffix. */
static const char *work_dir(void)
{
    static char dir[512];
    if (getenv("MICA_DEBIAN_DIR"))
        return getenv("MICA_DEBIAN_DIR");
    if (getenv("XDG_CACHE_HOME"))
        snprintf(dir, sizeof dir, "%s/mica-debian", getenv("XDG_CACHE_HOME"));
    else
        snprintf(dir, sizeof dir, "%s/.cache/mica-debian", getenv("HOME") ? getenv("HOME") : "/tmp");
    return dir;
}

struct milestone {
    const char *what, *needle;
    bool required;
};

static const struct milestone milestones[] = {
    {"kernel banner", "Linux version 6.", true},
    {"command line", "Command line: ", true},
    {"memory map", "BIOS-e820: [mem 0x0000000000100000-", true},
    {"memory accounting", "Memory: ", false},
    {"SLUB allocator", "SLUB: ", false},
    {"x86 FPU setup", "x86/fpu: ", false},
    {"timer calibration", "Calibrating delay loop", false},
    {"SMP bring-up", "Total of 1 processors activated", false},
    {"clocksource kvm-clock", "Switched to clocksource kvm-clock", false},
    {"initramfs unpacking", "Trying to unpack rootfs image as initramfs", false},
    {"serial driver", "ttyS0 at I/O 0x3f8", false},
    {"initramfs handed over", "Freeing unused kernel", false},
    {"busybox init", "mica-initramfs: init running", false},
    {"userspace command", "mica-initramfs: uname says Linux", false},
};
#define NMILESTONES (sizeof milestones / sizeof *milestones)

/* ---- a newc cpio archive: /init, /bin/busybox, /dev/console ---------- */

static void cpio_entry(FILE *f, const char *name, unsigned mode, unsigned rmaj, unsigned rmin,
                       const void *data, size_t len)
{
    static unsigned ino = 1;
    size_t namesize = strlen(name) + 1;
    fprintf(f, "070701%08X%08X%08X%08X%08X%08X%08zX%08X%08X%08X%08X%08zX%08X", ino++, mode, 0, 0,
            1, 0, len, 0, 0, rmaj, rmin, namesize, 0);
    fwrite(name, 1, namesize, f);
    static const char zero[4];
    fwrite(zero, 1, (4 - (110 + namesize) % 4) % 4, f);
    if (len)
        fwrite(data, 1, len, f);
    fwrite(zero, 1, (4 - len % 4) % 4, f);
}

static const char init_script[] =
    "#!/bin/busybox sh\n"
    "/bin/busybox echo mica-initramfs: init running\n"
    "/bin/busybox mkdir -p /proc\n"
    "/bin/busybox mount -t proc proc /proc\n"
    "/bin/busybox echo mica-initramfs: uname says $(/bin/busybox uname -sr)\n"
    "/bin/busybox reboot -f\n";

static void build_initramfs(const char *busybox, const char *out)
{
    FILE *in = fopen(busybox, "rb");
    assert_non_null(in);
    static char bb[8 << 20];
    size_t n = fread(bb, 1, sizeof bb, in);
    fclose(in);
    assert_true(n > 0 && n < sizeof bb);
    FILE *f = fopen(out, "wb");
    assert_non_null(f);
    cpio_entry(f, "bin", 040755, 0, 0, NULL, 0);
    cpio_entry(f, "dev", 040755, 0, 0, NULL, 0);
    cpio_entry(f, "dev/console", 020600, 5, 1, NULL, 0);
    cpio_entry(f, "bin/busybox", 0100755, 0, 0, bb, n);
    cpio_entry(f, "init", 0100755, 0, 0, init_script, sizeof init_script - 1);
    cpio_entry(f, "TRAILER!!!", 0, 0, 0, NULL, 0);
    assert_int_equal(fclose(f), 0);
}

/* ---- fetching and watching ---------------------------------------------- */

static void fetch(char *kernel, char *busybox, size_t len)
{
    char *argv[] = {"tests/integration/fv_debian_fetch.sh", (char *)work_dir(), NULL};
    static struct cmd_result r;
    assert_int_equal(run_cmd(argv, NULL, 900, &r), 0);
    if (r.status != 0)
        fail_msg("fetching Debian's kernel failed (status %d):\n%s", r.status, r.err);
    const char *k = strstr(r.out, "KERNEL="), *b = strstr(r.out, "BUSYBOX=");
    assert_true(k && b);
    snprintf(kernel, len, "%.*s", (int)strcspn(k + 7, "\n"), k + 7);
    snprintf(busybox, len, "%.*s", (int)strcspn(b + 8, "\n"), b + 8);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return calloc(1, 1);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = calloc(1, (size_t)n + 1);
    if (s && n > 0 && fread(s, 1, (size_t)n, f) != (size_t)n)
        s[0] = 0;
    fclose(f);
    return s;
}

/* Polls the console log, noting when each milestone first shows. Returns
 * when mica exits or the budget is spent (then stops mica). */
static void watch(pid_t pid, const char *log, double budget, double *at, int *status)
{
    double t0 = now_s();
    *status = -1;
    for (;;) {
        int st;
        pid_t done = waitpid(pid, &st, WNOHANG);
        char *out = slurp(log);
        for (size_t i = 0; i < NMILESTONES; i++)
            if (at[i] < 0 && strstr(out, milestones[i].needle))
                at[i] = now_s() - t0;
        free(out);
        if (done == pid) {
            *status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
            return;
        }
        if (now_s() - t0 > budget) {
            kill(pid, SIGTERM);
            waitpid(pid, &st, 0);
            return;
        }
        usleep(250000);
    }
}

static void debian_kernel_boots(void **state)
{
    (void)state;
    if (!getenv("MICA_SLOW_TESTS") || strcmp(getenv("MICA_SLOW_TESTS"), "1")) {
        printf("skipped: the Debian kernel boot test takes minutes and downloads ~72 MB; "
               "set MICA_SLOW_TESTS=1 to run it\n");
        skip();
    }
    if (!kvm_available())
        skip();
    char kernel[1024], busybox[1024], initrd[1100], log[1100];
    fetch(kernel, busybox, sizeof kernel);
    snprintf(initrd, sizeof initrd, "%s/initramfs.cpio", work_dir());
    snprintf(log, sizeof log, "%s/console.log", work_dir());
    build_initramfs(busybox, initrd);
    double budget = getenv("MICA_SLOW_BUDGET") ? atof(getenv("MICA_SLOW_BUDGET")) : 900;
    char *argv[] = {(char *)mica(), "run", "--kernel", kernel, "--initrd", initrd, "--mem", "256",
                    "--stats", "--cmdline",
                    "console=ttyS0 earlyprintk=ttyS0 reboot=k panic=-1 pci=off rdinit=/init "
                    "cryptomgr.notests", NULL}; /* self-tests at CPL0 take minutes here */
    unlink(log); /* else the first poll may see the last run's log before the child truncates it */
    pid_t pid = spawn_cmd(argv, log);
    assert_true(pid > 0);
    double at[NMILESTONES];
    for (size_t i = 0; i < NMILESTONES; i++)
        at[i] = -1;
    int status;
    watch(pid, log, budget, at, &status);
    printf("Debian kernel %s under mica (budget %.0f s, console log in %s):\n", kernel, budget, log);
    for (size_t i = 0; i < NMILESTONES; i++)
        if (at[i] >= 0)
            printf("  %7.1f s  %s\n", at[i], milestones[i].what);
        else
            printf("  not reached  %s\n", milestones[i].what);
    char *out = slurp(log);
    const char *stop = strstr(out, "mica: guest stopped");
    printf("  mica %s%s", status < 0 ? "stopped at the budget\n" : "exited\n", stop ? stop : "");
    free(out);
    for (size_t i = 0; i < NMILESTONES; i++)
        if (milestones[i].required && at[i] < 0)
            fail_msg("milestone '%s' not reached within %.0f s", milestones[i].what, budget);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(debian_kernel_boots)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
