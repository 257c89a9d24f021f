#include "boot/cpuid_kvm.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "util/errmsg.h"

int cpuid_kvm_supported(int kvm_fd, struct kvm_cpuid2 **out, char *err, size_t errlen)
{
    /* KVM says E2BIG until the buffer is large enough. */
    for (uint32_t nent = 64; nent <= 4096; nent *= 2) {
        struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + nent * sizeof(c->entries[0]));
        if (!c)
            return errmsg(err, errlen, -ENOMEM, "CPUID: out of memory");
        c->nent = nent;
        if (ioctl(kvm_fd, KVM_GET_SUPPORTED_CPUID, c) == 0) {
            *out = c;
            return 0;
        }
        int e = errno;
        free(c);
        if (e != E2BIG)
            return errmsg(err, errlen, -e, "CPUID: KVM_GET_SUPPORTED_CPUID: %s", strerror(e));
    }
    return errmsg(err, errlen, -E2BIG, "CPUID: KVM_GET_SUPPORTED_CPUID table larger than 4096 entries");
}

int cpuid_kvm_set(int vcpu_fd, struct kvm_cpuid2 *cpuid, char *err, size_t errlen)
{
    if (ioctl(vcpu_fd, KVM_SET_CPUID2, cpuid) < 0)
        return errmsg(err, errlen, -errno, "vCPU: KVM_SET_CPUID2: %s", strerror(errno));
    return 0;
}
