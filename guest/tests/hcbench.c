/*
 * Benchmark guest: measures in-guest costs and prints one line of figures.
 *   hcbench [N]  — N iterations of each (default 2000)
 * null hypercall (yield, which always reaches mica), the clock hypercall
 * (served inside the guest by the supervisor when it runs), clock read
 * without a hypercall, page unmapped, faulted, bounced to a handler and
 * remapped.
 */
#include "mica/mica.h"

static volatile int faults;

static void on_fault(struct mica_trap_frame *f)
{
    faults++;
    mica_mmu_update(f->fault_addr & ~(MICA_PAGE_SIZE - 1), f->fault_addr / MICA_PAGE_SIZE,
                    MICA_MMU_PRESENT | MICA_MMU_WRITE);
}

static uint64_t per_op(uint64_t t0, int n) { return (mica_time_monotonic() - t0) / (uint64_t)n; }

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 2000;
    uint64_t t0 = mica_time_monotonic();
    for (int i = 0; i < n; i++)
        mica_yield();
    uint64_t hypercall = per_op(t0, n);
    t0 = mica_time_monotonic();
    for (int i = 0; i < n; i++)
        mica_hypercall(MICA_HC_CLOCK, 0, 0, 0);
    uint64_t clock_hc = per_op(t0, n);
    t0 = mica_time_monotonic();
    uint64_t sink = 0;
    for (int i = 0; i < n * 100; i++)
        sink += mica_time_monotonic();
    uint64_t clock = (mica_time_monotonic() - t0) / (uint64_t)(n * 100);
    mica_trap_register(14, on_fault);
    uint64_t page = (mica_start->heap_start + 0xfffff) & ~0xfffffull;
    t0 = mica_time_monotonic();
    for (int i = 0; i < n; i++) {
        mica_mmu_update(page, page / MICA_PAGE_SIZE, 0);
        *(volatile char *)page = 1;
    }
    uint64_t fault = per_op(t0, n);
    printf("hcbench: hypercall_ns=%llu clock_hypercall_ns=%llu clock_read_ns=%llu "
           "unmap_fault_remap_ns=%llu (n=%d%s)\n",
           (unsigned long long)hypercall, (unsigned long long)clock_hc, (unsigned long long)clock,
           (unsigned long long)fault, n, sink ? "" : "!");
    return faults == n ? 0 : 1;
}
