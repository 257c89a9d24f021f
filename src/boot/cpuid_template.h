/*
 * Named CPU templates: what the guest's CPUID says, applied to the table
 * from KVM_GET_SUPPORTED_CPUID before KVM_SET_CPUID2.
 *   host  - KVM's supported table as is.
 *   safe  - hides what KVM lets us hide and that the host's CPL0 emulator
 *           cannot run (see docs/host.md), and supplies the Linux command
 *           line switches for what CPUID cannot hide on pvm hosts.
 * Pure functions on struct kvm_cpuid2 buffers.
 */
#ifndef MICA_BOOT_CPUID_TEMPLATE_H
#define MICA_BOOT_CPUID_TEMPLATE_H

#include <linux/kvm.h>
#include <stddef.h>
#include <stdint.h>

struct cpu_template {
    const char *name;
    const char *description;
    void (*apply)(struct kvm_cpuid2 *cpuid);
    const char *guest_cmdline; /* appended to the kernel command line, or "" */
};

/* A feature the guest's Linux is told to clear: /proc/cpuinfo name and
 * Linux's X86_FEATURE number (word * 32 + bit). */
struct cpu_linux_feature {
    const char *name;
    unsigned bit;
};

/* The features t's guest_cmdline clears by number (terminated by a NULL
 * name), or NULL when it clears none. */
const struct cpu_linux_feature *cpu_template_linux_clears(const struct cpu_template *t);

/* NULL when unknown; cpu_template_names() lists the known ones for messages. */
const struct cpu_template *cpu_template_find(const char *name);
const char *cpu_template_names(void);

/* The entry for (function, index), or NULL. */
struct kvm_cpuid_entry2 *cpuid_find(struct kvm_cpuid2 *cpuid, uint32_t function, uint32_t index);

/* Per-vCPU fix-ups: initial APIC id in leaf 1 EBX[31:24] and the x2APIC id
 * in leaf 0xb EDX; logical processor count in leaf 1 EBX[23:16]. */
void cpuid_set_vcpu_id(struct kvm_cpuid2 *cpuid, uint32_t apic_id, uint32_t ncpus);

#endif
