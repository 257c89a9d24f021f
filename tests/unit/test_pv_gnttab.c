/* Grant tables on domains without KVM: grant, revoke (refused while a back
 * end holds the grant), grant copy by a guest and by a back end in mica,
 * and every way a reference can be wrong. Then the ping-pong of issue 8 at
 * unit level: two domains exchange events over an interdomain channel and
 * data through grant copies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "support/pv_ops.h"

#define FRAME 0x150u                   /* a's frame it grants       */
#define FRAME_GPA ((uint64_t)FRAME * PV_PAGE)
#define BUF 0x180000ull                /* b's own buffer            */

static void grant_then_copy_both_ways(void **state)
{
    (void)state;
    long ref = ops_grant(a, id(b), FRAME, 0);
    assert_true(ref >= 0);
    memcpy(a->ram.host + FRAME_GPA + 100, "from a", 6);
    assert_int_equal(ops_copy(b, id(a), (mica_grant_ref_t)ref, 100, 6, BUF, 0), 0);
    assert_memory_equal(b->ram.host + BUF, "from a", 6);
    memcpy(b->ram.host + BUF, "from b", 6);
    assert_int_equal(ops_copy(b, id(a), (mica_grant_ref_t)ref, 4090, 6, BUF, MICA_GNTCOPY_TO_GRANT), 0);
    assert_memory_equal(a->ram.host + FRAME_GPA + 4090, "from b", 6);
    assert_int_equal(ops_revoke(a, (mica_grant_ref_t)ref), 0);
    assert_int_equal(ops_copy(b, id(a), (mica_grant_ref_t)ref, 0, 6, BUF, 0), -MICA_EINVAL);
    assert_int_equal(ops_revoke(a, (mica_grant_ref_t)ref), -MICA_EINVAL); /* twice */
}

static void read_only_is_honoured(void **state)
{
    (void)state;
    long ref = ops_grant(a, id(b), FRAME, MICA_GNT_READONLY);
    memset(a->ram.host + FRAME_GPA, 'a', PV_PAGE);
    memset(b->ram.host + BUF, 'b', PV_PAGE);
    assert_int_equal(ops_copy(b, id(a), (mica_grant_ref_t)ref, 0, 16, BUF, MICA_GNTCOPY_TO_GRANT),
                     -MICA_EPERM);
    assert_int_equal(a->ram.host[FRAME_GPA], 'a');
    assert_int_equal(ops_copy(b, id(a), (mica_grant_ref_t)ref, 0, (uint32_t)PV_PAGE, BUF, 0), 0);
    assert_int_equal(b->ram.host[BUF + PV_PAGE - 1], 'a');
    char buf[16];
    assert_int_equal(pv_gnttab_copy(a, (mica_grant_ref_t)ref, 0, buf, sizeof buf, false), -MICA_EPERM);
    long mine = ops_grant(a, MICA_DOMID_MICA, FRAME, MICA_GNT_READONLY);
    assert_int_equal(pv_gnttab_copy(a, (mica_grant_ref_t)mine, 0, buf, sizeof buf, true), -MICA_EPERM);
    assert_int_equal(pv_gnttab_hold(a, (mica_grant_ref_t)mine, true), -MICA_EPERM);
    assert_int_equal(pv_gnttab_copy(a, (mica_grant_ref_t)mine, 0, buf, sizeof buf, false), 0);
    assert_memory_equal(buf, "aaaaaaaaaaaaaaaa", 16);
}

static void wrong_domain_and_bad_refs(void **state)
{
    (void)state;
    struct pv_domain *c = testbed_domain(2);
    long ref = ops_grant(a, id(b), FRAME, 0);
    assert_int_equal(ops_copy(c, id(a), (mica_grant_ref_t)ref, 0, 8, BUF, 0), -MICA_EPERM);
    assert_int_equal(ops_copy(c, id(a), (mica_grant_ref_t)ref, 0, 8, BUF, MICA_GNTCOPY_TO_GRANT),
                     -MICA_EPERM);
    assert_int_equal(ops_copy(b, id(c), (mica_grant_ref_t)ref, 0, 8, BUF, 0), -MICA_EINVAL);
    char buf[8];
    assert_int_equal(pv_gnttab_copy(a, (mica_grant_ref_t)ref, 0, buf, 8, false), -MICA_EPERM);
    static const mica_grant_ref_t bad[] = {MICA_GNT_REFS, MICA_GNT_REFS + 1, UINT32_MAX, 77};
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(ops_copy(b, id(a), bad[i], 0, 8, BUF, 0), -MICA_EINVAL);
        assert_int_equal(ops_revoke(a, bad[i]), -MICA_EINVAL);
        assert_int_equal(pv_gnttab_copy(a, bad[i], 0, buf, 8, false), -MICA_EINVAL);
        assert_int_equal(pv_gnttab_hold(a, bad[i], false), -MICA_EINVAL);
        pv_gnttab_release(a, bad[i]); /* no-op */
    }
    assert_int_equal(ops_copy(b, 9999, (mica_grant_ref_t)ref, 0, 8, BUF, 0), -MICA_ESRCH);
    /* The granter is gone. */
    long cref = ops_grant(c, id(b), 0x10, 0);
    mica_domid_t cid = id(c);
    pv_domain_destroy(c);
    assert_int_equal(ops_copy(b, cid, (mica_grant_ref_t)cref, 0, 8, BUF, 0), -MICA_ESRCH);
}

static void copies_stay_in_the_page(void **state)
{
    (void)state;
    long ref = ops_grant(a, id(b), FRAME, 0);
    mica_grant_ref_t r = (mica_grant_ref_t)ref;
    assert_int_equal(ops_copy(b, id(a), r, (uint32_t)PV_PAGE, 1, BUF, 0), -MICA_EINVAL);
    assert_int_equal(ops_copy(b, id(a), r, 4000, 97, BUF, 0), -MICA_EINVAL);
    assert_int_equal(ops_copy(b, id(a), r, 0, (uint32_t)PV_PAGE + 1, BUF, 0), -MICA_EINVAL);
    assert_int_equal(ops_copy(b, id(a), r, UINT32_MAX, 2, BUF, 0), -MICA_EINVAL);
    assert_int_equal(ops_copy(b, id(a), r, 2, UINT32_MAX, BUF, 0), -MICA_EINVAL);
    assert_int_equal(ops_copy(b, id(a), r, 4000, 96, BUF, 0), 0);
    assert_int_equal(ops_copy(b, id(a), r, (uint32_t)PV_PAGE, 0, BUF, 0), 0);
    assert_int_equal(ops_copy(b, id(a), r, 0, 8, BUF, 0x80), -MICA_EINVAL); /* unknown flag */
    /* b's own side goes through its page tables. */
    assert_int_equal(ops_copy(b, id(a), r, 0, 8, 0, 0), -MICA_EFAULT);
    assert_int_equal(ops_copy(b, id(a), r, 0, 8, pv_special_va(PV_PG_START_INFO), 0), -MICA_EFAULT);
    assert_int_equal(ops_copy(b, id(a), r, 0, 8, PV_HV_VA, MICA_GNTCOPY_TO_GRANT), -MICA_EFAULT);
    assert_int_equal(ops_copy(b, id(a), r, 0, 16, b->ram.size - 8, 0), -MICA_EFAULT);
    char buf[PV_PAGE + 1];
    mica_grant_ref_t mine = (mica_grant_ref_t)ops_grant(a, MICA_DOMID_MICA, FRAME, 0);
    assert_int_equal(pv_gnttab_copy(a, mine, 1, buf, PV_PAGE, false), -MICA_EINVAL);
    assert_int_equal(pv_gnttab_copy(a, mine, 0, buf, PV_PAGE + 1, false), -MICA_EINVAL);
    assert_int_equal(pv_gnttab_copy(a, mine, UINT32_MAX, buf, 1, true), -MICA_EINVAL);
    assert_int_equal(pv_gnttab_copy(a, mine, 1, buf, PV_PAGE - 1, false), 0);
}

static void hostile_grants(void **state)
{
    (void)state;
    uint64_t frames = a->ram.size / PV_PAGE;
    assert_int_equal(ops_grant(a, id(b), frames, 0), -MICA_EINVAL);
    assert_int_equal(ops_grant(a, id(b), UINT64_MAX, 0), -MICA_EINVAL);
    assert_int_equal(ops_grant(a, id(b), 1, 0x2), -MICA_EINVAL);
    assert_int_equal(ops_grant(a, MICA_DOMID_SELF, 1, 0), -MICA_EINVAL);
    assert_int_equal(ops_grant(a, id(b), frames - 1, 0), 0);
    struct mica_gnttab_revoke rv = {0};
    assert_int_equal(pv_grant_op(a, MICA_GNTTABOP_COUNT, &rv), -MICA_EINVAL);
    assert_int_equal(pv_grant_op(a, UINT64_MAX, &rv), -MICA_EINVAL);
    struct kvm_regs r = {.rdi = MICA_GNTTABOP_GRANT, .rsi = pv_special_va(PV_PG_START_INFO)};
    struct pv_iret_frame f = {0};
    uint64_t deadline;
    pv_hypercall(&a->vcpus[0], MICA_HC_GRANT_OP, &r, &f, &deadline);
    assert_int_equal((int64_t)r.rax, -MICA_EFAULT); /* the ref could not be told: not granted */
    assert_int_equal(ops_grant(a, id(b), 1, 0), 1);
    /* The table is bounded. */
    long ref;
    unsigned n = 2;
    while ((ref = ops_grant(a, id(b), 1, 0)) >= 0)
        assert_true(++n <= MICA_GNT_REFS);
    assert_int_equal(ref, -MICA_ENOSPC);
    assert_int_equal(n, MICA_GNT_REFS);
}

static void revoke_refused_while_in_use(void **state)
{
    (void)state;
    long ref = ops_grant(a, MICA_DOMID_MICA, FRAME, 0);
    mica_grant_ref_t r = (mica_grant_ref_t)ref;
    assert_int_equal(pv_gnttab_hold(a, r, true), 0);
    assert_int_equal(pv_gnttab_hold(a, r, false), 0);
    assert_int_equal(ops_revoke(a, r), -MICA_EBUSY);
    assert_int_equal(pv_gnttab_copy(a, r, 0, "held", 4, true), 0);
    assert_memory_equal(a->ram.host + FRAME_GPA, "held", 4);
    pv_gnttab_release(a, r);
    assert_int_equal(ops_revoke(a, r), -MICA_EBUSY);
    pv_gnttab_release(a, r);
    assert_int_equal(ops_revoke(a, r), 0);
    char buf[4];
    assert_int_equal(pv_gnttab_copy(a, r, 0, buf, 4, false), -MICA_EINVAL);
    assert_int_equal(pv_gnttab_hold(a, r, false), -MICA_EINVAL);
}

/* The ping-pong: a sends "ping N" into the page b granted it and kicks
 * the channel; b reads it from its own page, answers "pong N" there and
 * kicks back; a copies the answer out of the grant. */
static bool take(struct pv_domain *d, mica_port_t p)
{
    uint64_t bit = MICA_PORT_BIT(p);
    return __atomic_fetch_and(mica_evtchn_word(d->shared, 0, p), ~bit, __ATOMIC_SEQ_CST) & bit;
}

static void ping_pong_over_a_channel_and_a_grant(void **state)
{
    (void)state;
    long pb = ops_alloc_unbound(b, id(a));
    long pa = ops_bind_interdomain(a, id(b), (mica_port_t)pb);
    long ref = ops_grant(b, id(a), FRAME, 0);
    assert_true(pa >= 0 && pb >= 0 && ref >= 0);
    const mica_gva_t a_buf = 0x1c0000;
    for (int round = 0; round < 100; round++) {
        char msg[24];
        int len = snprintf(msg, sizeof msg, "ping %d", round) + 1;
        memcpy(a->ram.host + a_buf, msg, (size_t)len);
        assert_int_equal(ops_copy(a, id(b), (mica_grant_ref_t)ref, 0, (uint32_t)len, a_buf,
                                  MICA_GNTCOPY_TO_GRANT), 0);
        assert_int_equal(ops_port(a, MICA_EVTCHNOP_SEND, (mica_port_t)pa), 0);
        assert_true(take(b, (mica_port_t)pb));
        assert_string_equal((char *)b->ram.host + FRAME_GPA, msg);
        snprintf((char *)b->ram.host + FRAME_GPA, 24, "pong %d", round);
        assert_int_equal(ops_port(b, MICA_EVTCHNOP_SEND, (mica_port_t)pb), 0);
        assert_true(take(a, (mica_port_t)pa));
        assert_int_equal(ops_copy(a, id(b), (mica_grant_ref_t)ref, 0, 24, a_buf, 0), 0);
        snprintf(msg, sizeof msg, "pong %d", round);
        assert_string_equal((char *)a->ram.host + a_buf, msg);
    }
    assert_false(take(a, (mica_port_t)pa));
    assert_false(take(b, (mica_port_t)pb));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(grant_then_copy_both_ways, ops_setup_pair, ops_teardown_pair),
        cmocka_unit_test_setup_teardown(read_only_is_honoured, ops_setup_pair, ops_teardown_pair),
        cmocka_unit_test_setup_teardown(wrong_domain_and_bad_refs, ops_setup_pair, ops_teardown_pair),
        cmocka_unit_test_setup_teardown(copies_stay_in_the_page, ops_setup_pair, ops_teardown_pair),
        cmocka_unit_test_setup_teardown(hostile_grants, ops_setup_pair, ops_teardown_pair),
        cmocka_unit_test_setup_teardown(revoke_refused_while_in_use, ops_setup_pair, ops_teardown_pair),
        cmocka_unit_test_setup_teardown(ping_pong_over_a_channel_and_a_grant, ops_setup_pair, ops_teardown_pair),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
