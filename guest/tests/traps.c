/*
 * Checks fault bouncing and the validated page-mapping hypercall:
 *  - a page fault on an unmapped page reaches the registered handler, which
 *    maps the page with mica_mmu_update and resumes the faulting access;
 *  - unmapping a page makes the next access fault again;
 *  - a #UD and a divide error reach their handlers with the right vector;
 *  - mappings outside the guest's own memory are refused.
 * Prints "traps: ok" and exits 0 when everything held.
 */
#include "mica/mica.h"

static int failures;
static volatile int pf_count, ud_count, de_count;

#define CHECK(cond)                                                                \
    do {                                                                           \
        if (!(cond)) {                                                             \
            printf("traps: FAILED %s (line %d)\n", #cond, __LINE__);               \
            failures++;                                                            \
        }                                                                          \
    } while (0)

static void on_page_fault(struct mica_trap_frame *f)
{
    pf_count++;
    uint64_t page = f->fault_addr & ~(MICA_PAGE_SIZE - 1);
    /* Map the faulting page onto its own frame (identity) and retry. */
    long rc = mica_mmu_update(page, page / MICA_PAGE_SIZE, MICA_MMU_PRESENT | MICA_MMU_WRITE);
    if (rc != 0)
        mica_exit(99);
}

static void on_invalid_opcode(struct mica_trap_frame *f)
{
    ud_count++;
    f->rip += 2; /* skip the ud2 */
}

static void on_divide_error(struct mica_trap_frame *f)
{
    de_count++;
    f->rip += 3; /* skip `div %rcx` (48 f7 f1) */
}

static void check_remap(void)
{
    uint64_t heap = (mica_start->heap_start + 3 * MICA_PAGE_SIZE) & ~(MICA_PAGE_SIZE - 1);
    volatile uint64_t *p = (volatile uint64_t *)heap;
    *p = 0x1234;
    CHECK(mica_mmu_update(heap, 0, 0) == 0); /* unmap */
    uint64_t v = *p;                          /* faults; the handler maps it back */
    CHECK(pf_count == 1);
    CHECK(v == 0x1234);
    /* Alias: map the same frame at a second address in the window. */
    uint64_t alias = mica_start->mem_bytes + 8 * MICA_PAGE_SIZE;
    CHECK(mica_mmu_update(alias, heap / MICA_PAGE_SIZE, MICA_MMU_PRESENT) == 0);
    CHECK(*(volatile uint64_t *)alias == 0x1234);
}

static void check_refusals(void)
{
    uint64_t frames = mica_start->mem_bytes / MICA_PAGE_SIZE;
    uint64_t page = mica_start->heap_start;
    CHECK(mica_mmu_update(page, frames, MICA_MMU_PRESENT) == -MICA_EPERM);      /* not our RAM */
    CHECK(mica_mmu_update(page, ~0ull, MICA_MMU_PRESENT) == -MICA_EPERM);
    CHECK(mica_mmu_update(mica_start->user_window_end, 1, MICA_MMU_PRESENT) == -MICA_EPERM);
    CHECK(mica_mmu_update(mica_start->shared_info, 1, MICA_MMU_PRESENT) == -MICA_EPERM);
    CHECK(mica_mmu_update(0xffffff8000000000ull, 1, MICA_MMU_PRESENT) == -MICA_EPERM);
    CHECK(mica_mmu_update(page + 1, 1, MICA_MMU_PRESENT) == -MICA_EINVAL);       /* unaligned */
    CHECK(mica_mmu_update(page, 1, 0x100) == -MICA_EINVAL);                      /* bad flag  */
}

static void check_bad_pointers(void)
{
    CHECK(mica_console_write((void *)0, 10) == -MICA_EFAULT);
    CHECK(mica_console_write((void *)0xffffff8000000000ull, 10) == -MICA_EFAULT);
    CHECK(mica_console_write((void *)(mica_start->mem_bytes - 4), 64) == -MICA_EFAULT);
    CHECK(mica_console_read((void *)mica_start, 4) == -MICA_EFAULT);
    CHECK(mica_hypercall(MICA_HC_SET_TRAP_TABLE, 0xdead0000000ull, 0, 0) == -MICA_EFAULT);
    CHECK(mica_hypercall(MICA_HC_TRAP_RETURN, 8, 0, 0) == -MICA_EFAULT);
    CHECK(mica_hypercall(MICA_HC_EXIT, 200, 0, 0) == -MICA_EINVAL);
    CHECK(mica_hypercall(MICA_HC_COUNT, 0, 0, 0) == -MICA_ENOSYS);
}

int main(void)
{
    CHECK(mica_trap_register(14, on_page_fault) == 0);
    CHECK(mica_trap_register(6, on_invalid_opcode) == 0);
    CHECK(mica_trap_register(0, on_divide_error) == 0);
    check_remap();
    __asm__ volatile("ud2");
    CHECK(ud_count == 1);
    __asm__ volatile("xor %%edx, %%edx; xor %%ecx, %%ecx; mov $1, %%eax; div %%rcx"
                     ::: "rax", "rcx", "rdx", "cc");
    CHECK(de_count == 1);
    check_refusals();
    check_bad_pointers();
    printf("traps: %s\n", failures ? "FAILED" : "ok");
    return failures ? 1 : 0;
}
