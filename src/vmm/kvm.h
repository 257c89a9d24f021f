/*
 * The host's KVM: /dev/kvm opened once per process, with what it supports.
 * Many VMs (a later dispatcher runs thousands) share this one handle.
 */
#ifndef MICA_VMM_KVM_H
#define MICA_VMM_KVM_H

#include <linux/kvm.h>
#include <stddef.h>

struct kvm_host {
    int fd;
    int vcpu_mmap_size;
    int has_sync_regs;
    struct kvm_cpuid2 *supported_cpuid; /* KVM_GET_SUPPORTED_CPUID */
};

/* Opens /dev/kvm (or $MICA_KVM_DEVICE) once; later calls return the same
 * handle. On failure returns NULL with one line in err. */
struct kvm_host *kvm_host_get(char *err, size_t errlen);

/* Whether guest CPL0 code runs natively here (KVM on VT-x or AMD-V), as
 * opposed to kvm_pvm, where it is emulated and a CPL3 `syscall` does not
 * reach it: decides the default of PV domains' in-guest supervisor. */
int kvm_host_runs_cpl0_natively(void);

/* The KVM device node: /dev/kvm unless $MICA_KVM_DEVICE names another. */
const char *kvm_device_path(void);

#endif
