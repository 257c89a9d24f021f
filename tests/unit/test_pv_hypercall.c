/* Hypercall argument checks and the trap path, on a domain without KVM:
 * every hostile argument gets an error code, never a crash of mica. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "pv/domain_table.h"
#include "support/pv_testbed.h"
#include "util/time.h"

static struct pv_domain *d;
static struct kvm_regs r;
static struct pv_iret_frame f;
static uint64_t deadline;

static int setup(void **state)
{
    (void)state;
    d = testbed_domain(4);
    memset(&r, 0, sizeof r);
    f = (struct pv_iret_frame){.rip = 0x100000, .cs = PV_SEL_UCODE, .rflags = 0x202,
                               .rsp = 0x80000, .ss = PV_SEL_UDATA};
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    pv_domain_destroy(d);
    return 0;
}

static enum pv_outcome hc(int nr, uint64_t a, uint64_t b, uint64_t c)
{
    r.rdi = a, r.rsi = b, r.rdx = c;
    return pv_hypercall(&d->vcpus[0], nr, &r, &f, &deadline);
}

static int64_t rax(void) { return (int64_t)r.rax; }

static void console_write_checks_buffers(void **state)
{
    (void)state;
    memcpy(d->ram.host + 0x200000, "hi there", 8);
    assert_int_equal(hc(MICA_HC_CONSOLE_WRITE, 0x200000, 8, 0), PV_RESUME);
    assert_int_equal(rax(), 8);
    assert_memory_equal(testbed_output, "hi there", 8);
    hc(MICA_HC_CONSOLE_WRITE, 0, 8, 0); /* page 0 is unmapped */
    assert_int_equal(rax(), -MICA_EFAULT);
    hc(MICA_HC_CONSOLE_WRITE, PV_HV_VA, 8, 0); /* supervisor-only */
    assert_int_equal(rax(), -MICA_EFAULT);
    hc(MICA_HC_CONSOLE_WRITE, d->layout.ram_bytes - 4, 8, 0); /* runs off RAM */
    assert_int_equal(rax(), -MICA_EFAULT);
    hc(MICA_HC_CONSOLE_WRITE, 0x200000, UINT64_MAX, 0); /* clamped, then fine */
    assert_int_equal(rax(), 65536);
    hc(MICA_HC_CONSOLE_WRITE, UINT64_MAX - 3, 8, 0);
    assert_int_equal(rax(), -MICA_EFAULT);
}

static void console_read_needs_writable_buffer(void **state)
{
    (void)state;
    pvio_console_queue_input(&d->console, "abc", 3);
    pvio_console_flush_input(&d->console);
    hc(MICA_HC_CONSOLE_READ, pv_special_va(PV_PG_START_INFO), 3, 0); /* read-only */
    assert_int_equal(rax(), -MICA_EFAULT);
    hc(MICA_HC_CONSOLE_READ, 0x300000, 2, 0);
    assert_int_equal(rax(), 2);
    assert_memory_equal(d->ram.host + 0x300000, "ab", 2);
    hc(MICA_HC_CONSOLE_READ, 0x300000, 10, 0);
    assert_int_equal(rax(), 1);
    hc(MICA_HC_CONSOLE_READ, 0x300000, 10, 0);
    assert_int_equal(rax(), 0);
}

static void block_and_events(void **state)
{
    (void)state;
    assert_int_equal(hc(MICA_HC_BLOCK, 0, 0, 0), PV_BLOCK);
    assert_int_equal(hc(MICA_HC_BLOCK, monotonic_ns() + 1000000000ull, 0, 0), PV_BLOCK);
    assert_true(deadline > monotonic_ns());
    assert_int_equal(hc(MICA_HC_BLOCK, 1, 0, 0), PV_RESUME); /* deadline passed */
    assert_true(d->shared->evt_pending & (1ull << MICA_EVT_TIMER));
    /* Waiting on the console port only: the timer event does not wake it. */
    assert_int_equal(hc(MICA_HC_BLOCK, 0, 1ull << MICA_EVT_CONSOLE, 0), PV_BLOCK);
    pv_domain_raise_event(d, MICA_EVT_CONSOLE);
    assert_int_equal(hc(MICA_HC_BLOCK, 0, 1ull << MICA_EVT_CONSOLE, 0), PV_RESUME);
    d->shared->evt_mask = ~0ull; /* masked events never wake */
    assert_int_equal(hc(MICA_HC_BLOCK, 0, 0, 0), PV_BLOCK);
}

static void exit_codes(void **state)
{
    (void)state;
    assert_int_equal(hc(MICA_HC_EXIT, MICA_EXIT_CODE_MAX + 1, 0, 0), PV_RESUME);
    assert_int_equal(rax(), -MICA_EINVAL);
    assert_int_equal(hc(MICA_HC_EXIT, UINT64_MAX, 0, 0), PV_RESUME);
    assert_int_equal(hc(MICA_HC_EXIT, 42, 0, 0), PV_EXIT);
    assert_int_equal(d->exit_code, 42);
    assert_int_equal(hc(100, 0, 0, 0), PV_RESUME);
    assert_int_equal(rax(), -MICA_ENOSYS);
    assert_int_equal(hc(-1, 0, 0, 0), PV_RESUME);
    assert_int_equal(rax(), -MICA_ENOSYS);
}

static void trap_table_and_return(void **state)
{
    (void)state;
    uint64_t *table = (uint64_t *)(d->ram.host + 0x200000);
    table[14] = PV_HV_VA; /* a handler in the hypervisor: refused */
    hc(MICA_HC_SET_TRAP_TABLE, 0x200000, 0, 0);
    assert_int_equal(rax(), -MICA_EINVAL);
    assert_int_equal(d->vcpus[0].trap_table[14], 0);
    hc(MICA_HC_SET_TRAP_TABLE, 0x10, 0, 0);
    assert_int_equal(rax(), -MICA_EFAULT);
    table[14] = 0x100400;
    hc(MICA_HC_SET_TRAP_TABLE, 0x200000, 0, 0);
    assert_int_equal(rax(), 0);
    assert_int_equal(d->vcpus[0].trap_table[14], 0x100400);

    struct mica_trap_frame *t = (struct mica_trap_frame *)(d->ram.host + 0x210000);
    memset(t, 0, sizeof *t);
    t->rip = 0xffff800000000000ull; /* kernel half: refused */
    hc(MICA_HC_TRAP_RETURN, 0x210000, 0, 0);
    assert_int_equal(rax(), -MICA_EINVAL);
    assert_int_equal(f.rip, 0x100000);
    t->rip = 0x100800, t->rsp = 0x90000, t->rflags = 0x3300 | 0x100 | 0x1; /* IOPL3, TF, CF */
    t->rcx = 0x1234, t->r15 = 0x15;
    hc(MICA_HC_TRAP_RETURN, 0x210000, 0, 0);
    assert_int_equal(f.rip, 0x100800);
    assert_int_equal(f.rsp, 0x90000);
    assert_int_equal(f.rflags, 0x203); /* IOPL and TF gone, IF on */
    assert_int_equal(r.rcx, 0x1234);
    assert_int_equal(r.r15, 0x15);
}

static void mmu_update_goes_through_the_trampoline(void **state)
{
    (void)state;
    r.rsp = 0x1000, r.rip = 0x5000;
    hc(MICA_HC_MMU_UPDATE, 0x300000, 7, MICA_MMU_PRESENT);
    assert_int_equal(rax(), 0);
    assert_int_equal(r.rip, pv_tramp_va_pte_write());
    assert_int_equal(r.rsp, 0x1000); /* at the iret frame already */
    assert_int_equal(r.r11, 7 * PV_PAGE | PTE_P | PTE_U | PTE_NX);
    assert_int_equal(r.rdx, 0x300000);
    r.rsp = 0x1000, r.rip = 0x5000;
    hc(MICA_HC_MMU_UPDATE, 0x300000, d->layout.ram_bytes / PV_PAGE, MICA_MMU_PRESENT);
    assert_int_equal(rax(), -MICA_EPERM);
    assert_int_equal(r.rip, 0x5000); /* no write happens */
}

static void exceptions_bounce_or_crash(void **state)
{
    (void)state;
    testbed_exception(d, &r, 13, 0x42, &f);
    r.rbx = 0xb0b;
    assert_int_equal(pv_exception(&d->vcpus[0], &r, &deadline), PV_CRASH);
    assert_non_null(strstr(d->crash_report, "general protection"));
    assert_non_null(strstr(d->crash_report, "rbx 0000000000000b0b"));

    d->vcpus[0].trap_table[13] = 0x100400;
    testbed_exception(d, &r, 13, 0x42, &f);
    assert_int_equal(pv_exception(&d->vcpus[0], &r, &deadline), PV_RESUME);
    struct pv_iret_frame *nf = (struct pv_iret_frame *)pv_stack0_at(d, r.rsp + 8, 5);
    assert_int_equal(nf->rip, 0x100400);
    struct mica_trap_frame *t = (struct mica_trap_frame *)(d->ram.host + r.rdi);
    assert_true(r.rdi + sizeof *t <= 0x80000 - 128); /* below the red zone */
    assert_int_equal(t->vector, 13);
    assert_int_equal(t->error_code, 0x42);
    assert_int_equal(t->rip, 0x100000);
    assert_int_equal(t->rbx, 0xb0b);

    f.rsp = 0x800; /* a stack running into the unmapped page 0 */
    testbed_exception(d, &r, 13, 0, &f);
    assert_int_equal(pv_exception(&d->vcpus[0], &r, &deadline), PV_CRASH);
    assert_non_null(strstr(d->crash_report, "not writable"));

    f.cs = PV_SEL_KCODE; /* a fault inside the trampoline itself */
    testbed_exception(d, &r, 14, 0, &f);
    assert_int_equal(pv_exception(&d->vcpus[0], &r, &deadline), PV_CRASH);
    assert_non_null(strstr(d->crash_report, "trampoline"));

    testbed_exception(d, &r, 13, 0, &f);
    r.rsp = 0x1234; /* not on the CPL0 stack at all */
    assert_int_equal(pv_exception(&d->vcpus[0], &r, &deadline), PV_CRASH);
    testbed_exception(d, &r, 13, 0, &f);
    r.rip += 1; /* not right after a stub's `out` */
    assert_int_equal(pv_exception(&d->vcpus[0], &r, &deadline), PV_CRASH);
}

static void ud2_in_the_hypercall_page_is_a_hypercall(void **state)
{
    (void)state;
    f.rip = pv_special_va(PV_PG_HYPERCALL) + MICA_HC_EXIT * MICA_HC_STUB_SIZE + 5;
    r.rdi = 9;
    testbed_exception(d, &r, 6, 0, &f);
    assert_int_equal(pv_exception(&d->vcpus[0], &r, &deadline), PV_EXIT);
    assert_int_equal(d->exit_code, 9);
    f.rip = pv_special_va(PV_PG_HYPERCALL) + 4; /* not at a ud2: a real #UD */
    testbed_exception(d, &r, 6, 0, &f);
    assert_int_equal(pv_exception(&d->vcpus[0], &r, &deadline), PV_CRASH);
    assert_non_null(strstr(d->crash_report, "invalid opcode"));
}

/* The testbed is the real construction minus KVM: what start_info names is
 * where the domain put it, the console is attached, the id is registered. */
static void testbed_is_the_real_construction(void **state)
{
    (void)state;
    const struct mica_start_info *si = d->start_info;
    assert_true(si->magic == MICA_START_MAGIC);
    assert_int_equal(si->abi_version, MICA_ABI_VERSION);
    assert_int_equal(si->vcpus, d->vcpu_count);
    assert_int_equal(si->vm_id, d->id);
    assert_ptr_equal(pv_domain_table_get(&pv_domains, d->id), d);
    assert_true(si->console_ring == pv_special_va(PV_PG_CONSOLE));
    assert_true(si->console_doorbell == PV_DOORBELL_VA);
    assert_int_equal(d->backend_count, 1);
    assert_ptr_equal(d->backends[0], &d->console.base);
    assert_ptr_equal(d->console.ring, guest_mem_ptr(&d->hv, pv_hv_gpa(PV_PG_CONSOLE), 2 * PV_PAGE));
    assert_int_equal(d->console.ring->out_event, 1);
    assert_int_equal(d->vcpus[0].wait_ports, ~0ull);
    assert_true(d->vcpus[0].wake_fd >= 0);
    assert_int_equal(d->vcpus[0].cpu.fd, -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(testbed_is_the_real_construction, setup, teardown),
        cmocka_unit_test_setup_teardown(console_write_checks_buffers, setup, teardown),
        cmocka_unit_test_setup_teardown(console_read_needs_writable_buffer, setup, teardown),
        cmocka_unit_test_setup_teardown(block_and_events, setup, teardown),
        cmocka_unit_test_setup_teardown(exit_codes, setup, teardown),
        cmocka_unit_test_setup_teardown(trap_table_and_return, setup, teardown),
        cmocka_unit_test_setup_teardown(mmu_update_goes_through_the_trampoline, setup, teardown),
        cmocka_unit_test_setup_teardown(exceptions_bounce_or_crash, setup, teardown),
        cmocka_unit_test_setup_teardown(ud2_in_the_hypercall_page_is_a_hypercall, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
