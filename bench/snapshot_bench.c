/*
 * Save, restore and clone of a PV domain (src/snap/), in one process,
 * against the release library; needs /dev/kvm. A 64 MiB domain of
 * counter.elf whose RAM is filled with a pattern (a guest that touched all
 * its memory) is, RUNS times each, interleaved:
 *   boot   - built fresh from its ELF (pv_domain_create): the baseline;
 *   save   - written to a snapshot file (fsync not included);
 *   restore- built from the file with its RAM read and checked;
 *   clone  - built from the file with its RAM mapped copy-on-write;
 * and for boot, restore and clone, the time to the guest's first exit
 * (its first hypercall: an upper bound on its first instruction). Then N
 * domains of each kind are held at once, each run to its first exit, and
 * the host memory they take is measured (MemAvailable and this process's
 * RSS). Medians in microseconds. Usage: snapshot_bench GUESTS DIR [RUNS] [N]
 * Without /dev/kvm (or with BENCH_HOST_ONLY=1) the same runs on KVM-less
 * domains (tests/support/pv_testbed.h): the host's share of each step,
 * natively, with no vCPU to save or enter.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../tests/support/pv_testbed.h"
#include "pv/domain.h"
#include "snap/pv_snap.h"

#define MIB 64u

static const char *guests, *dir;
static bool host_only;
static char image[512], snap_path[512];
static char *argv0[] = {"counter", "1000000", "1", NULL};

static double clock_us(clockid_t id)
{
    struct timespec t;
    clock_gettime(id, &t);
    return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static double now_us(void) { return clock_us(CLOCK_MONOTONIC); }

/* This thread's CPU time (user + system): what a step costs whatever else
 * the host runs meanwhile (the wall clock of a loaded host says little). */
static double cpu_us(void) { return clock_us(CLOCK_THREAD_CPUTIME_ID); }

static void die(const char *what, const char *err)
{
    fprintf(stderr, "snapshot_bench: %s: %s\n", what, err);
    exit(1);
}

static void sink(void *ctx, const char *buf, size_t len) { (void)ctx, (void)buf, (void)len; }

static struct pv_domain *boot(void)
{
    if (host_only)
        return testbed_domain(MIB);
    struct pv_domain_config cfg = {.name = "bench", .image_path = image, .mem_mib = MIB,
                                   .argc = 3, .argv = argv0, .console_sink = sink};
    struct pv_domain *d;
    char err[512];
    if (pv_domain_create(&d, &cfg, err, sizeof err) < 0)
        die("boot", err);
    return d;
}

static struct pv_domain *restore(bool map)
{
    int fd = open(snap_path, O_RDONLY | O_CLOEXEC);
    struct pv_snap_restore opt = {.name = map ? "clone" : "restored", .map_ram = map,
                                  .host_only = host_only, .console_sink = sink};
    struct pv_domain *d;
    char err[512];
    if (fd < 0 || pv_snap_restore(&d, fd, snap_path, &opt, err, sizeof err) < 0)
        die("restore", fd < 0 ? "cannot open the snapshot" : err);
    close(fd);
    return d;
}

/* Enters the guest until its first exit, which must be its first
 * hypercall (port I/O from the trampoline). */
static void first_exit(struct pv_domain *d)
{
    if (host_only)
        return;
    struct vcpu *cpu = &pv_domain_vcpu(d, 0)->cpu;
    if (vcpu_enter(cpu) < 0)
        die("first exit", "KVM_RUN failed");
    if (cpu->run->exit_reason != KVM_EXIT_IO) {
        char why[64];
        snprintf(why, sizeof why, "exit reason %u, not a hypercall", cpu->run->exit_reason);
        die("first exit", why);
    }
}

static void save(struct pv_domain *d)
{
    int fd = open(snap_path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    char err[512];
    if (fd < 0 || pv_snap_save(d, fd, snap_path, err, sizeof err) < 0)
        die("save", fd < 0 ? "cannot create the snapshot" : err);
    close(fd);
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static long meminfo_kib(const char *key)
{
    FILE *f = fopen("/proc/meminfo", "r");
    char line[256];
    long v = -1;
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, key, strlen(key)))
            v = strtol(line + strlen(key) + 1, NULL, 10);
    if (f)
        fclose(f);
    return v;
}

static long rss_kib(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long v = -1;
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "VmRSS:", 6))
            v = strtol(line + 6, NULL, 10);
    if (f)
        fclose(f);
    return v;
}

/* N domains of one kind held at once, each past its first exit. */
static void memory_of(const char *kind, int n, struct pv_domain *(*make)(bool), bool map)
{
    struct pv_domain **d = calloc((size_t)n, sizeof *d);
    long avail = meminfo_kib("MemAvailable"), rss = rss_kib();
    for (int i = 0; i < n; i++) {
        d[i] = make(map);
        first_exit(d[i]);
    }
    long used = avail - meminfo_kib("MemAvailable"), grown = rss_kib() - rss;
    printf("  %2d %-8s host memory %7.1f MiB (%.1f MiB each), RSS +%.1f MiB\n", n, kind,
           used / 1024.0, used / 1024.0 / n, grown / 1024.0);
    for (int i = 0; i < n; i++)
        pv_domain_destroy(d[i]);
    free(d);
}

static struct pv_domain *boot_any(bool map) { (void)map; return boot(); }

int main(int argc, char **argv)
{
    if (argc < 3)
        die("usage", "snapshot_bench GUESTS DIR [RUNS] [N]");
    guests = argv[1], dir = argv[2];
    int runs = argc > 3 ? atoi(argv[3]) : 9, n = argc > 4 ? atoi(argv[4]) : 10;
    snprintf(image, sizeof image, "%s/counter.elf", guests);
    snprintf(snap_path, sizeof snap_path, "%s/bench.snap", dir);
    vcpu_kick_signal_init();
    host_only = getenv("BENCH_HOST_ONLY") || access("/dev/kvm", R_OK | W_OK) != 0;
    struct pv_domain *model = boot();
    first_exit(model);
    /* A guest that touched all its memory: every page holds data. */
    for (uint64_t off = 0x400000; off < model->ram.size; off += 8)
        *(uint64_t *)(model->ram.host + off) = off * 0x9e3779b97f4a7c15ull;
    double *t[11];
    for (int k = 0; k < 11; k++)
        t[k] = calloc((size_t)runs, sizeof(double));
    for (int r = 0; r < runs; r++) {
        double a = now_us(), c = cpu_us();
        save(model);
        t[0][r] = now_us() - a;
        t[7][r] = cpu_us() - c;
        struct pv_domain *(*make[3])(bool) = {boot_any, restore, restore};
        bool maps[3] = {false, false, true};
        for (int k = 0; k < 3; k++) {
            a = now_us(), c = cpu_us();
            struct pv_domain *d = make[k](maps[k]);
            double built = now_us();
            first_exit(d);
            t[1 + k][r] = built - a;
            t[4 + k][r] = now_us() - a;
            t[8 + k][r] = cpu_us() - c;
            pv_domain_destroy(d);
        }
    }
    struct stat st;
    stat(snap_path, &st);
    printf("PV domain of %u MiB, all of its RAM written; %d runs, medians%s:\n", MIB, runs,
           host_only ? " (no KVM: the host's share only, no vCPU)" : "");
    printf("  save to a file         wall %9.0f us, cpu %9.0f us (file %lld bytes, %lld on disk)\n",
           median(t[0], runs), median(t[7], runs), (long long)st.st_size,
           (long long)st.st_blocks * 512);
    static const char *const names[3] = {"boot (baseline)", "restore (RAM read)", "clone (RAM mapped)"};
    for (int k = 0; k < 3; k++)
        printf("  %-22s wall: build %9.0f us, to first exit %9.0f us; cpu to first exit %9.0f us\n",
               names[k], median(t[1 + k], runs), median(t[4 + k], runs), median(t[8 + k], runs));
    memory_of("fresh", n, boot_any, false);
    memory_of("restored", n, restore, false);
    memory_of("clones", n, restore, true);
    pv_domain_destroy(model);
    unlink(snap_path);
    return 0;
}
