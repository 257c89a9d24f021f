/*
 * A guest that enters the in-guest supervisor the way no guest-kit guest
 * would, to show it cannot be made to touch anything but the guest's own
 * state: `syscall` with the stack pointer aimed at the hypervisor area, at
 * address 0 and at a non-canonical address; hypercall numbers out of range;
 * a clock whose shared_info the guest scribbled on; and reads, writes and
 * jumps into the supervisor's pages (each a fault bounced to its handler).
 * Prints "svliar: ok" when every check held. Without the supervisor (the
 * hypercall stubs trap with ud2) it only runs the checks that apply.
 */
#include "mica/mica.h"

#define HV_VA 0xffffff8000000000ull
#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            printf("svliar: FAILED %s (line %d)\n", #c, __LINE__);                               \
            return 1;                                                                              \
        }                                                                                          \
    } while (0)

/* `syscall` with rsp = stack and rax = nr; returns rax. rcx, r11 and rdx
 * are clobbered, as the hypercall ABI says. */
static long raw_syscall(uint64_t nr, uint64_t stack)
{
    long rax;
    __asm__ volatile("mov %%rsp, %%r12\n\t"
                     "mov %2, %%rsp\n\t"
                     "syscall\n\t"
                     "mov %%r12, %%rsp"
                     : "=a"(rax)
                     : "a"(nr), "r"(stack), "D"(0), "S"(0)
                     : "rcx", "rdx", "r11", "r12", "memory");
    return rax;
}

static volatile int faults;

/* Probes that fault at a known place: at the fault, rsp points at their
 * return address, so the handler resumes the guest as if they returned. */
void probe_read(uint64_t addr);
void probe_write(uint64_t addr);
__asm__(".globl probe_read\nprobe_read:\n\tmov (%rdi), %rax\n\tret\n"
        ".globl probe_write\nprobe_write:\n\tmovq $0xbad, (%rdi)\n\tret\n");

static void on_fault(struct mica_trap_frame *f)
{
    faults++;
    f->rip = *(uint64_t *)(uintptr_t)f->rsp; /* "return" from the probe */
    f->rsp += 8;
}

/* Reads, writes and a jump into the supervisor's pages: each must fault. */
static int touch_supervisor(void)
{
    mica_trap_register(14, on_fault);
    int before = faults;
    probe_read(HV_VA + 7 * 4096);             /* its code */
    probe_write(HV_VA + 10 * 4096 - 8);       /* its stack */
    ((void (*)(void))(HV_VA + 7 * 4096))();  /* a jump into it */
    mica_trap_register(14, NULL);
    return faults - before;
}

static int has_supervisor(void)
{
    const uint8_t *stub = (const uint8_t *)mica_hypercall_page;
    return stub[5] == 0x0f && stub[6] == 0x05; /* `syscall` after `mov $nr, %eax` */
}

int main(void)
{
    CHECK(touch_supervisor() == 3);
    printf("svliar: its pages fault\n");
    if (!has_supervisor()) {
        printf("svliar: ok (no supervisor: hypercalls trap)\n");
        return 0;
    }
    uint64_t t0 = mica_time_monotonic();
    long t = raw_syscall(MICA_HC_CLOCK, HV_VA + 9 * 4096); /* rsp in its CPL0 stack */
    CHECK(t > 0 && (uint64_t)t >= t0);
    CHECK(raw_syscall(MICA_HC_CLOCK, 0) > 0);
    printf("svliar: hostile stacks\n");
    CHECK(raw_syscall(MICA_HC_YIELD, HV_VA + 7 * 4096) == 0); /* served by mica */
    CHECK(raw_syscall(999, HV_VA) == -MICA_ENOSYS);
    CHECK(raw_syscall(0xffffffffull, 0) == -MICA_ENOSYS);
    /* A shared_info whose clock the guest wrecked: the supervisor gives up
     * after a few tries and asks mica, which rewrites it. */
    struct mica_shared_info *s = (struct mica_shared_info *)(uintptr_t)mica_start->shared_info;
    s->time_version = 1; /* odd: an update "in progress" forever */
    s->tsc_shift = -100;
    t = raw_syscall(MICA_HC_CLOCK, 0);
    CHECK(t > 0 && (uint64_t)t >= t0);
    CHECK((s->time_version & 1) == 0);
    CHECK(touch_supervisor() == 3);
    printf("svliar: ok\n");
    return 0;
}
