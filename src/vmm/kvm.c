#include "vmm/kvm.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "util/log.h"

#define KVM_CPUID_ENTRIES_MAX 256

static struct kvm_host host = {.fd = -1};
static pthread_mutex_t host_lock = PTHREAD_MUTEX_INITIALIZER;

const char *kvm_device_path(void)
{
    const char *p = getenv("MICA_KVM_DEVICE");
    return p && *p ? p : "/dev/kvm";
}

static int open_device(char *err, size_t errlen)
{
    const char *path = kvm_device_path();
    int fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        const char *hint = errno == ENOENT ? "is KVM enabled on this host?"
                           : errno == EACCES ? "add yourself to the kvm group or run as root"
                                             : "";
        return errmsg(err, errlen, -1, "%s: %s%s%s", path, strerror(errno), *hint ? "; " : "", hint);
    }
    int version = ioctl(fd, KVM_GET_API_VERSION, 0);
    if (version != KVM_API_VERSION) {
        close(fd);
        return errmsg(err, errlen, -1, "%s: KVM API version %d, mica needs %d", path, version,
                       KVM_API_VERSION);
    }
    host.fd = fd;
    return 0;
}

static int query_host(char *err, size_t errlen)
{
    host.vcpu_mmap_size = ioctl(host.fd, KVM_GET_VCPU_MMAP_SIZE, 0);
    if (host.vcpu_mmap_size <= 0)
        return errmsg(err, errlen, -1, "KVM_GET_VCPU_MMAP_SIZE: %s", strerror(errno));
    host.has_sync_regs = ioctl(host.fd, KVM_CHECK_EXTENSION, KVM_CAP_SYNC_REGS) > 0;
    size_t sz = sizeof(struct kvm_cpuid2) + KVM_CPUID_ENTRIES_MAX * sizeof(struct kvm_cpuid_entry2);
    host.supported_cpuid = calloc(1, sz);
    if (!host.supported_cpuid)
        return errmsg(err, errlen, -1, "out of memory");
    host.supported_cpuid->nent = KVM_CPUID_ENTRIES_MAX;
    if (ioctl(host.fd, KVM_GET_SUPPORTED_CPUID, host.supported_cpuid) < 0)
        return errmsg(err, errlen, -1, "KVM_GET_SUPPORTED_CPUID: %s", strerror(errno));
    return 0;
}

struct kvm_host *kvm_host_get(char *err, size_t errlen)
{
    pthread_mutex_lock(&host_lock);
    int rc = 0;
    if (host.fd < 0) {
        rc = open_device(err, errlen);
        if (rc == 0 && query_host(err, errlen) < 0) {
            close(host.fd);
            host.fd = -1;
            rc = -1;
        }
    }
    pthread_mutex_unlock(&host_lock);
    return rc == 0 ? &host : NULL;
}

int kvm_host_runs_cpl0_natively(void)
{
    /* kvm_pvm is a module of its own; VT-x and AMD-V are kvm_intel/kvm_amd. */
    return access("/sys/module/kvm_pvm", F_OK) != 0;
}
