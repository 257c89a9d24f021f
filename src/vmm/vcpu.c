#include "vmm/vcpu.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "util/log.h"
#include "util/time.h"

#define VCPU_KICK_SIGNAL SIGUSR1

static void on_kick(int sig)
{
    (void)sig; /* only here to interrupt KVM_RUN with EINTR */
}

void vcpu_signal_thread(pthread_t thread)
{
    pthread_kill(thread, VCPU_KICK_SIGNAL);
}

void vcpu_kick_signal_init(void)
{
    struct sigaction sa = {.sa_handler = on_kick};
    sigemptyset(&sa.sa_mask);
    sigaction(VCPU_KICK_SIGNAL, &sa, NULL);
}

int vcpu_create(struct vcpu *cpu, struct vm *vm, int index, char *err, size_t errlen)
{
    memset(cpu, 0, sizeof *cpu);
    cpu->fd = ioctl(vm->fd, KVM_CREATE_VCPU, index);
    if (cpu->fd < 0)
        return errmsg(err, errlen, -1, "KVM_CREATE_VCPU %d: %s", index, strerror(errno));
    cpu->run_size = (size_t)vm->kvm->vcpu_mmap_size;
    cpu->run = mmap(NULL, cpu->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, cpu->fd, 0);
    if (cpu->run == MAP_FAILED) {
        cpu->run = NULL;
        close(cpu->fd);
        cpu->fd = -1;
        return errmsg(err, errlen, -1, "mmap of vCPU %d state: %s", index, strerror(errno));
    }
    if (vm->kvm->has_sync_regs)
        cpu->run->kvm_valid_regs = KVM_SYNC_X86_REGS;
    return 0;
}

void vcpu_destroy(struct vcpu *cpu)
{
    if (cpu->run)
        munmap(cpu->run, cpu->run_size);
    if (cpu->fd >= 0)
        close(cpu->fd);
    cpu->run = NULL;
    cpu->fd = -1;
}

int vcpu_enter(struct vcpu *cpu)
{
    /* Every entry: a vCPU may be run by another thread next time, and a
     * kick must reach the one inside KVM_RUN. Stored (with its fence) only
     * when it changed: an unchanged thread is found by any read. */
    pthread_t self = pthread_self();
    if (!atomic_load_explicit(&cpu->thread_known, memory_order_relaxed) ||
        !pthread_equal(__atomic_load_n(&cpu->thread, __ATOMIC_RELAXED), self)) {
        __atomic_store_n(&cpu->thread, self, __ATOMIC_SEQ_CST);
        atomic_store(&cpu->thread_known, 1);
    }
    uint64_t t0 = monotonic_ns();
    int rc = ioctl(cpu->fd, KVM_RUN, 0);
    int saved = errno;
    cpu->run_ns += monotonic_ns() - t0;
    cpu->exits++;
    if (rc < 0) {
        /* A kick is consumed here; the next entry runs the guest again. */
        cpu->run->immediate_exit = 0;
        return -saved;
    }
    return 0;
}

int vcpu_complete_pending(struct vcpu *cpu)
{
    __atomic_store_n(&cpu->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
    int rc = ioctl(cpu->fd, KVM_RUN, 0);
    int saved = errno;
    cpu->run->immediate_exit = 0;
    if (rc == 0 || saved == EINTR)
        return 0;
    return -saved;
}

void vcpu_kick_thread(struct vcpu *cpu, const pthread_t *thread)
{
    if (!cpu->run)
        return; /* never created: nothing runs it */
    /* immediate_exit covers a kick that lands before KVM_RUN is entered. */
    __atomic_store_n(&cpu->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
    if (thread)
        vcpu_signal_thread(*thread);
}

void vcpu_kick(struct vcpu *cpu)
{
    pthread_t t;
    bool known = atomic_load(&cpu->thread_known);
    if (known)
        t = __atomic_load_n(&cpu->thread, __ATOMIC_SEQ_CST);
    vcpu_kick_thread(cpu, known ? &t : NULL);
}
