/*
 * One virtual CPU: its fd, the shared kvm_run page, and the means to take it
 * back from the thread running it (a signal plus immediate_exit), which is
 * how a dispatcher preempts a guest without any timer inside it.
 */
#ifndef MICA_VMM_VCPU_H
#define MICA_VMM_VCPU_H

#include <linux/kvm.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "vmm/vm.h"

struct vcpu {
    int fd;
    struct kvm_run *run;
    size_t run_size;
    atomic_bool thread_known;
    pthread_t thread;   /* the thread of the last KVM_RUN, for kicks (atomic accesses) */
    uint64_t run_ns;    /* time spent inside KVM_RUN           */
    uint64_t exits;     /* KVM_RUN returns                      */
};

int vcpu_create(struct vcpu *cpu, struct vm *vm, int index, char *err, size_t errlen);
void vcpu_destroy(struct vcpu *cpu);

/* Enters the guest once. Returns 0 with run->exit_reason set, or -EINTR when
 * kicked. With sync regs, run->s.regs.regs holds the registers after an exit;
 * mark changes with run->kvm_dirty_regs. */
int vcpu_enter(struct vcpu *cpu);

/* Finishes what the last exit left pending in KVM (the `out` of a
 * KVM_EXIT_IO, which KVM completes at the next entry; registers marked in
 * kvm_dirty_regs) without running a guest instruction: KVM_RUN with
 * immediate_exit, as KVM's API documents before a vCPU's state is saved.
 * Only while no thread runs the vCPU. 0, or a negative errno. */
int vcpu_complete_pending(struct vcpu *cpu);

/* From any thread: makes the vCPU leave (or not enter) the guest soon. */
void vcpu_kick(struct vcpu *cpu);
/* The same for a caller that knows the thread running the vCPU (a run
 * gate's, see vmm/run_gate.h); thread NULL: none has entered yet. */
void vcpu_kick_thread(struct vcpu *cpu, const pthread_t *thread);

/* Installs the no-op handler for the kick signal; once per process. */
void vcpu_kick_signal_init(void);
/* Sends the kick signal to any thread: a blocking system call there
 * returns EINTR (the handler has no SA_RESTART). */
void vcpu_signal_thread(pthread_t thread);

#endif
