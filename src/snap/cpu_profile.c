#include "snap/cpu_profile.h"

#include <cpuid.h>
#include <string.h>

#include "util/errmsg.h"

const char *const cpu_profile_word_names[CPU_PROFILE_WORDS] = {
    "CPUID.1:ECX",  "CPUID.1:EDX",  "CPUID.7.0:EBX",       "CPUID.7.0:ECX",
    "CPUID.7.0:EDX", "CPUID.0xD.1:EAX", "CPUID.0x80000001:ECX", "CPUID.0x80000001:EDX",
};

static void leaf(unsigned l, unsigned sub, unsigned out[4])
{
    if (!__get_cpuid_count(l, sub, &out[0], &out[1], &out[2], &out[3]))
        memset(out, 0, 4 * sizeof out[0]);
}

void cpu_profile_host(struct cpu_profile *p)
{
    unsigned r[4];
    memset(p, 0, sizeof *p);
    leaf(0, 0, r);
    memcpy(p->vendor, &r[1], 4);
    memcpy(p->vendor + 4, &r[3], 4);
    memcpy(p->vendor + 8, &r[2], 4);
    leaf(1, 0, r);
    p->signature = r[0];
    p->words[0] = r[2], p->words[1] = r[3];
    /* APIC id, and the count of logical CPUs, differ between CPUs of one host. */
    leaf(7, 0, r);
    p->words[2] = r[1], p->words[3] = r[2], p->words[4] = r[3];
    leaf(0xd, 1, r);
    p->words[5] = r[0];
    leaf(0x80000001, 0, r);
    p->words[6] = r[2], p->words[7] = r[3];
    /* CPUID.1:ECX bit 27 (OSXSAVE) mirrors CR4 and bit 31 flags a hypervisor:
     * neither is a feature a guest could lose. */
    p->words[0] &= ~((1u << 27) | (1u << 31));
}

int cpu_profile_check(const struct cpu_profile *saved, const struct cpu_profile *here, char *err,
                      size_t errlen)
{
    if (memcmp(saved->vendor, here->vendor, sizeof saved->vendor))
        return errmsg(err, errlen, -1, "it was saved on a %.12s CPU and this host has a %.12s one",
                      saved->vendor, here->vendor);
    for (int i = 0; i < CPU_PROFILE_WORDS; i++) {
        uint32_t missing = saved->words[i] & ~here->words[i];
        if (missing)
            return errmsg(err, errlen, -1,
                          "it was saved on a CPU with features this host lacks (%s bits %#x)",
                          cpu_profile_word_names[i], missing);
    }
    return 0;
}
