/* Balloon reservations on domains without KVM (include/mica/memory.h):
 * the bookkeeping (a frame is the guest's or released, never both), frames
 * really discarded and unmapped, given back zeroed and mapped, kept frames
 * untouched; and every way a hostile guest can get a call wrong. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>

#include "support/pv_balloon_ops.h"
#include "support/pv_ops.h"
#include "pv/sv_blob.h"
#include "pv/sv_state.h"

#define MIB 8u
#define PAGES ((uint64_t)MIB << 8)
#define FRAME 0x300u /* a heap frame well past the testbed's image */

static struct pv_domain *d;

static int setup(void **state)
{
    (void)state;
    d = testbed_domain(MIB);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    pv_domain_destroy(d);
    return 0;
}

static void *frame_ptr(uint64_t f) { return d->ram.host + f * PV_PAGE; }
static bool mapped(uint64_t va) { return pv_pt_user_ptr(&d->mmu, va, PV_READ) != NULL; }

static void bookkeeping_is_one_state_per_frame(void **state)
{
    (void)state;
    struct pv_balloon b;
    assert_int_equal(pv_balloon_init(&b, 130, 10), 0);
    assert_int_equal(pv_balloon_current(&b), 130);
    assert_int_equal(pv_balloon_target(&b), 130);
    for (uint64_t f = 0; f < 130; f += 3)
        pv_balloon_release(&b, f);
    assert_int_equal(b.released, 44);
    assert_int_equal(pv_balloon_count_released(&b), 44);
    assert_true(pv_balloon_is_released(&b, 129));
    assert_false(pv_balloon_is_released(&b, 128));
    assert_false(pv_balloon_is_released(&b, 130)); /* outside: never released */
    pv_balloon_reclaim(&b, 129);
    assert_int_equal(pv_balloon_current(&b), 87);
    assert_int_equal(pv_balloon_count_released(&b), 43);
    assert_int_equal(pv_balloon_set_target(&b, 9), -ERANGE);
    assert_int_equal(pv_balloon_set_target(&b, 131), -ERANGE);
    assert_int_equal(pv_balloon_set_target(&b, 10), 0);
    assert_int_equal(pv_balloon_set_target(&b, 130), 0);
    pv_balloon_free(&b);
    assert_int_equal(pv_balloon_init(&b, 4, 100), 0); /* floor clamped to the maximum */
    assert_int_equal(b.floor_pages, 4);
    pv_balloon_free(&b);
}

static void start_state_is_published(void **state)
{
    (void)state;
    assert_int_equal(d->balloon.max_pages, PAGES);
    assert_int_equal(d->shared->balloon_max_pages, PAGES);
    assert_int_equal(d->shared->balloon_current_pages, PAGES);
    assert_int_equal(d->shared->balloon_target_pages, PAGES);
    assert_true(d->balloon.floor_pages >= (uint64_t)MICA_MEM_MIN_MIB << 8);
    assert_true(d->balloon.floor_pages > d->start_info->heap_start / PV_PAGE);
    assert_true(balloon_consistent(d));
}

static void shrink_discards_and_unmaps_grow_gives_zeroes(void **state)
{
    (void)state;
    uint64_t frames[64];
    for (int i = 0; i < 64; i++) {
        frames[i] = FRAME + (uint64_t)i;
        memset(frame_ptr(frames[i]), 0xab, PV_PAGE);
    }
    memcpy(frame_ptr(FRAME - 1), "kept below", 10);
    memcpy(frame_ptr(FRAME + 64), "kept above", 10);
    long writes;
    struct mica_memory_reservation res = {.frames = BALLOON_FRAMES, .count = 64};
    assert_int_equal(balloon_call_raw(d, MICA_MEMOP_DECREASE_RESERVATION, BALLOON_SCRATCH, &res,
                                      frames, 64, &writes), 0);
    assert_int_equal(writes, 64);
    assert_int_equal(pv_balloon_current(&d->balloon), PAGES - 64);
    assert_int_equal(d->shared->balloon_current_pages, PAGES - 64);
    for (int i = 0; i < 64; i++) {
        assert_false(mapped(frames[i] * PV_PAGE));
        assert_int_equal(((uint8_t *)frame_ptr(frames[i]))[100], 0); /* discarded by the host */
    }
    assert_memory_equal(frame_ptr(FRAME - 1), "kept below", 10);
    assert_memory_equal(frame_ptr(FRAME + 64), "kept above", 10);
    assert_true(mapped((FRAME - 1) * PV_PAGE) && mapped((FRAME + 64) * PV_PAGE));
    assert_true(balloon_consistent(d));

    assert_int_equal(balloon_call_raw(d, MICA_MEMOP_INCREASE_RESERVATION, BALLOON_SCRATCH, &res,
                                      frames, 64, &writes), 0);
    assert_int_equal(writes, 64);
    assert_int_equal(pv_balloon_current(&d->balloon), PAGES);
    for (int i = 0; i < 64; i++) {
        uint8_t *p = pv_pt_user_ptr(&d->mmu, frames[i] * PV_PAGE, PV_WRITE);
        assert_ptr_equal(p, frame_ptr(frames[i]));
        assert_int_equal(p[4095], 0);
    }
    assert_memory_equal(frame_ptr(FRAME + 64), "kept above", 10);
    assert_true(balloon_consistent(d));
}

static void every_alias_is_unmapped(void **state)
{
    (void)state;
    /* The guest mapped FRAME a second time, far above RAM, and one other
     * frame at FRAME's own address. */
    mica_gva_t alias = d->layout.ram_bytes + 0x5000;
    assert_int_equal(balloon_mmu_update(d, alias, FRAME, MICA_MMU_PRESENT), 0);
    assert_int_equal(d->balloon.pte_aliases, 1);
    assert_true(mapped(alias));
    uint64_t f = FRAME;
    assert_int_equal(balloon_decrease(d, &f, 1), 0);
    assert_false(mapped(alias));
    assert_false(mapped(FRAME * PV_PAGE));
    assert_int_equal(d->balloon.pte_aliases, 0);
    assert_true(balloon_consistent(d));
    /* Back: at its identity address only; the alias stays gone. */
    assert_int_equal(balloon_increase(d, &f, 1), 0);
    assert_true(mapped(FRAME * PV_PAGE));
    assert_false(mapped(alias));
}

/* The in-guest supervisor serves MMU_UPDATE without mica: an alias it made
 * is found at the first decrease, which also takes MMU_UPDATE back. */
static void supervisor_aliases_are_found_at_the_first_decrease(void **state)
{
    (void)state;
    struct pv_sv_state *st = pv_supervisor_state(&d->hv);
    assert_true(st->flags & PV_SV_MMU);
    mica_gva_t alias = d->layout.ram_bytes + 0x9000, pte_va;
    uint64_t pte;
    assert_int_equal(pv_pt_check_update(&d->mmu, alias, FRAME, MICA_MMU_PRESENT, &pte_va, &pte), 0);
    *(uint64_t *)guest_mem_ptr(&d->hv, pte_va - PV_HV_VA + PV_HV_GPA, 8) = pte; /* as it writes */
    assert_int_equal(d->balloon.pte_aliases, 0); /* mica never heard of it */
    uint64_t f = FRAME + 1;
    assert_int_equal(balloon_decrease(d, &f, 1), 0);
    assert_false(st->flags & PV_SV_MMU);
    assert_true(st->flags & PV_SV_CLOCK); /* the rest it still serves */
    assert_int_equal(d->balloon.pte_aliases, 1);
    f = FRAME;
    assert_int_equal(balloon_decrease(d, &f, 1), 0);
    assert_false(mapped(alias));
    assert_int_equal(d->balloon.pte_aliases, 0);
    assert_true(balloon_consistent(d));
}

static void identity_address_in_use_is_left_alone(void **state)
{
    (void)state;
    uint64_t f = FRAME;
    assert_int_equal(balloon_decrease(d, &f, 1), 0);
    assert_int_equal(balloon_mmu_update(d, FRAME * PV_PAGE, FRAME + 1, MICA_MMU_PRESENT), 0);
    long writes;
    struct mica_memory_reservation res = {.frames = BALLOON_FRAMES, .count = 1};
    assert_int_equal(balloon_call_raw(d, MICA_MEMOP_INCREASE_RESERVATION, BALLOON_SCRATCH, &res,
                                      &f, 1, &writes), 0);
    assert_int_equal(writes, 0);
    assert_ptr_equal(pv_pt_user_ptr(&d->mmu, FRAME * PV_PAGE, PV_READ), frame_ptr(FRAME + 1));
}

static void too_many_aliases_are_refused_whole(void **state)
{
    (void)state;
    uint64_t base = d->layout.ram_bytes;
    for (uint64_t i = 0; i <= MICA_MEMORY_UNMAP_MAX; i++)
        assert_int_equal(balloon_mmu_update(d, base + i * PV_PAGE, FRAME, MICA_MMU_PRESENT), 0);
    uint64_t f = FRAME;
    memcpy(frame_ptr(FRAME), "still here", 10);
    assert_int_equal(balloon_decrease(d, &f, 1), -MICA_EBUSY);
    assert_memory_equal(frame_ptr(FRAME), "still here", 10);
    assert_int_equal(pv_balloon_current(&d->balloon), PAGES);
    assert_true(mapped(base));
    assert_true(balloon_consistent(d));
}

/* Aliases come and go with MMU_UPDATE: unmapping or remapping an alias
 * back to its identity frame ends it, and a decrease without aliases
 * looks at the identity PTEs only. */
static void alias_count_follows_mmu_updates(void **state)
{
    (void)state;
    mica_gva_t va = 0x400000;
    assert_int_equal(balloon_mmu_update(d, va, FRAME, MICA_MMU_PRESENT), 0);
    assert_int_equal(balloon_mmu_update(d, va + PV_PAGE, FRAME, MICA_MMU_PRESENT), 0);
    assert_int_equal(d->balloon.pte_aliases, 2);
    assert_int_equal(balloon_mmu_update(d, va, FRAME, MICA_MMU_PRESENT | MICA_MMU_WRITE), 0);
    assert_int_equal(d->balloon.pte_aliases, 2); /* the same alias, new flags */
    assert_int_equal(balloon_mmu_update(d, va, 0, 0), 0);
    assert_int_equal(balloon_mmu_update(d, va + PV_PAGE, (va + PV_PAGE) / PV_PAGE, MICA_MMU_PRESENT), 0);
    assert_int_equal(d->balloon.pte_aliases, 0);
    assert_int_equal(balloon_mmu_update(d, va, 1ull << 40, MICA_MMU_PRESENT), -MICA_EPERM);
    assert_int_equal(d->balloon.pte_aliases, 0);
    uint64_t f = FRAME;
    assert_int_equal(balloon_decrease(d, &f, 1), 0);
    assert_false(mapped(FRAME * PV_PAGE));
    assert_true(balloon_consistent(d));
}

/* A call with one bad frame changes nothing, whatever the others are. */
static void assert_refused(uint64_t cmd, const uint64_t *frames, uint32_t n, long error)
{
    uint64_t before = d->balloon.released;
    memcpy(frame_ptr(FRAME), "untouched", 9);
    assert_int_equal(balloon_call(d, cmd, frames, n), error);
    assert_int_equal(d->balloon.released, before);
    assert_memory_equal(frame_ptr(FRAME), "untouched", 9);
    assert_true(balloon_consistent(d));
}

static void hostile_calls_change_nothing(void **state)
{
    (void)state;
    const uint64_t dec = MICA_MEMOP_DECREASE_RESERVATION, inc = MICA_MEMOP_INCREASE_RESERVATION;
    uint64_t outside[] = {FRAME, PAGES};
    assert_refused(dec, outside, 2, -MICA_EINVAL);
    uint64_t huge[] = {FRAME, UINT64_MAX};
    assert_refused(dec, huge, 2, -MICA_EINVAL);
    uint64_t twice[] = {FRAME, FRAME + 1, FRAME};
    assert_refused(dec, twice, 3, -MICA_EINVAL);
    uint64_t owned[] = {FRAME};
    assert_refused(inc, owned, 1, -MICA_EPERM); /* asks back a frame it has */
    uint64_t gone = FRAME + 8;
    assert_int_equal(balloon_decrease(d, &gone, 1), 0);
    uint64_t again[] = {FRAME, gone};
    assert_refused(dec, again, 2, -MICA_EPERM); /* releases a frame it does not own */
    uint64_t back_twice[] = {gone, gone};
    assert_refused(inc, back_twice, 2, -MICA_EINVAL);
    assert_refused(inc, outside + 1, 1, -MICA_EINVAL);

    struct mica_memory_reservation res = {.frames = BALLOON_FRAMES, .count = MICA_MEMORY_BATCH_MAX + 1};
    assert_int_equal(balloon_call_raw(d, dec, BALLOON_SCRATCH, &res, NULL, 0, NULL), -MICA_EINVAL);
    res = (struct mica_memory_reservation){.frames = BALLOON_FRAMES, .count = 1, .reserved = 1};
    assert_int_equal(balloon_call_raw(d, dec, BALLOON_SCRATCH, &res, owned, 1, NULL), -MICA_EINVAL);
    res = (struct mica_memory_reservation){.frames = PV_HV_VA, .count = 1};
    assert_int_equal(balloon_call_raw(d, dec, BALLOON_SCRATCH, &res, NULL, 0, NULL), -MICA_EFAULT);
    res = (struct mica_memory_reservation){.frames = pv_special_va(PV_PG_START_INFO), .count = 1};
    assert_int_equal(balloon_call_raw(d, dec, BALLOON_SCRATCH, &res, NULL, 0, NULL), -MICA_EINVAL);
    res = (struct mica_memory_reservation){.frames = BALLOON_FRAMES, .count = 1};
    assert_int_equal(balloon_call_raw(d, dec, PV_HV_VA, &res, owned, 1, NULL), -MICA_EFAULT);
    assert_int_equal(balloon_call_raw(d, dec, 0, &res, owned, 1, NULL), -MICA_EFAULT);
    assert_int_equal(balloon_call_raw(d, MICA_MEMOP_COUNT, BALLOON_SCRATCH, &res, owned, 1, NULL),
                     -MICA_EINVAL);
    assert_int_equal(balloon_call_raw(d, UINT64_MAX, BALLOON_SCRATCH, &res, owned, 1, NULL),
                     -MICA_EINVAL);
    res.count = 0;
    assert_int_equal(balloon_call_raw(d, dec, BALLOON_SCRATCH, &res, NULL, 0, NULL), 0);
    assert_int_equal(d->balloon.released, 1);
    assert_true(balloon_consistent(d));
}

static void grants_and_mappings_respect_released_frames(void **state)
{
    (void)state;
    struct pv_domain *other = testbed_domain(2);
    long ref = ops_grant(d, (mica_domid_t)other->id, FRAME, 0);
    assert_true(ref >= 0);
    uint64_t f = FRAME;
    assert_int_equal(balloon_decrease(d, &f, 1), -MICA_EBUSY); /* granted: revoke first */
    assert_int_equal(ops_revoke(d, (mica_grant_ref_t)ref), 0);
    assert_int_equal(balloon_decrease(d, &f, 1), 0);
    assert_int_equal(ops_grant(d, (mica_domid_t)other->id, FRAME, 0), -MICA_EPERM);
    struct kvm_regs r = {.rdi = 0x300000, .rsi = FRAME, .rdx = MICA_MMU_PRESENT | MICA_MMU_WRITE};
    struct pv_iret_frame fr = {0};
    uint64_t deadline;
    pv_hypercall(&d->vcpus[0], MICA_HC_MMU_UPDATE, &r, &fr, &deadline);
    assert_int_equal((long)r.rax, -MICA_EPERM);
    r = (struct kvm_regs){.rdi = FRAME * PV_PAGE, .rsi = FRAME, .rdx = 0}; /* unmapping is fine */
    pv_hypercall(&d->vcpus[0], MICA_HC_MMU_UPDATE, &r, &fr, &deadline);
    assert_int_equal((long)r.rax, 0);
    assert_int_equal(balloon_increase(d, &f, 1), 0);
    assert_true(ops_grant(d, (mica_domid_t)other->id, FRAME, 0) >= 0);
    pv_domain_destroy(other);
}

static void target_is_checked_published_and_signalled(void **state)
{
    (void)state;
    uint64_t floor = d->balloon.floor_pages;
    assert_int_equal(pv_memory_set_target(d, floor - 1), -ERANGE);
    assert_int_equal(pv_memory_set_target(d, PAGES + 1), -ERANGE);
    assert_int_equal(d->shared->balloon_target_pages, PAGES);
    long port = ops_bind_virq_balloon(d);
    assert_true(port >= 0);
    d->shared->evt_pending = 0;
    assert_int_equal(pv_memory_set_target(d, floor), 0);
    assert_int_equal(d->shared->balloon_target_pages, floor);
    assert_true(d->shared->evt_pending & MICA_PORT_BIT((mica_port_t)port));
    /* A guest that scribbles over the fields fools only itself. */
    d->shared->balloon_max_pages = 1u << 30;
    d->shared->balloon_target_pages = 1u << 30;
    assert_int_equal(pv_balloon_target(&d->balloon), floor);
    uint64_t f = FRAME;
    assert_int_equal(balloon_increase(d, &f, 1), -MICA_EPERM);
}

/* A guest that floods random calls: never more than its maximum, never a
 * frame in two states, never a mapping of a released frame. */
static void flood_keeps_the_invariant(void **state)
{
    (void)state;
    srand(11);
    uint64_t frames[MICA_MEMORY_BATCH_MAX];
    for (int round = 0; round < 3000; round++) {
        uint32_t n = (uint32_t)(rand() % 40);
        for (uint32_t i = 0; i < n; i++)
            frames[i] = (uint64_t)(rand() % (int)(PAGES + 4)); /* a few outside RAM */
        if (rand() % 8 == 0) /* aliases too, so both paths of decrease run */
            balloon_mmu_update(d, (uint64_t)(rand() % (int)(2 * PAGES)) * PV_PAGE,
                               (uint64_t)(rand() % (int)PAGES), (uint64_t)(rand() % 2));
        balloon_call(d, (uint64_t)(rand() % 3), frames, n);
        assert_true(pv_balloon_current(&d->balloon) <= PAGES);
        if (round % 100 == 0)
            assert_true(balloon_consistent(d));
    }
    assert_true(balloon_consistent(d));
    assert_true(d->balloon.released > 0);
}

static void ksm_offer_is_accepted_or_explained(void **state)
{
    (void)state;
    int rc = guest_mem_mergeable(&d->ram);
    assert_true(rc == 0 || errno == EINVAL); /* EINVAL: a kernel without CONFIG_KSM */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bookkeeping_is_one_state_per_frame),
        cmocka_unit_test_setup_teardown(start_state_is_published, setup, teardown),
        cmocka_unit_test_setup_teardown(shrink_discards_and_unmaps_grow_gives_zeroes, setup, teardown),
        cmocka_unit_test_setup_teardown(every_alias_is_unmapped, setup, teardown),
        cmocka_unit_test_setup_teardown(supervisor_aliases_are_found_at_the_first_decrease, setup, teardown),
        cmocka_unit_test_setup_teardown(identity_address_in_use_is_left_alone, setup, teardown),
        cmocka_unit_test_setup_teardown(too_many_aliases_are_refused_whole, setup, teardown),
        cmocka_unit_test_setup_teardown(alias_count_follows_mmu_updates, setup, teardown),
        cmocka_unit_test_setup_teardown(hostile_calls_change_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(grants_and_mappings_respect_released_frames, setup, teardown),
        cmocka_unit_test_setup_teardown(target_is_checked_published_and_signalled, setup, teardown),
        cmocka_unit_test_setup_teardown(flood_keeps_the_invariant, setup, teardown),
        cmocka_unit_test_setup_teardown(ksm_offer_is_accepted_or_explained, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
