/*
 * A vCPU of a PV domain: the KVM vCPU that runs the guest at CPL3 and what
 * belongs to it alone (its trap table, the ports its last MICA_HC_BLOCK
 * waits for, the eventfd that wakes it, its counters). A domain has one
 * today; nothing here assumes it is the only one.
 *
 * pv_vcpu_run() is one step of a run loop: who runs it, on which thread,
 * when and for how long is the caller's (solo today, a dispatcher later).
 */
#ifndef MICA_PV_VCPU_H
#define MICA_PV_VCPU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mica/abi.h"
#include "vmm/vcpu.h"

struct pv_domain;

/* Why pv_vcpu_run() returned. */
enum pv_stop {
    PV_STOP_BLOCKED,   /* waits for an event or *deadline_ns (0 = none)   */
    PV_STOP_YIELDED,   /* gave up the CPU; runnable                       */
    PV_STOP_PREEMPTED, /* kicked by pv_vcpu_kick(); runnable              */
    PV_STOP_EXITED,    /* MICA_HC_EXIT: see the domain's exit_code        */
    PV_STOP_CRASHED,   /* see the domain's crash_report                   */
};

struct pv_stats {
    uint64_t exits, hypercalls, faults_bounced;
    uint64_t wakes; /* wake_fd writes for events (one per wait, see pv_vcpu_wake) */
};

/* Called instead of writing wake_fd when set (see pv_vcpu_set_wake_hook). */
typedef void (*pv_wake_fn)(void *ctx);

struct pv_vcpu {
    struct pv_domain *dom;
    unsigned index;
    struct vcpu cpu;
    int wake_fd;          /* eventfd: an event arrived while it blocks   */
    mica_gva_t trap_table[MICA_TRAP_VECTORS];
    uint64_t wait_ports;  /* the ports the last MICA_HC_BLOCK waits for */
    int wake_sent;        /* an event wrote wake_fd since the last rearm */
    pv_wake_fn on_wake;   /* NULL: wake_fd (atomic accesses)             */
    void *on_wake_ctx;
    uint64_t charged_ns;  /* run time a dispatcher charged it (atomic)    */
    struct pv_stats stats;
};

/* The host half, no KVM: defaults and the wake eventfd. */
int pv_vcpu_init(struct pv_vcpu *v, struct pv_domain *d, unsigned index, char *err, size_t errlen);

/* The KVM half: creates the vCPU in the domain's VM, in its initial state
 * (CPL3 at entry, rdi = start_info, the syscall MSRs). */
int pv_vcpu_create_kvm(struct pv_vcpu *v, mica_gva_t entry, char *err, size_t errlen);

void pv_vcpu_destroy(struct pv_vcpu *v);

/* Runs the vCPU until it blocks, yields, is preempted, exits or crashes. */
enum pv_stop pv_vcpu_run(struct pv_vcpu *v, uint64_t *deadline_ns);

/* Whether an unmasked event the vCPU waits for is pending. */
bool pv_vcpu_event_ready(const struct pv_vcpu *v);

/* From any thread: wakes the vCPU if it blocks (its wake_fd): once until
 * pv_vcpu_rearm_wake, however many ports fire meanwhile. */
void pv_vcpu_wake(struct pv_vcpu *v);

/* Sends the vCPU's wake-ups to fn(ctx) instead of its wake_fd: how a
 * dispatcher running many vCPUs learns that a blocked one has an event
 * (sched/cell.c), with no descriptor to poll per vCPU. fn runs on the
 * thread that raised the event, once per wait as above; it must not block.
 * Set it before events can arrive; NULL goes back to wake_fd. */
void pv_vcpu_set_wake_hook(struct pv_vcpu *v, pv_wake_fn fn, void *ctx);

/* The vCPU is about to look at its events and maybe sleep (MICA_HC_BLOCK,
 * or its run loop after reading wake_fd): the next event wakes it again.
 * Call it before looking, so that no event falls between the two. */
void pv_vcpu_rearm_wake(struct pv_vcpu *v);

/* From any thread: takes the vCPU back (pv_vcpu_run returns PREEMPTED). */
void pv_vcpu_kick(struct pv_vcpu *v);

#endif
