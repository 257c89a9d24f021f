#include "vmm/vm.h"

#include <errno.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "util/log.h"

int vm_create(struct vm *vm, char *err, size_t errlen)
{
    memset(vm, 0, sizeof *vm);
    vm->fd = -1;
    vm->kvm = kvm_host_get(err, errlen);
    if (!vm->kvm)
        return -1;
    vm->fd = ioctl(vm->kvm->fd, KVM_CREATE_VM, 0);
    if (vm->fd < 0)
        return errmsg(err, errlen, -1, "KVM_CREATE_VM: %s", strerror(errno));
    return 0;
}

void vm_destroy(struct vm *vm)
{
    if (vm->fd >= 0)
        close(vm->fd);
    vm->fd = -1;
}

int vm_add_memory(struct vm *vm, const struct guest_mem *mem, char *err, size_t errlen)
{
    struct kvm_userspace_memory_region region = {
        .slot = vm->next_slot,
        .guest_phys_addr = mem->gpa,
        .memory_size = mem->size,
        .userspace_addr = (uint64_t)(uintptr_t)mem->host,
    };
    if (ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &region) < 0)
        return errmsg(err, errlen, -1, "KVM_SET_USER_MEMORY_REGION (%llu KiB at %#llx): %s",
                       (unsigned long long)mem->size >> 10, (unsigned long long)mem->gpa,
                       strerror(errno));
    vm->next_slot++;
    return 0;
}

int vm_add_mmio_doorbell(struct vm *vm, uint64_t gpa, uint32_t len, char *err, size_t errlen)
{
    int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (efd < 0)
        return errmsg(err, errlen, -1, "eventfd: %s", strerror(errno));
    struct kvm_ioeventfd io = {.addr = gpa, .len = len, .fd = efd};
    if (ioctl(vm->fd, KVM_IOEVENTFD, &io) < 0) {
        close(efd);
        return errmsg(err, errlen, -1, "KVM_IOEVENTFD at %#llx: %s", (unsigned long long)gpa,
                       strerror(errno));
    }
    return efd;
}

int vm_bind_mmio_eventfd(struct vm *vm, int fd, uint64_t gpa, uint32_t len, uint64_t datamatch,
                         char *err, size_t errlen)
{
    struct kvm_ioeventfd io = {
        .datamatch = datamatch, .addr = gpa, .len = len, .fd = fd,
        .flags = KVM_IOEVENTFD_FLAG_DATAMATCH,
    };
    if (ioctl(vm->fd, KVM_IOEVENTFD, &io) < 0)
        return errmsg(err, errlen, -1, "KVM_IOEVENTFD at %#llx (data %llu): %s",
                       (unsigned long long)gpa, (unsigned long long)datamatch, strerror(errno));
    return 0;
}

int vm_bind_irqfd(struct vm *vm, int fd, unsigned gsi, char *err, size_t errlen)
{
    struct kvm_irqfd irqfd = {.fd = (uint32_t)fd, .gsi = gsi};
    if (ioctl(vm->fd, KVM_IRQFD, &irqfd) < 0)
        return errmsg(err, errlen, -1, "KVM_IRQFD for GSI %u: %s", gsi, strerror(errno));
    return 0;
}
