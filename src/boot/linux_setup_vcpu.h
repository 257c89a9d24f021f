/* Applies an x86_boot_state to a KVM vCPU: the only file in src/boot that
 * issues KVM ioctls. */
#ifndef MICA_BOOT_LINUX_SETUP_VCPU_H
#define MICA_BOOT_LINUX_SETUP_VCPU_H

#include <stddef.h>

#include "boot/x86_boot_state.h"

/* KVM_GET_SREGS, overlay, KVM_SET_SREGS, KVM_SET_REGS, and an FPU in its
 * reset state (FCW 0x37f, MXCSR 0x1f80) via KVM_SET_FPU. Boot CPU only:
 * the others wait for INIT/SIPI in the in-kernel LAPIC. 0 or -errno. */
int linux_setup_vcpu(int vcpu_fd, const struct x86_boot_state *st, char *err, size_t errlen);

#endif
