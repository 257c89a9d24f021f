/* CPU templates on a synthetic KVM_GET_SUPPORTED_CPUID table. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

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
    assert_non_null(strstr(t->guest_cmdline, "popcnt"));
    assert_non_null(strstr(t->guest_cmdline, "cx16"));
    free(c);
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
        cmocka_unit_test(test_unknown_template_and_missing_leaves),
        cmocka_unit_test(test_vcpu_ids),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
