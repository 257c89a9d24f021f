#include "pv/clock.h"

#include <cpuid.h>
#include <linux/kvm.h>
#include <sys/ioctl.h>
#include <x86intrin.h>

#include "util/time.h"

#define MSR_IA32_TSC 0x10

void pv_clock_scale(uint64_t tsc_khz, uint32_t *mul, int32_t *shift)
{
    uint64_t hz = tsc_khz * 1000;
    int32_t s = 0;
    for (;;) {
        uint64_t base = s >= 0 ? hz << s : hz >> -s;
        uint64_t m = (1000000000ull << 32) / base;
        /* A larger shift divides by more: shift until mul has 32 bits. */
        if (m >= (1ull << 32) && s < 31)
            s++;
        else if (m < (1ull << 31) && s > -31)
            s--;
        else {
            *mul = (uint32_t)m;
            *shift = s;
            return;
        }
    }
}

static int host_tsc_invariant(void)
{
    unsigned a, b, c, d;
    return __get_cpuid(0x80000007, &a, &b, &c, &d) && (d & (1u << 8));
}

static int read_guest_tsc(int vcpu_fd, uint64_t *tsc)
{
    union {
        struct kvm_msrs head;
        uint8_t bytes[sizeof(struct kvm_msrs) + sizeof(struct kvm_msr_entry)];
    } buf = {.head.nmsrs = 1};
    buf.head.entries[0].index = MSR_IA32_TSC;
    if (ioctl(vcpu_fd, KVM_GET_MSRS, &buf) != 1)
        return -1;
    *tsc = buf.head.entries[0].data;
    return 0;
}

void pv_clock_init(struct pv_clock *c, int vcpu_fd, struct mica_shared_info *s)
{
    c->tsc_khz = 0;
    int khz = ioctl(vcpu_fd, KVM_GET_TSC_KHZ, 0);
    uint64_t guest;
    if (khz <= 0 || !host_tsc_invariant())
        return;
    uint64_t before = __rdtsc();
    if (read_guest_tsc(vcpu_fd, &guest) < 0)
        return;
    uint64_t after = __rdtsc();
    c->tsc_offset = guest - (before + (after - before) / 2);
    c->tsc_khz = (uint32_t)khz;
    pv_clock_scale((uint64_t)khz, &s->tsc_mul, &s->tsc_shift);
}

void pv_clock_publish(const struct pv_clock *c, struct mica_shared_info *s, uint64_t run_ns)
{
    uint32_t v = s->time_version;
    __atomic_store_n(&s->time_version, v | 1, __ATOMIC_SEQ_CST); /* odd: updating */
    s->tsc_stamp = __rdtsc() + c->tsc_offset;
    s->monotonic_ns = monotonic_ns();
    s->wall_ns = wall_ns();
    s->run_ns = run_ns;
    s->time_flags = c->tsc_khz ? MICA_TIME_TSC : 0;
    __atomic_store_n(&s->time_version, (v | 1) + 1, __ATOMIC_SEQ_CST);
}
