#include "boot/cpuid_template.h"

#include <stdbool.h>
#include <string.h>

/* Feature bits (Intel SDM vol. 2, CPUID). */
#define L1_ECX_PCLMULQDQ (1u << 1)
#define L1_ECX_FMA       (1u << 12)
#define L1_ECX_CX16      (1u << 13)
#define L1_ECX_PCID      (1u << 17)
#define L1_ECX_SSE41     (1u << 19)
#define L1_ECX_SSE42     (1u << 20)
#define L1_ECX_MOVBE     (1u << 22)
#define L1_ECX_POPCNT    (1u << 23)
#define L1_ECX_AES       (1u << 25)
#define L1_ECX_XSAVE     (1u << 26)
#define L1_ECX_OSXSAVE   (1u << 27)
#define L1_ECX_AVX       (1u << 28)
#define L1_ECX_F16C      (1u << 29)
#define L1_ECX_RDRAND    (1u << 30)

#define L7_EBX_FSGSBASE  (1u << 0)
#define L7_EBX_BMI1      (1u << 3)
#define L7_EBX_AVX2      (1u << 5)
#define L7_EBX_SMEP      (1u << 7)
#define L7_EBX_BMI2      (1u << 8)
#define L7_EBX_ERMS      (1u << 9)
#define L7_EBX_INVPCID   (1u << 10)
#define L7_EBX_RDSEED    (1u << 18)
#define L7_EBX_ADX       (1u << 19)
#define L7_EBX_SMAP      (1u << 20)
#define L7_EBX_CLFLUSHOPT (1u << 23)
#define L7_EBX_CLWB      (1u << 24)
#define L7_EBX_SHA       (1u << 29)
#define L7_ECX_UMIP      (1u << 2)
#define L7_ECX_VAES      (1u << 9)
#define L7_ECX_VPCLMULQDQ (1u << 10)
#define L7_ECX_RDPID     (1u << 22)
#define L7_EDX_FSRM      (1u << 4)

#define LD1_EAX_XSAVEOPT (1u << 0)
#define LD1_EAX_XSAVEC   (1u << 1)
#define LD1_EAX_XSAVES   (1u << 3)

#define SAFE_L1_ECX_HIDE (L1_ECX_PCLMULQDQ | L1_ECX_FMA | L1_ECX_CX16 | L1_ECX_PCID | L1_ECX_SSE41 | \
                          L1_ECX_SSE42 | L1_ECX_MOVBE | L1_ECX_POPCNT | L1_ECX_AES | L1_ECX_XSAVE | \
                          L1_ECX_OSXSAVE | L1_ECX_AVX | L1_ECX_F16C | L1_ECX_RDRAND)
#define SAFE_L7_EBX_HIDE (L7_EBX_FSGSBASE | L7_EBX_BMI1 | L7_EBX_AVX2 | L7_EBX_SMEP | L7_EBX_BMI2 | \
                          L7_EBX_ERMS | L7_EBX_INVPCID | L7_EBX_RDSEED | L7_EBX_ADX | L7_EBX_SMAP | \
                          L7_EBX_CLFLUSHOPT | L7_EBX_CLWB | L7_EBX_SHA)
#define SAFE_L7_ECX_HIDE (L7_ECX_UMIP | L7_ECX_VAES | L7_ECX_VPCLMULQDQ | L7_ECX_RDPID)
#define SAFE_L7_EDX_HIDE (L7_EDX_FSRM)
#define SAFE_LD1_EAX_HIDE (LD1_EAX_XSAVEOPT | LD1_EAX_XSAVEC | LD1_EAX_XSAVES)

/*
 * What the guest's Linux must clear itself, because on pvm hosts the guest's
 * cpuid shows host bits outside KVM's table (docs/host.md). Linux 6.1 copies
 * at most 127 characters of clearcpuid= (char arg[128] in
 * cpu_parse_early_param) and takes the last clearcpuid= only, so the list is
 * one option of Linux's X86_FEATURE numbers (word * 32 + bit, which it
 * accepts besides names and which are shorter), ordered by need: the first
 * ones are those a boot is known to stop on. XSAVEOPT/XSAVEC/XSAVES are left
 * to noxsave, which clears them (and AVX and what depends on it) through
 * Linux's cpuid-deps table.
 * Words: 4 = CPUID 1 ECX, 9 = 7.0 EBX, 16 = 7.0 ECX, 18 = 7.0 EDX.
 */
#define SAFE_LINUX_FIRST(X) X(popcnt, 151)
#define SAFE_LINUX_REST(X) \
    X(cx16, 141) X(ssse3, 137) X(smap, 308) X(movbe, 150) X(bmi1, 291) X(bmi2, 296) X(avx, 156) X(avx2, 293) \
    X(fma, 140) X(f16c, 157) X(sse4_1, 147) X(sse4_2, 148) X(aes, 153) X(pclmulqdq, 129)      \
    X(rdrand, 158) X(rdseed, 306) X(adx, 307) X(sha_ni, 317) X(smep, 295) X(fsgsbase, 288)     \
    X(erms, 297) X(fsrm, 580) X(clflushopt, 311) X(clwb, 312) X(vaes, 521) X(vpclmulqdq, 522)  \
    X(rdpid, 534) X(umip, 514) X(pcid, 145) X(invpcid, 298)
#define NUM_FIRST(name, bit) #bit
#define NUM_REST(name, bit) "," #bit
#define SAFE_CMDLINE "noxsave clearcpuid=" SAFE_LINUX_FIRST(NUM_FIRST) SAFE_LINUX_REST(NUM_REST)

#define ROW(n, b) { #n, b },
static const struct cpu_linux_feature safe_linux_clear[] = {
    SAFE_LINUX_FIRST(ROW) SAFE_LINUX_REST(ROW) { NULL, 0 }
};

const struct cpu_linux_feature *cpu_template_linux_clears(const struct cpu_template *t)
{
    return t->guest_cmdline[0] ? safe_linux_clear : NULL;
}

struct kvm_cpuid_entry2 *cpuid_find(struct kvm_cpuid2 *cpuid, uint32_t function, uint32_t index)
{
    for (uint32_t i = 0; i < cpuid->nent; i++) {
        struct kvm_cpuid_entry2 *e = &cpuid->entries[i];
        bool indexed = e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX;
        if (e->function == function && (!indexed || e->index == index))
            return e;
    }
    return NULL;
}

static void clear_bits(struct kvm_cpuid2 *c, uint32_t fn, uint32_t idx, unsigned reg, uint32_t mask)
{
    struct kvm_cpuid_entry2 *e = cpuid_find(c, fn, idx);
    if (!e)
        return;
    uint32_t *r[4] = { &e->eax, &e->ebx, &e->ecx, &e->edx };
    *r[reg] &= ~mask;
}

enum { EAX, EBX, ECX, EDX };

static void apply_host(struct kvm_cpuid2 *c)
{
    (void)c;
}

static void apply_safe(struct kvm_cpuid2 *c)
{
    clear_bits(c, 1, 0, ECX, SAFE_L1_ECX_HIDE);
    clear_bits(c, 7, 0, EBX, SAFE_L7_EBX_HIDE);
    clear_bits(c, 7, 0, ECX, SAFE_L7_ECX_HIDE);
    clear_bits(c, 7, 0, EDX, SAFE_L7_EDX_HIDE);
    clear_bits(c, 0xd, 1, EAX, SAFE_LD1_EAX_HIDE);
    /* Without XSAVE the XSAVE state leaf describes nothing. */
    for (uint32_t i = 0; i < c->nent; i++)
        if (c->entries[i].function == 0xd)
            c->entries[i].eax = c->entries[i].ebx = c->entries[i].ecx = c->entries[i].edx = 0;
}

static const struct cpu_template templates[] = {
    { "host", "pass through what KVM supports", apply_host, "" },
    { "safe", "hide what the host's CPL0 emulator cannot run; add noxsave/clearcpuid", apply_safe,
      SAFE_CMDLINE },
};

const struct cpu_template *cpu_template_find(const char *name)
{
    for (size_t i = 0; i < sizeof(templates) / sizeof(templates[0]); i++)
        if (!strcmp(templates[i].name, name))
            return &templates[i];
    return NULL;
}

const char *cpu_template_names(void)
{
    return "host, safe";
}

void cpuid_set_vcpu_id(struct kvm_cpuid2 *cpuid, uint32_t apic_id, uint32_t ncpus)
{
    struct kvm_cpuid_entry2 *e = cpuid_find(cpuid, 1, 0);
    if (e) {
        e->ebx = (e->ebx & 0x0000ffffu) | (apic_id & 0xff) << 24 | (ncpus & 0xff) << 16;
        if (ncpus > 1)
            e->edx |= 1u << 28; /* HTT: the logical count field is valid */
    }
    for (uint32_t i = 0; i < cpuid->nent; i++)
        if (cpuid->entries[i].function == 0xb)
            cpuid->entries[i].edx = apic_id;
}
