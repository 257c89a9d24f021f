/*
 * The host memory a PV domain costs in user space, without KVM: builds N
 * domains the way pv_domain_create does before it opens KVM objects (RAM,
 * hypervisor area, page tables, CPU tables, start_info, shared_info,
 * console, vCPU records) and loads a guest image into each, then reports
 * the growth of this process's RSS per domain. What KVM itself allocates
 * per VM and vCPU (kernel memory, not in RSS) comes on top: measure that
 * with bench/cell_bench.sh on a KVM host.
 *
 *   gcc -O2 -std=c11 -D_GNU_SOURCE -Isrc -Iinclude bench/domain_mem.c build/libmica-host.a \
 *       -lpthread ... -o build/bench/domain_mem
 *   build/bench/domain_mem build/guests/shell.elf 1000 4
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pv/domain.h"
#include "util/file.h"

static long rss_kib(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kib = -1;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
            break;
    if (f)
        fclose(f);
    return kib;
}

static void drop_output(void *ctx, const char *buf, size_t len) { (void)ctx, (void)buf, (void)len; }

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: %s GUEST.elf N MEM_MIB\n", argv[0]);
        return 2;
    }
    int n = atoi(argv[2]);
    uint64_t mib = strtoull(argv[3], NULL, 10);
    uint8_t *file;
    size_t size;
    char err[256];
    if (n < 1 || read_whole_file(argv[1], 64u << 20, &file, &size, err, sizeof err) < 0) {
        fprintf(stderr, "domain_mem: %s\n", n < 1 ? "N must be at least 1" : err);
        return 1;
    }
    struct pv_domain **doms = calloc((size_t)n, sizeof *doms);
    char *args[] = {"guest", NULL};
    long before = rss_kib();
    for (int i = 0; i < n; i++) {
        struct pv_image img;
        struct pv_domain_config cfg = {.name = "guest", .mem_mib = mib, .argc = 1, .argv = args,
                                       .console_sink = drop_output};
        struct guest_mem sizing = {.size = mib << 20};
        if (pv_elf_load(file, size, &sizing, &img, err, sizeof err) < 0 ||
            pv_domain_alloc(&doms[i], cfg.name, err, sizeof err) < 0 ||
            pv_domain_build_host(doms[i], &cfg, &img, err, sizeof err) < 0 ||
            pv_elf_load(file, size, &doms[i]->ram, &img, err, sizeof err) < 0) {
            fprintf(stderr, "domain_mem: domain %d: %s\n", i, err);
            return 1;
        }
    }
    long after = rss_kib();
    printf("%d domains of %llu MiB with %s: RSS +%ld KiB, %.1f KiB per domain (user space only)\n", n,
           (unsigned long long)mib, argv[1], after - before, (double)(after - before) / n);
    for (int i = 0; i < n; i++)
        pv_domain_destroy(doms[i]);
    free(doms);
    free(file);
    return 0;
}
