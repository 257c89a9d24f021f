/*
 * What confining a VM process costs (docs/security.md): a child forked and
 * reaped, with nothing else, with the seccomp filter installed, and with
 * the whole of `--jail` (confine_begin + confine_seal: keeper fork, PID,
 * mount, IPC, network, UTS and cgroup namespaces, pivot to an empty root,
 * limits, credentials, then the filter). Interleaved in one run; medians.
 * Needs root for the jail. Usage: confine_bench [RUNS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "run/confine.h"
#include "run/seccomp_filter.h"

static double now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static int nothing(void) { return 0; }

static int filter_only(void)
{
    char err[256];
    return seccomp_filter_install(err, sizeof err) < 0 ? 2 : 0;
}

static int whole_jail(void)
{
    struct confine_options o = {.jail = true};
    char err[256];
    if (confine_begin(&o, err, sizeof err) < 0 || confine_seal(err, sizeof err) < 0) {
        fprintf(stderr, "%s\n", err);
        return 3;
    }
    return 0;
}

static double cpu_us(const struct rusage *r)
{
    return (double)(r->ru_utime.tv_sec + r->ru_stime.tv_sec) * 1e6 +
           (double)(r->ru_utime.tv_usec + r->ru_stime.tv_usec);
}

/* One child doing body() then _exit, from fork to reaped: wall time, and
 * the CPU time of the child (its keeper's included: a machine shared with
 * other work stretches the first, hardly the second). */
static double one_run(int (*body)(void), double *cpu)
{
    double t0 = now_us();
    pid_t pid = fork();
    if (pid == 0)
        _exit(body());
    int st;
    struct rusage ru;
    wait4(pid, &st, 0, &ru);
    double t = now_us() - t0;
    *cpu = cpu_us(&ru);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        fprintf(stderr, "confine_bench: a child failed (status %#x)\n", st);
        exit(1);
    }
    return t;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, by_value);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv)
{
    int runs = argc > 1 ? atoi(argv[1]) : 30;
    if (runs < 1 || runs > 10000)
        runs = 30;
    struct {
        const char *name;
        int (*body)(void);
        double *t, *cpu;
    } cases[] = {{"fork + exit", nothing, NULL, NULL},
                 {"fork + seccomp filter + exit", filter_only, NULL, NULL},
                 {"fork + --jail (namespaces, root, limits, user, filter) + exit", whole_jail, NULL, NULL}};
    const int ncases = (int)(sizeof cases / sizeof *cases);
    double warm;
    for (int c = 0; c < ncases; c++) {
        cases[c].t = calloc((size_t)runs, sizeof(double));
        cases[c].cpu = calloc((size_t)runs, sizeof(double));
        one_run(cases[c].body, &warm); /* warm-up: page faults, NSS */
    }
    for (int i = 0; i < runs; i++)
        for (int c = 0; c < ncases; c++)
            cases[c].t[i] = one_run(cases[c].body, &cases[c].cpu[i]);
    double base = 0, base_cpu = 0;
    for (int c = 0; c < ncases; c++) {
        double m = median(cases[c].t, runs), mc = median(cases[c].cpu, runs);
        if (c == 0)
            base = m, base_cpu = mc;
        printf("%-62s median wall %8.1f us (+%8.1f), child CPU %7.1f us (+%7.1f); %d runs\n",
               cases[c].name, m, m - base, mc, mc - base_cpu, runs);
    }
    return 0;
}
