/* The in-guest supervisor's host half, on domains without KVM: what the
 * domain is built with when it has one (syscall stubs, LSTAR at its entry,
 * EFER.SCE), and the exits it hands to mica, hostile ones included. Its
 * guest half runs only on KVM (tests/integration: supervisor_on_and_off). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "pv/cpu_tables.h"
#include "pv/sv_blob.h"
#include "pv/sv_state.h"
#include "pv/trap.h"
#include "support/pv_testbed.h"

static struct pv_domain *with_supervisor(bool on)
{
    struct pv_domain *d = testbed_domain(2);
    d->supervisor = on;
    pv_cpu_tables_write(&d->hv, on);
    pv_supervisor_install(&d->hv, &d->layout, PV_SV_CLOCK | PV_SV_MMU);
    return d;
}

static const uint8_t *stub(struct pv_domain *d, unsigned nr)
{
    return guest_mem_ptr(&d->hv, pv_hv_gpa(PV_PG_HYPERCALL), PV_PAGE) + nr * MICA_HC_STUB_SIZE;
}

static void stubs_and_msrs_follow_the_mode(void **state)
{
    (void)state;
    struct pv_domain *on = with_supervisor(true), *off = with_supervisor(false);
    uint32_t nr;
    memcpy(&nr, stub(on, 9) + 1, sizeof nr);
    assert_int_equal(nr, 9);
    assert_int_equal(stub(on, 9)[5], 0x0f); /* syscall */
    assert_int_equal(stub(on, 9)[6], 0x05);
    assert_int_equal(stub(off, 9)[5], 0x0f); /* ud2 */
    assert_int_equal(stub(off, 9)[6], 0x0b);
    assert_int_equal(pv_hypercall_at(pv_special_va(PV_PG_HYPERCALL) + 9 * MICA_HC_STUB_SIZE + 5), 9);
    struct pv_msr m_on[PV_SYSCALL_MSRS], m_off[PV_SYSCALL_MSRS];
    pv_cpu_syscall_msrs(m_on, true);
    pv_cpu_syscall_msrs(m_off, false);
    assert_int_equal(m_on[1].index, 0xc0000082);
    assert_true(m_on[1].value != m_off[1].value);
    assert_int_equal(m_off[1].value, pv_tramp_va_syscall());
    assert_int_equal(m_on[1].value, PV_SV_ENTRY_VA);
    struct kvm_sregs s_on = {0}, s_off = {0};
    pv_cpu_initial_sregs(&s_on, true);
    pv_cpu_initial_sregs(&s_off, false);
    assert_int_equal(s_on.efer & 1, 1);
    assert_int_equal(s_off.efer & 1, 0);
    pv_domain_destroy(on);
    pv_domain_destroy(off);
}

static void the_supervisor_and_its_state_are_installed(void **state)
{
    (void)state;
    struct pv_domain *d = with_supervisor(true);
    const uint8_t *code = guest_mem_ptr(&d->hv, pv_hv_gpa(PV_PG_SUPERVISOR), PV_PAGE);
    assert_true(pv_sv_blob_len > 64 && pv_sv_blob_len <= PV_SV_CODE_PAGES * PV_PAGE);
    assert_memory_equal(code, pv_sv_blob, pv_sv_blob_len);
    const struct pv_sv_state *st = guest_mem_ptr(&d->hv, pv_hv_gpa(PV_PG_SV_STATE), PV_PAGE);
    assert_int_equal(st->flags, PV_SV_CLOCK | PV_SV_MMU);
    assert_int_equal(st->mmu.ram_frames, d->layout.ram_bytes / PV_PAGE);
    assert_int_equal(st->mmu.window_bytes, d->layout.window_bytes);
    /* The limits it checks with are mica's: the same answers and entries. */
    mica_gva_t va_host, va_sv;
    uint64_t pte_host, pte_sv;
    static const uint64_t cases[][3] = {
        {0x200000, 0x10, MICA_MMU_PRESENT | MICA_MMU_WRITE}, {0x1000, 0, 0},
        {0x1001, 1, MICA_MMU_PRESENT}, {0x200000, 1ull << 40, MICA_MMU_PRESENT},
        {MICA_SPECIAL_VA, 1, MICA_MMU_PRESENT}, {0x3000, 2, 0x80},
    };
    for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int h = pv_pt_check_update(&d->mmu, cases[i][0], cases[i][1], cases[i][2], &va_host, &pte_host);
        int s = pv_mmu_check_update(&st->mmu, cases[i][0], cases[i][1], cases[i][2], &va_sv, &pte_sv);
        assert_int_equal(h, s);
        if (h == 0) {
            assert_int_equal(va_host, va_sv);
            assert_int_equal(pte_host, pte_sv);
        }
    }
    pv_domain_destroy(d);
}

/* The frame the supervisor pushes at the CPL0 stack's top. */
static void supervisor_frame(struct pv_domain *d, struct kvm_regs *r, uint64_t cs)
{
    r->rsp = pv_stack0_top_va() - 5 * 8;
    uint64_t *w = pv_stack0_at(d, r->rsp, 5);
    struct pv_iret_frame f = {.rip = MICA_IMAGE_BASE + 0x40, .cs = cs, .rflags = 0x202,
                              .rsp = 0x80000, .ss = PV_SEL_UDATA};
    memcpy(w, &f, sizeof f);
}

static void exits_are_served_like_trapped_hypercalls(void **state)
{
    (void)state;
    struct pv_domain *d = with_supervisor(true);
    struct kvm_regs r = {.rax = MICA_HC_CLOCK};
    uint64_t deadline = 0;
    supervisor_frame(d, &r, PV_SEL_UCODE);
    assert_int_equal(pv_supervisor_hypercall(&d->vcpus[0], &r, &deadline), PV_RESUME);
    assert_true((int64_t)r.rax > 0);
    r = (struct kvm_regs){.rax = 999};
    supervisor_frame(d, &r, PV_SEL_UCODE);
    assert_int_equal(pv_supervisor_hypercall(&d->vcpus[0], &r, &deadline), PV_RESUME);
    assert_int_equal((int64_t)r.rax, -MICA_ENOSYS);
    r = (struct kvm_regs){.rax = 0xffffffffull};
    supervisor_frame(d, &r, PV_SEL_UCODE);
    assert_int_equal(pv_supervisor_hypercall(&d->vcpus[0], &r, &deadline), PV_RESUME);
    assert_int_equal((int64_t)r.rax, -MICA_ENOSYS);
    pv_domain_destroy(d);
}

static void corrupt_exits_end_the_guest(void **state)
{
    (void)state;
    struct pv_domain *d = with_supervisor(true);
    struct kvm_regs r = {.rax = MICA_HC_CLOCK};
    uint64_t deadline = 0;
    supervisor_frame(d, &r, PV_SEL_KCODE); /* "from CPL0" */
    assert_int_equal(pv_supervisor_hypercall(&d->vcpus[0], &r, &deadline), PV_CRASH);
    assert_non_null(strstr(d->crash_report, "from CPL0"));
    static const uint64_t bad_rsp[] = {0, 0x80000, PV_HV_VA, ~0ull};
    for (unsigned i = 0; i < sizeof bad_rsp / sizeof bad_rsp[0]; i++) {
        r = (struct kvm_regs){.rax = MICA_HC_CLOCK, .rsp = bad_rsp[i]};
        assert_int_equal(pv_supervisor_hypercall(&d->vcpus[0], &r, &deadline), PV_CRASH);
        assert_non_null(strstr(d->crash_report, "corrupt hypervisor state"));
    }
    r = (struct kvm_regs){.rax = MICA_HC_CLOCK, .rsp = pv_stack0_top_va() - 6 * 8};
    assert_int_equal(pv_supervisor_hypercall(&d->vcpus[0], &r, &deadline), PV_CRASH);
    pv_domain_destroy(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(stubs_and_msrs_follow_the_mode),
        cmocka_unit_test(the_supervisor_and_its_state_are_installed),
        cmocka_unit_test(exits_are_served_like_trapped_hypercalls),
        cmocka_unit_test(corrupt_exits_end_the_guest),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
