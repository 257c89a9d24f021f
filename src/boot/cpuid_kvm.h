/* The two KVM ioctls around CPU templates. */
#ifndef MICA_BOOT_CPUID_KVM_H
#define MICA_BOOT_CPUID_KVM_H

#include <linux/kvm.h>
#include <stddef.h>

/* KVM_GET_SUPPORTED_CPUID on the /dev/kvm fd into a new malloc'd table
 * (free() it). 0 or -errno. */
int cpuid_kvm_supported(int kvm_fd, struct kvm_cpuid2 **out, char *err, size_t errlen);
/* KVM_SET_CPUID2 on a vCPU fd (before its first KVM_RUN). 0 or -errno. */
int cpuid_kvm_set(int vcpu_fd, struct kvm_cpuid2 *cpuid, char *err, size_t errlen);

#endif
