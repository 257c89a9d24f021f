/* PV page tables, guest-memory copies and MMU_UPDATE validation: nothing a
 * guest asks for may reach the hypervisor area or another frame. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "pv/guest_copy.h"
#include "pv/layout.h"
#include "pv/pagetable.h"

static struct pv_layout layout;
static struct guest_mem ram, hv;
static struct pv_mmu mmu;

static int setup(void **state)
{
    (void)state;
    pv_layout_init(&layout, 4u << 20);
    assert_int_equal(guest_mem_alloc(&ram, 0, layout.ram_bytes), 0);
    assert_int_equal(guest_mem_alloc(&hv, PV_HV_GPA, layout.hv_bytes), 0);
    mmu = (struct pv_mmu){.layout = &layout, .ram = &ram, .hv = &hv};
    pv_pt_build(&mmu);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    guest_mem_free(&ram);
    guest_mem_free(&hv);
    return 0;
}

static void layout_is_consistent(void **state)
{
    (void)state;
    assert_int_equal(layout.window_bytes, 1ull << 30);
    assert_int_equal(layout.user_pts, 512);
    assert_int_equal(layout.hv_bytes % (2u << 20), 0);
    assert_true(layout.hv_pages * PV_PAGE <= layout.hv_bytes);
    struct pv_layout big;
    pv_layout_init(&big, 4096ull << 20);
    assert_int_equal(big.window_bytes, 8ull << 30);
}

static void user_view(void **state)
{
    (void)state;
    assert_ptr_equal(pv_pt_user_ptr(&mmu, 0x100123, PV_WRITE), ram.host + 0x100123);
    assert_null(pv_pt_user_ptr(&mmu, 0x10, PV_READ));                      /* page 0 */
    assert_null(pv_pt_user_ptr(&mmu, layout.ram_bytes, PV_READ));         /* past RAM */
    assert_non_null(pv_pt_user_ptr(&mmu, pv_special_va(PV_PG_START_INFO), PV_READ));
    assert_null(pv_pt_user_ptr(&mmu, pv_special_va(PV_PG_START_INFO), PV_WRITE)); /* read-only */
    assert_non_null(pv_pt_user_ptr(&mmu, pv_special_va(PV_PG_SHARED_INFO), PV_WRITE));
    assert_null(pv_pt_user_ptr(&mmu, PV_DOORBELL_VA, PV_READ));           /* MMIO, not memory */
    assert_null(pv_pt_user_ptr(&mmu, PV_HV_VA, PV_READ));                 /* supervisor only */
    assert_null(pv_pt_user_ptr(&mmu, PV_HV_VA + PV_PG_PML4 * PV_PAGE, PV_READ));
    assert_null(pv_pt_user_ptr(&mmu, 0x0000800000000000ull, PV_READ));    /* non-canonical */
}

static void copies_check_every_page(void **state)
{
    (void)state;
    char buf[3 * PV_PAGE];
    memset(ram.host + 0x200000, 7, sizeof buf);
    assert_int_equal(pv_copy_from_guest(&mmu, buf, 0x200000 - 100, sizeof buf), 0);
    assert_int_equal(buf[200], 7);
    assert_int_equal(pv_copy_from_guest(&mmu, buf, layout.ram_bytes - 100, 200), -MICA_EFAULT);
    assert_int_equal(pv_copy_from_guest(&mmu, buf, UINT64_MAX - 10, 100), -MICA_EFAULT);
    assert_int_equal(pv_copy_to_guest(&mmu, pv_special_va(PV_PG_START_INFO), buf, 8), -MICA_EFAULT);
    /* A failed copy-out writes nothing, even to the pages that were fine. */
    ram.host[layout.ram_bytes - 10] = 0x11;
    assert_int_equal(pv_copy_to_guest(&mmu, layout.ram_bytes - 10, buf, 20), -MICA_EFAULT);
    assert_int_equal(ram.host[layout.ram_bytes - 10], 0x11);
    assert_int_equal(pv_copy_from_guest(&mmu, buf, 0, 0), 0);
}

static void mmu_update_validation(void **state)
{
    (void)state;
    uint64_t va, pte, frames = layout.ram_bytes / PV_PAGE;
    assert_int_equal(pv_pt_check_update(&mmu, 0x300000, 5, MICA_MMU_PRESENT, &va, &pte), 0);
    assert_int_equal(pte, 5 * PV_PAGE | PTE_P | PTE_U | PTE_NX);
    assert_int_equal(va, PV_HV_VA + layout.first_user_pt * PV_PAGE + (0x300000 / PV_PAGE) * 8);
    assert_int_equal(pv_pt_check_update(&mmu, 0x300000, 5,
                                        MICA_MMU_PRESENT | MICA_MMU_WRITE | MICA_MMU_EXEC, &va, &pte), 0);
    assert_int_equal(pte, 5 * PV_PAGE | PTE_P | PTE_U | PTE_W);
    assert_int_equal(pv_pt_check_update(&mmu, 0x300000, 0, 0, &va, &pte), 0);
    assert_int_equal(pte, 0);
    assert_int_equal(pv_pt_check_update(&mmu, 0x300000, frames, MICA_MMU_PRESENT, &va, &pte), -MICA_EPERM);
    assert_int_equal(pv_pt_check_update(&mmu, 0x300000, UINT64_MAX, MICA_MMU_PRESENT, &va, &pte), -MICA_EPERM);
    assert_int_equal(pv_pt_check_update(&mmu, layout.window_bytes, 1, MICA_MMU_PRESENT, &va, &pte), -MICA_EPERM);
    assert_int_equal(pv_pt_check_update(&mmu, MICA_SPECIAL_VA, 1, MICA_MMU_PRESENT, &va, &pte), -MICA_EPERM);
    assert_int_equal(pv_pt_check_update(&mmu, PV_HV_VA, 1, MICA_MMU_PRESENT, &va, &pte), -MICA_EPERM);
    assert_int_equal(pv_pt_check_update(&mmu, 0x300001, 1, MICA_MMU_PRESENT, &va, &pte), -MICA_EINVAL);
    assert_int_equal(pv_pt_check_update(&mmu, 0x300000, 1, 0x80, &va, &pte), -MICA_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(layout_is_consistent, setup, teardown),
        cmocka_unit_test_setup_teardown(user_view, setup, teardown),
        cmocka_unit_test_setup_teardown(copies_check_every_page, setup, teardown),
        cmocka_unit_test_setup_teardown(mmu_update_validation, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
