/*
 * A KVM virtual machine: its fd, memory slots and doorbells. Mechanism only;
 * what runs inside (a PV domain, a Linux PC) is built on top.
 */
#ifndef MICA_VMM_VM_H
#define MICA_VMM_VM_H

#include <stddef.h>
#include <stdint.h>

#include "vmm/guest_mem.h"
#include "vmm/kvm.h"

struct vm {
    struct kvm_host *kvm;
    int fd;
    uint32_t next_slot;
};

int vm_create(struct vm *vm, char *err, size_t errlen);
void vm_destroy(struct vm *vm);

/* Gives a guest_mem region to the guest at its gpa. */
int vm_add_memory(struct vm *vm, const struct guest_mem *mem, char *err, size_t errlen);

/* Binds a write of `len` bytes at guest-physical `gpa` to an eventfd, so a
 * guest's kick costs a trip to the host kernel, not to mica. Returns the
 * eventfd or -1. */
int vm_add_mmio_doorbell(struct vm *vm, uint64_t gpa, uint32_t len, char *err, size_t errlen);

/* Binds an existing eventfd to writes of `len` bytes of value `datamatch`
 * at guest-physical `gpa` (virtio-mmio's QueueNotify: one fd per queue).
 * 0 or -1 with one line in err. */
int vm_bind_mmio_eventfd(struct vm *vm, int fd, uint64_t gpa, uint32_t len, uint64_t datamatch,
                         char *err, size_t errlen);

/* Makes a write to eventfd `fd` raise interrupt line `gsi` (KVM_IRQFD), so a
 * device thread interrupts the guest without a vCPU exit. 0 or -1. */
int vm_bind_irqfd(struct vm *vm, int fd, unsigned gsi, char *err, size_t errlen);

#endif
