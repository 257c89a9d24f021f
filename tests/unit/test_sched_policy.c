/* The scheduling policies on a simulated clock, no threads and no KVM:
 * Borrowed Virtual Time (shares follow weights, warp latency, warp limit
 * and unwarp requirement, no credit for sleepers, SVT monotone, hostile
 * parameters refused), the round-robin policy, the state checks every
 * policy call goes through, and the heap both BVT and the dispatcher use. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sched/bvt.h"
#include "sched/policy.h"
#include "sched/round_robin.h"
#include "util/min_heap.h"

#define MS 1000000ull
#define US 1000ull
#define MAX_UNITS 8

struct sim {
    struct sched_policy p;
    struct sched_unit u[MAX_UNITS];
    uint64_t ran[MAX_UNITS];
    int n;
    uint64_t now;
};

static int index_of(struct sim *s, struct sched_unit *u) { return (int)(u - s->u); }

static void sim_init(struct sim *s, const struct sched_ops *ops)
{
    memset(s, 0, sizeof *s);
    assert_int_equal(sched_policy_init(&s->p, ops, NULL), 0);
}

static int sim_add(struct sim *s, uint32_t weight, uint64_t warp, uint64_t limit, uint64_t unwarp)
{
    struct sched_params params = {.weight = weight, .warp_ns = warp, .warp_limit_ns = limit, .unwarp_ns = unwarp};
    assert_int_equal(sched_insert(&s->p, &s->u[s->n], &params), 0);
    return s->n++;
}

static void sim_end(struct sim *s)
{
    for (int i = 0; i < s->n; i++) {
        if (s->u[i].state == SCHED_RUNNING)
            sched_requeue(&s->p, &s->u[i], s->now);
        assert_int_equal(sched_remove(&s->p, &s->u[i]), 0);
    }
    sched_policy_destroy(&s->p);
}

/* Picks one unit and runs it its whole slice (at most `cap`); returns it. */
static int sim_step(struct sim *s, uint64_t cap)
{
    struct sched_pick pick = sched_pick_next(&s->p, s->now);
    assert_non_null(pick.unit);
    assert_true(pick.slice_ns > 0 && pick.slice_ns <= s->p.config.max_slice_ns);
    uint64_t ran = pick.slice_ns < cap ? pick.slice_ns : cap;
    s->now += ran;
    int i = index_of(s, pick.unit);
    s->ran[i] += ran;
    assert_int_equal(sched_charge(&s->p, pick.unit, ran, s->now), 0);
    assert_int_equal(sched_requeue(&s->p, pick.unit, s->now), 0);
    return i;
}

/* Every unit runnable, CPU-bound, for `duration` of simulated time. */
static void sim_run(struct sim *s, uint64_t duration)
{
    uint64_t end = s->now + duration;
    for (int steps = 0; s->now < end && steps < 10000000; steps++)
        sim_step(s, UINT64_MAX);
}

static uint64_t total_ran(struct sim *s)
{
    uint64_t t = 0;
    for (int i = 0; i < s->n; i++)
        t += s->ran[i];
    return t;
}

static void bvt_shares_follow_weights(void **state)
{
    (void)state;
    static struct sim s;
    sim_init(&s, &bvt_ops);
    uint32_t weights[] = {100, 200, 400};
    for (int i = 0; i < 3; i++)
        sched_wake(&s.p, &s.u[sim_add(&s, weights[i], 0, 0, 0)], 0);
    sim_run(&s, 10000 * MS);
    double total = (double)total_ran(&s);
    for (int i = 0; i < 3; i++) {
        double share = s.ran[i] / total, want = weights[i] / 700.0;
        assert_true(share > want * 0.97 && share < want * 1.03);
    }
    sim_end(&s);
}

/* A unit whose weight changes at run time gets the new share from then on. */
static void bvt_weight_change_moves_share(void **state)
{
    (void)state;
    static struct sim s;
    sim_init(&s, &bvt_ops);
    int a = sim_add(&s, 100, 0, 0, 0), b = sim_add(&s, 100, 0, 0, 0);
    sched_wake(&s.p, &s.u[a], 0);
    sched_wake(&s.p, &s.u[b], 0);
    sim_run(&s, 1000 * MS);
    struct sched_params params = sched_params_default();
    params.weight = 300;
    assert_int_equal(sched_set_params(&s.p, &s.u[b], &params, s.now), 0);
    uint64_t before_a = s.ran[a], before_b = s.ran[b];
    sim_run(&s, 4000 * MS);
    double share_b = (double)(s.ran[b] - before_b) / (double)(s.ran[a] - before_a + s.ran[b] - before_b);
    assert_true(share_b > 0.75 * 0.97 && share_b < 0.75 * 1.03);
    struct sched_params got;
    sched_get_params(&s.p, &s.u[b], &got);
    assert_int_equal(got.weight, 300);
    sim_end(&s);
}

/* The scenario of the warp tests: three CPU-bound units; the third has
 * just had its turn (so its A is ahead of the others') when it sleeps, and
 * wakes 1 ms later while the next one runs. Returns the running one. */
static struct sched_pick wake_among_busy(struct sim *s, int sleeper)
{
    sim_run(s, 500 * MS);
    for (int i = 0; i < 10 && sim_step(s, UINT64_MAX) != sleeper; i++)
        ;
    assert_int_equal(sched_sleep(&s->p, &s->u[sleeper], s->now), 0);
    struct sched_pick running = sched_pick_next(&s->p, s->now);
    s->now += 1 * MS;
    sched_wake(&s->p, &s->u[sleeper], s->now);
    return running;
}

static void bvt_warp_gives_low_latency_on_wake(void **state)
{
    (void)state;
    static struct sim s;
    for (int warped = 0; warped < 2; warped++) {
        sim_init(&s, &bvt_ops);
        sched_wake(&s.p, &s.u[sim_add(&s, 100, 0, 0, 0)], 0);
        sched_wake(&s.p, &s.u[sim_add(&s, 100, 0, 0, 0)], 0);
        int w = warped ? sim_add(&s, 100, 50 * MS, 2 * MS, 20 * MS) : sim_add(&s, 100, 0, 0, 0);
        sched_wake(&s.p, &s.u[w], 0);
        struct sched_pick running = wake_among_busy(&s, w);
        uint64_t since = s.now - 1 * MS;
        uint64_t at = sched_preempt_at(&s.p, &s.u[w], running.unit, since, s.now);
        struct sched_info info;
        sched_get_info(&s.p, &s.u[w], &info);
        if (warped) {
            /* Dispatched at once: it preempts, and it is the next pick. */
            assert_true(info.warping);
            assert_int_equal(at, s.now);
            sched_charge(&s.p, running.unit, 1 * MS, s.now);
            sched_requeue(&s.p, running.unit, s.now);
            struct sched_pick next = sched_pick_next(&s.p, s.now);
            assert_ptr_equal(next.unit, &s.u[w]);
            assert_true(next.slice_ns <= 2 * MS);
            sched_charge(&s.p, next.unit, 0, s.now);
            sched_requeue(&s.p, next.unit, s.now);
        } else {
            /* Waits until the running one has had its allowance. */
            assert_false(info.warping);
            assert_true(at > s.now);
            sched_charge(&s.p, running.unit, 1 * MS, s.now);
            sched_requeue(&s.p, running.unit, s.now);
        }
        sim_end(&s);
    }
}

static void bvt_warp_ends_at_its_limit(void **state)
{
    (void)state;
    static struct sim s;
    sim_init(&s, &bvt_ops);
    int a = sim_add(&s, 100, 0, 0, 0);
    int w = sim_add(&s, 100, 100 * MS, 3 * MS, 10 * MS); /* CPU-bound and warping */
    sched_wake(&s.p, &s.u[a], 0);
    sim_run(&s, 100 * MS);
    sched_wake(&s.p, &s.u[w], s.now);
    /* While warped it runs, but never more than L in all. */
    uint64_t warped_run = 0;
    struct sched_info info;
    for (int i = 0; i < 100; i++) {
        sched_get_info(&s.p, &s.u[w], &info);
        if (!info.warping)
            break;
        uint64_t before = s.ran[w];
        assert_int_equal(sim_step(&s, 1 * MS), w); /* runs in pieces of 1 ms at most */
        warped_run += s.ran[w] - before;
    }
    assert_false(info.warping);
    assert_int_equal(warped_run, 3 * MS);
    /* Its warp bought it latency, not CPU: from here on it takes no more
     * than its even share. */
    uint64_t ra = s.ran[a], rw = s.ran[w];
    sim_run(&s, 1000 * MS);
    double share_w = (double)(s.ran[w] - rw) / (double)(s.ran[w] - rw + s.ran[a] - ra);
    assert_true(share_w < 0.5 * 1.03);
    sim_end(&s);
}

static void bvt_unwarp_requirement_holds(void **state)
{
    (void)state;
    static struct sim s;
    sim_init(&s, &bvt_ops);
    int w = sim_add(&s, 100, 50 * MS, 2 * MS, 10 * MS);
    struct sched_info info;
    sched_wake(&s.p, &s.u[w], s.now);
    sched_get_info(&s.p, &s.u[w], &info);
    assert_true(info.warping);
    struct sched_pick pick = sched_pick_next(&s.p, s.now);
    s.now += 1 * MS;
    sched_charge(&s.p, pick.unit, 1 * MS, s.now);
    sched_sleep(&s.p, pick.unit, s.now); /* the warp ends when it sleeps */
    sched_get_info(&s.p, &s.u[w], &info);
    assert_false(info.warping);
    uint64_t ended = s.now;
    /* Woken again before U has passed: no warp. */
    s.now = ended + 10 * MS - 1;
    sched_wake(&s.p, &s.u[w], s.now);
    sched_get_info(&s.p, &s.u[w], &info);
    assert_false(info.warping);
    sched_sleep(&s.p, &s.u[w], s.now);
    /* U after the end (the early wake-up did not warp, so it does not
     * restart the wait): warps again. */
    s.now = ended + 10 * MS;
    sched_wake(&s.p, &s.u[w], s.now);
    sched_get_info(&s.p, &s.u[w], &info);
    assert_true(info.warping);
    assert_int_equal(info.evt, (int64_t)info.avt - (int64_t)(50 * MS));
    sim_end(&s);
}

static void bvt_sleeper_banks_no_credit(void **state)
{
    (void)state;
    static struct sim s;
    sim_init(&s, &bvt_ops);
    int a = sim_add(&s, 100, 0, 0, 0), b = sim_add(&s, 100, 0, 0, 0);
    sched_wake(&s.p, &s.u[a], 0);
    sim_run(&s, 2000 * MS); /* b sleeps for 2 s while a runs */
    struct sched_info ia, ib;
    sched_get_info(&s.p, &s.u[a], &ia);
    sched_wake(&s.p, &s.u[b], s.now);
    sched_get_info(&s.p, &s.u[b], &ib);
    uint64_t c = s.p.config.ctx_allow_ns;
    assert_true(ib.avt + c >= ib.svt);
    assert_true(ib.svt >= ia.avt);
    /* It does not take the CPU for its 2 s of sleep: over the next 100 ms
     * it gets its half plus at most the allowance. */
    uint64_t rb = s.ran[b];
    sim_run(&s, 100 * MS);
    assert_true(s.ran[b] - rb <= 50 * MS + c + s.p.config.max_slice_ns);
    sim_end(&s);
}

static void bvt_svt_is_monotone(void **state)
{
    (void)state;
    static struct sim s;
    sim_init(&s, &bvt_ops);
    for (int i = 0; i < 6; i++) {
        sim_add(&s, (uint32_t)(50 + 70 * i), i % 2 ? 20 * MS : 0, 1 * MS, 5 * MS);
        sched_wake(&s.p, &s.u[i], 0);
    }
    uint64_t last = 0;
    unsigned seed = 7;
    for (int step = 0; step < 20000; step++) {
        struct sched_pick pick = sched_pick_next(&s.p, s.now);
        if (pick.unit) {
            uint64_t ran = (uint64_t)(rand_r(&seed) % 1000 + 1) * US;
            if (ran > pick.slice_ns)
                ran = pick.slice_ns;
            s.now += ran;
            sched_charge(&s.p, pick.unit, ran, s.now);
            if (rand_r(&seed) % 3 == 0)
                sched_sleep(&s.p, pick.unit, s.now);
            else
                sched_requeue(&s.p, pick.unit, s.now);
        } else {
            s.now += 1 * MS;
        }
        int i = rand_r(&seed) % s.n;
        if (s.u[i].state == SCHED_ASLEEP)
            sched_wake(&s.p, &s.u[i], s.now);
        struct sched_info info;
        sched_get_info(&s.p, &s.u[0], &info);
        assert_true(info.svt >= last);
        last = info.svt;
    }
    assert_true(last > 0);
    sim_end(&s);
}

static void bvt_refuses_hostile_params(void **state)
{
    (void)state;
    static struct sim s;
    sim_init(&s, &bvt_ops);
    struct sched_params bad[] = {
        {.weight = 0},
        {.weight = SCHED_WEIGHT_MAX + 1},
        {.weight = UINT32_MAX},
        {.weight = 100, .warp_ns = SCHED_WARP_MAX_NS + 1, .warp_limit_ns = MS},
        {.weight = 100, .warp_ns = UINT64_MAX, .warp_limit_ns = MS},
        {.weight = 100, .warp_ns = MS}, /* a warp with no limit */
        {.weight = 100, .warp_ns = MS, .warp_limit_ns = SCHED_WARP_LIMIT_MAX_NS + 1},
        {.weight = 100, .unwarp_ns = UINT64_MAX},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct sched_unit u = {0};
        assert_int_equal(sched_insert(&s.p, &u, &bad[i]), -EINVAL);
    }
    int a = sim_add(&s, 100, 0, 0, 0);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(sched_set_params(&s.p, &s.u[a], &bad[i], 0), -EINVAL);
    struct sched_params got;
    sched_get_params(&s.p, &s.u[a], &got);
    assert_int_equal(got.weight, 100);
    /* The extremes that are allowed do not overflow: weight 1 charged
     * for an absurd run, against weight max. */
    int b = sim_add(&s, 1, SCHED_WARP_MAX_NS, SCHED_WARP_LIMIT_MAX_NS, SCHED_UNWARP_MAX_NS);
    int c = sim_add(&s, SCHED_WEIGHT_MAX, 0, 0, 0);
    sched_wake(&s.p, &s.u[b], 0);
    sched_wake(&s.p, &s.u[c], 0);
    struct sched_pick pick = sched_pick_next(&s.p, 0);
    assert_ptr_equal(pick.unit, &s.u[b]); /* warped */
    sched_charge(&s.p, pick.unit, UINT64_MAX, UINT64_MAX / 2);
    sched_requeue(&s.p, pick.unit, UINT64_MAX / 2);
    struct sched_info info;
    sched_get_info(&s.p, &s.u[b], &info);
    assert_int_equal(info.avt, BVT_AVT_MAX);
    assert_int_equal(info.run_ns, UINT64_MAX);
    assert_false(info.warping);
    pick = sched_pick_next(&s.p, UINT64_MAX / 2);
    assert_ptr_equal(pick.unit, &s.u[c]);
    sched_requeue(&s.p, pick.unit, UINT64_MAX / 2);
    s.n = 3;
    sim_end(&s);
    /* Policy-wide settings out of range. */
    struct sched_policy p;
    struct sched_config cfgs[] = {
        {.max_slice_ns = 0, .ctx_allow_ns = 0, .mcu_ns = 1000},
        {.max_slice_ns = SCHED_MAX_SLICE_NS + 1, .ctx_allow_ns = 0, .mcu_ns = 1000},
        {.max_slice_ns = 10 * MS, .ctx_allow_ns = 10 * MS, .mcu_ns = 1000},
        {.max_slice_ns = 10 * MS, .ctx_allow_ns = 1 * MS, .mcu_ns = 1},
        {.max_slice_ns = 10 * MS, .ctx_allow_ns = 1 * MS, .mcu_ns = 11 * MS},
    };
    for (size_t i = 0; i < sizeof cfgs / sizeof cfgs[0]; i++)
        assert_int_equal(sched_policy_init(&p, &bvt_ops, &cfgs[i]), -EINVAL);
}

static void policy_calls_are_checked_against_state(void **state)
{
    (void)state;
    static struct sim s;
    sim_init(&s, &bvt_ops);
    int a = sim_add(&s, 100, 0, 0, 0);
    struct sched_unit *u = &s.u[a];
    assert_int_equal(sched_insert(&s.p, u, NULL), -EINVAL); /* twice */
    assert_int_equal(sched_charge(&s.p, u, 1, 0), -EINVAL); /* asleep */
    assert_int_equal(sched_requeue(&s.p, u, 0), -EINVAL);
    assert_int_equal(sched_sleep(&s.p, u, 0), -EINVAL);
    assert_null(sched_pick_next(&s.p, 0).unit);
    assert_int_equal(sched_wake(&s.p, u, 0), 0);
    assert_int_equal(sched_wake(&s.p, u, 0), -EALREADY);
    assert_ptr_equal(sched_pick_next(&s.p, 0).unit, u);
    assert_int_equal(sched_remove(&s.p, u), -EBUSY);
    assert_int_equal(sched_wake(&s.p, u, 0), -EALREADY);
    assert_int_equal(sched_sleep(&s.p, u, 0), 0);
    assert_int_equal(sched_wake(&s.p, u, 0), 0);
    assert_int_equal(sched_remove(&s.p, u), 0); /* queued: taken out of the queue */
    assert_null(sched_pick_next(&s.p, 0).unit);
    struct sched_unit never = {0};
    assert_int_equal(sched_wake(&s.p, &never, 0), -EINVAL);
    s.n = 0;
    sim_end(&s);
}

static void round_robin_takes_turns(void **state)
{
    (void)state;
    static struct sim s;
    sim_init(&s, &round_robin_ops);
    for (int i = 0; i < 3; i++)
        sched_wake(&s.p, &s.u[sim_add(&s, (uint32_t)(100 << i), 0, 0, 0)], 0);
    for (int round = 0; round < 4; round++)
        for (int i = 0; i < 3; i++)
            assert_int_equal(sim_step(&s, UINT64_MAX), i);
    /* Weights are kept but do not change the shares. */
    assert_int_equal(s.ran[0], s.ran[2]);
    assert_int_equal(s.ran[0], 4 * s.p.config.max_slice_ns);
    struct sched_params got;
    sched_get_params(&s.p, &s.u[2], &got);
    assert_int_equal(got.weight, 400);
    /* A sleeper leaves the turn, a woken one joins at the end. */
    struct sched_pick pick = sched_pick_next(&s.p, s.now);
    assert_ptr_equal(pick.unit, &s.u[0]);
    sched_sleep(&s.p, pick.unit, s.now);
    assert_int_equal(sim_step(&s, UINT64_MAX), 1);
    sched_wake(&s.p, &s.u[0], s.now);
    assert_int_equal(sim_step(&s, UINT64_MAX), 2);
    assert_int_equal(sim_step(&s, UINT64_MAX), 1);
    assert_int_equal(sim_step(&s, UINT64_MAX), 0);
    assert_int_equal(sched_preempt_at(&s.p, &s.u[0], &s.u[1], 0, 0), UINT64_MAX);
    struct sched_params zero = {0};
    assert_int_equal(sched_set_params(&s.p, &s.u[1], &zero, 0), -EINVAL);
    sim_end(&s);
}

struct item {
    struct min_heap_node node;
    int id;
};

static void min_heap_orders_and_removes(void **state)
{
    (void)state;
    enum { N = 500 };
    static struct item items[N];
    struct min_heap h;
    min_heap_init(&h, N);
    unsigned seed = 3;
    for (int i = 0; i < N; i++) {
        items[i].id = i;
        min_heap_node_init(&items[i].node);
        assert_int_equal(min_heap_insert(&h, &items[i].node, (uint64_t)(rand_r(&seed) % 50)), 0);
    }
    assert_int_equal(min_heap_insert(&h, &items[0].node, 1), -EEXIST);
    struct item extra;
    min_heap_node_init(&extra.node);
    assert_int_equal(min_heap_insert(&h, &extra.node, 1), -ENOSPC);
    for (int i = 0; i < N; i += 3)
        min_heap_remove(&h, &items[i].node);
    for (int i = 1; i < N; i += 7)
        min_heap_rekey(&h, &items[i].node, 25);
    uint64_t last_key = 0;
    int last_id = -1, count = 0;
    for (struct min_heap_node *n; (n = min_heap_pop(&h)) != NULL; count++) {
        struct item *it = (struct item *)((char *)n - offsetof(struct item, node));
        assert_true(n->key >= last_key);
        if (n->key != last_key)
            last_id = -1;
        /* Equal keys come out in insertion order: ids rise, except for the
         * rekeyed ones, which count as inserted when rekeyed. */
        if (n->key != 25)
            assert_true(it->id > last_id);
        last_key = n->key;
        last_id = it->id;
        assert_false(min_heap_contains(n));
    }
    assert_int_equal(count, N - (N + 2) / 3);
    min_heap_destroy(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bvt_shares_follow_weights),
        cmocka_unit_test(bvt_weight_change_moves_share),
        cmocka_unit_test(bvt_warp_gives_low_latency_on_wake),
        cmocka_unit_test(bvt_warp_ends_at_its_limit),
        cmocka_unit_test(bvt_unwarp_requirement_holds),
        cmocka_unit_test(bvt_sleeper_banks_no_credit),
        cmocka_unit_test(bvt_svt_is_monotone),
        cmocka_unit_test(bvt_refuses_hostile_params),
        cmocka_unit_test(policy_calls_are_checked_against_state),
        cmocka_unit_test(round_robin_takes_turns),
        cmocka_unit_test(min_heap_orders_and_removes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
