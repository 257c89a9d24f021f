/* CPU templates on a synthetic KVM_GET_SUPPORTED_CPUID table. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "boot/cpuid_template.h"

static struct kvm_cpuid2 *synthetic(void)
{
    struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + 6 * sizeof(c->entries[0]));
    c->nent = 6;
    c->entries[0] = (struct kvm_cpuid_entry2){ .function = 0, .eax = 0xd };
    c->entries[1] = (struct kvm_cpuid_entry2){ .function = 1, .eax = 0x806f8, .ebx = 0xff010800,
                                               .ecx = 0xf7f83203, .edx = 0x178bfbff };
    c->entries[2] = (struct kvm_cpuid_entry2){ .function = 7, .index = 0, .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX,
                                               .ebx = 0xffffffff, .ecx = 0xffffffff, .edx = 0xffffffff };
    c->entries[3] = (struct kvm_cpuid_entry2){ .function = 0xb, .index = 0, .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX,
                                               .edx = 7 };
    c->entries[4] = (struct kvm_cpuid_entry2){ .function = 0xd, .index = 0, .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX,
                                               .eax = 7, .ebx = 0x340 };
    c->entries[5] = (struct kvm_cpuid_entry2){ .function = 0xd, .index = 1, .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX,
                                               .eax = 0xf };
    return c;
}

static void test_host_changes_nothing(void **state)
{
    (void)state;
    struct kvm_cpuid2 *a = synthetic(), *b = synthetic();
    const struct cpu_template *t = cpu_template_find("host");
    assert_non_null(t);
    t->apply(a);
    assert_memory_equal(a, b, sizeof(*a) + 6 * sizeof(a->entries[0]));
    assert_string_equal(t->guest_cmdline, "");
    free(a);
    free(b);
}

static void test_safe_hides_what_the_emulator_cannot_run(void **state)
{
    (void)state;
    struct kvm_cpuid2 *c = synthetic();
    const struct cpu_template *t = cpu_template_find("safe");
    assert_non_null(t);
    t->apply(c);
    struct kvm_cpuid_entry2 *l1 = cpuid_find(c, 1, 0);
    assert_int_equal(l1->ecx & (1u << 13), 0); /* CX16: lock cmpxchg16b */
    assert_int_equal(l1->ecx & (1u << 26), 0); /* XSAVE: xrstor */
    assert_int_equal(l1->ecx & (1u << 27), 0); /* OSXSAVE */
    assert_int_equal(l1->ecx & (1u << 28), 0); /* AVX */
    assert_int_equal(l1->ecx & (1u << 23), 0); /* POPCNT */
    assert_int_equal(l1->ecx & 1, 1);          /* SSE3 stays */
    assert_int_equal(l1->edx, 0x178bfbff);     /* base features untouched */
    struct kvm_cpuid_entry2 *l7 = cpuid_find(c, 7, 0);
    assert_int_equal(l7->ebx & (1u << 20), 0); /* SMAP: clac/stac */
    assert_int_equal(l7->ebx & (1u << 5), 0);  /* AVX2 */
    assert_int_equal(l7->ecx & (1u << 2), 0);  /* UMIP */
    assert_int_equal(cpuid_find(c, 0xd, 0)->eax, 0);
    assert_int_equal(cpuid_find(c, 0xd, 1)->eax, 0);
    assert_non_null(strstr(t->guest_cmdline, "noxsave"));
    assert_non_null(strstr(t->guest_cmdline, "clearcpuid="));
    free(c);
}

/* host.md's list, with Linux 6.1's X86_FEATURE numbers written as in
 * arch/x86/include/asm/cpufeatures.h (word * 32 + bit), independently of the
 * template's table. 0 marks the ones noxsave clears (cpuid-deps.c). */
static const struct {
    const char *name;
    unsigned bit;
} host_md_list[] = {
    { "popcnt", 4 * 32 + 23 },  { "movbe", 4 * 32 + 22 },   { "bmi1", 9 * 32 + 3 },
    { "bmi2", 9 * 32 + 8 },     { "avx", 4 * 32 + 28 },     { "avx2", 9 * 32 + 5 },
    { "fma", 4 * 32 + 12 },     { "f16c", 4 * 32 + 29 },    { "sse4_1", 4 * 32 + 19 },
    { "sse4_2", 4 * 32 + 20 },  { "aes", 4 * 32 + 25 },     { "pclmulqdq", 4 * 32 + 1 },
    { "rdrand", 4 * 32 + 30 },  { "rdseed", 9 * 32 + 18 },  { "adx", 9 * 32 + 19 },
    { "sha_ni", 9 * 32 + 29 },  { "smap", 9 * 32 + 20 },    { "smep", 9 * 32 + 7 },
    { "fsgsbase", 9 * 32 + 0 }, { "erms", 9 * 32 + 9 },     { "fsrm", 18 * 32 + 4 },
    { "clflushopt", 9 * 32 + 23 }, { "clwb", 9 * 32 + 24 }, { "vaes", 16 * 32 + 9 },
    { "vpclmulqdq", 16 * 32 + 10 }, { "rdpid", 16 * 32 + 22 }, { "umip", 16 * 32 + 2 },
    { "xsaveopt", 0 },          { "xsavec", 0 },            { "xsaves", 0 },
    { "cx16", 4 * 32 + 13 },    { "pcid", 4 * 32 + 17 },    { "invpcid", 9 * 32 + 10 },
};

/* What Linux 6.1's cpu_parse_early_param() would clear: the last
 * clearcpuid= on the line, copied into char arg[128] (127 characters), split
 * at commas, each a decimal X86_FEATURE number. Returns the count parsed and
 * asserts the value was not truncated. */
static size_t linux61_clearcpuid(const char *cmdline, unsigned *bits, size_t cap)
{
    const char *opt = NULL;
    for (const char *p = cmdline; (p = strstr(p, "clearcpuid=")); p++)
        if (p == cmdline || p[-1] == ' ')
            opt = p + strlen("clearcpuid=");
    assert_non_null(opt);
    size_t len = strcspn(opt, " ");
    assert_true(len <= 127);
    char arg[128];
    memcpy(arg, opt, len);
    arg[len] = 0;
    size_t n = 0;
    for (char *save = NULL, *tok = strtok_r(arg, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        char *end;
        unsigned long v = strtoul(tok, &end, 10);
        assert_true(*tok && !*end); /* a number, which Linux takes without a name lookup */
        assert_true(n < cap);
        bits[n++] = (unsigned)v;
    }
    return n;
}

static void test_safe_linux_switches_fit_and_clear_the_list(void **state)
{
    (void)state;
    const struct cpu_template *t = cpu_template_find("safe");
    unsigned bits[64];
    size_t n = linux61_clearcpuid(t->guest_cmdline, bits, 64);
    for (size_t i = 0; i < sizeof host_md_list / sizeof *host_md_list; i++) {
        bool found = false;
        for (size_t j = 0; j < n; j++)
            found |= bits[j] == host_md_list[i].bit;
        if (host_md_list[i].bit == 0)
            found = strstr(t->guest_cmdline, "noxsave") != NULL;
        if (!found)
            fail_msg("%s is not cleared", host_md_list[i].name);
    }
    assert_int_equal(bits[0], 4 * 32 + 23); /* popcnt, the one a boot stopped on, first */
    /* The template's own name table agrees with the numbers. */
    const struct cpu_linux_feature *f = cpu_template_linux_clears(t);
    assert_non_null(f);
    size_t k = 0;
    for (; f[k].name; k++) {
        assert_true(k < n);
        assert_int_equal(f[k].bit, bits[k]);
        for (size_t i = 0; i < sizeof host_md_list / sizeof *host_md_list; i++)
            if (!strcmp(host_md_list[i].name, f[k].name))
                assert_int_equal(host_md_list[i].bit, f[k].bit);
    }
    assert_int_equal(k, n);
    assert_null(cpu_template_linux_clears(cpu_template_find("host")));
}

static void test_unknown_template_and_missing_leaves(void **state)
{
    (void)state;
    assert_null(cpu_template_find("turbo"));
    assert_non_null(strstr(cpu_template_names(), "safe"));
    struct kvm_cpuid2 *c = calloc(1, sizeof(*c));
    cpu_template_find("safe")->apply(c); /* an empty table is fine */
    free(c);
}

static void test_vcpu_ids(void **state)
{
    (void)state;
    struct kvm_cpuid2 *c = synthetic();
    cpuid_set_vcpu_id(c, 3, 4);
    struct kvm_cpuid_entry2 *l1 = cpuid_find(c, 1, 0);
    assert_int_equal(l1->ebx >> 24, 3);
    assert_int_equal((l1->ebx >> 16) & 0xff, 4);
    assert_int_equal(l1->ebx & 0xffff, 0x0800);
    assert_int_equal(cpuid_find(c, 0xb, 0)->edx, 3);
    assert_null(cpuid_find(c, 7, 1));
    free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_host_changes_nothing),
        cmocka_unit_test(test_safe_hides_what_the_emulator_cannot_run),
        cmocka_unit_test(test_safe_linux_switches_fit_and_clear_the_list),
        cmocka_unit_test(test_unknown_template_and_missing_leaves),
        cmocka_unit_test(test_vcpu_ids),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
