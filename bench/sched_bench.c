/*
 * Scheduling policy cost: picks per second of BVT against round robin,
 * each with 10,000 vCPUs in one policy, on a simulated clock (no threads,
 * no KVM): pick, charge the run, then requeue it (9 in 10) or put it to
 * sleep and wake a sleeping one (1 in 10), so wake-ups with their SVT
 * rule are part of the mix. Medians of RUNS runs; the ratio is from the
 * same run.
 *   bench/sched_bench [RUNS] [VCPUS] [PICKS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "sched/bvt.h"
#include "sched/policy.h"
#include "sched/round_robin.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* One run: picks per second. */
static double picks_per_s(const struct sched_ops *ops, struct sched_unit *units, int n, long picks)
{
    struct sched_policy p;
    if (sched_policy_init(&p, ops, NULL))
        exit(2);
    for (int i = 0; i < n; i++) {
        units[i] = (struct sched_unit){0};
        struct sched_params params = sched_params_default();
        params.weight = (uint32_t)(50 + i % 8 * 50);
        if (i % 100 == 0) { /* a few latency-sensitive ones */
            params.warp_ns = 10000000;
            params.warp_limit_ns = 1000000;
            params.unwarp_ns = 5000000;
        }
        if (sched_insert(&p, &units[i], &params))
            exit(2);
    }
    uint64_t now = 0;
    for (int i = 0; i < n; i++)
        if (i % 10)
            sched_wake(&p, &units[i], now);
    unsigned seed = 1;
    double t0 = now_s();
    for (long k = 0; k < picks; k++) {
        struct sched_pick pick = sched_pick_next(&p, now);
        if (!pick.unit)
            exit(3);
        uint64_t ran = pick.slice_ns / 2 + (uint64_t)(rand_r(&seed) % 1000);
        now += ran;
        sched_charge(&p, pick.unit, ran, now);
        if (rand_r(&seed) % 10) {
            sched_requeue(&p, pick.unit, now);
            continue;
        }
        sched_sleep(&p, pick.unit, now);
        for (int tries = 0; tries < 64; tries++) { /* wake some sleeper */
            struct sched_unit *u = &units[rand_r(&seed) % n];
            if (u->state == SCHED_ASLEEP && u != pick.unit) {
                sched_wake(&p, u, now);
                break;
            }
        }
    }
    double elapsed = now_s() - t0;
    for (int i = 0; i < n; i++) {
        if (units[i].state == SCHED_RUNNING)
            sched_requeue(&p, &units[i], now);
        sched_remove(&p, &units[i]);
    }
    sched_policy_destroy(&p);
    return (double)picks / elapsed;
}

int main(int argc, char **argv)
{
    int runs = argc > 1 ? atoi(argv[1]) : 7;
    int n = argc > 2 ? atoi(argv[2]) : 10000;
    long picks = argc > 3 ? atol(argv[3]) : 1000000;
    if (runs < 1 || runs > 100 || n < 2 || n > 1000000 || picks < 1)
        return 2;
    struct sched_unit *units = calloc((size_t)n, sizeof *units);
    double *bvt = calloc((size_t)runs, sizeof *bvt), *rr = calloc((size_t)runs, sizeof *rr);
    if (!units || !bvt || !rr)
        return 2;
    for (int r = 0; r < runs; r++) { /* interleaved, so drifts hit both alike */
        bvt[r] = picks_per_s(&bvt_ops, units, n, picks);
        rr[r] = picks_per_s(&round_robin_ops, units, n, picks);
    }
    qsort(bvt, (size_t)runs, sizeof *bvt, cmp);
    qsort(rr, (size_t)runs, sizeof *rr, cmp);
    double mb = bvt[runs / 2], mr = rr[runs / 2];
    printf("sched: %d vCPUs, %ld picks per run, median of %d runs\n", n, picks, runs);
    printf("  bvt          %10.0f picks/s  (%.0f ns per pick+charge+requeue)\n", mb, 1e9 / mb);
    printf("  round-robin  %10.0f picks/s  (%.0f ns)\n", mr, 1e9 / mr);
    printf("  bvt / round-robin: %.2f\n", mb / mr);
    free(units), free(bvt), free(rr);
    return 0;
}
