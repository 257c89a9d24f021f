#include "boot/linux_setup_vcpu.h"

#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "util/errmsg.h"

int linux_setup_vcpu(int vcpu_fd, const struct x86_boot_state *st, char *err, size_t errlen)
{
    struct kvm_sregs sregs;
    if (ioctl(vcpu_fd, KVM_GET_SREGS, &sregs) < 0)
        return errmsg(err, errlen, -errno, "vCPU: KVM_GET_SREGS: %s", strerror(errno));
    x86_boot_state_to_sregs(st, &sregs);
    if (ioctl(vcpu_fd, KVM_SET_SREGS, &sregs) < 0)
        return errmsg(err, errlen, -errno, "vCPU: KVM_SET_SREGS (64-bit boot state): %s", strerror(errno));
    struct kvm_regs regs = st->regs;
    if (ioctl(vcpu_fd, KVM_SET_REGS, &regs) < 0)
        return errmsg(err, errlen, -errno, "vCPU: KVM_SET_REGS: %s", strerror(errno));
    struct kvm_fpu fpu = { .fcw = 0x37f, .mxcsr = 0x1f80 };
    if (ioctl(vcpu_fd, KVM_SET_FPU, &fpu) < 0)
        return errmsg(err, errlen, -errno, "vCPU: KVM_SET_FPU: %s", strerror(errno));
    return 0;
}
