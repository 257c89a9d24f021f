/*
 * A paravirtualized domain: one KVM VM whose single vCPU runs a guest-kit
 * ELF at CPL3, with its start_info, shared_info, hypercall page, console and
 * the hypervisor's tables. Mechanism only: who runs it, when and for how
 * long is the caller's (a simple loop in `mica run`, a dispatcher later).
 */
#ifndef MICA_PV_DOMAIN_H
#define MICA_PV_DOMAIN_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "mica/abi.h"
#include "pv/console.h"
#include "pv/layout.h"
#include "pv/pagetable.h"
#include "vmm/vcpu.h"
#include "vmm/vm.h"

struct pv_domain_config {
    const char *name;
    const char *image_path;
    uint64_t mem_mib;
    int argc;           /* arguments for the guest, argv[0] included */
    char **argv;
    pv_console_sink console_sink;
    void *console_ctx;
};

/* Why pv_domain_run() returned. */
enum pv_stop {
    PV_STOP_BLOCKED,   /* waits for an event or *deadline_ns (0 = none)   */
    PV_STOP_YIELDED,   /* gave up the CPU; runnable                       */
    PV_STOP_PREEMPTED, /* kicked by pv_domain_kick(); runnable            */
    PV_STOP_EXITED,    /* MICA_HC_EXIT: see exit_code                     */
    PV_STOP_CRASHED,   /* see crash_report                                */
};

struct pv_stats {
    uint64_t exits, hypercalls, faults_bounced;
};

struct pv_domain {
    char name[MICA_NAME_MAX];
    uint64_t id;
    struct vm vm;
    struct vcpu cpu;
    struct guest_mem ram, hv;
    struct pv_layout layout;
    struct pv_mmu mmu;
    struct mica_start_info *start_info;
    struct mica_shared_info *shared;
    struct pv_console console;
    int doorbell_fd;     /* console kicks (ioeventfd)                  */
    int wake_fd;         /* eventfd: an event arrived for a blocked vCPU */
    uint64_t trap_table[MICA_TRAP_VECTORS];
    uint64_t wait_ports;  /* the ports the last MICA_HC_BLOCK waits for */
    uint64_t tsc_offset; /* guest TSC - host TSC                       */
    uint32_t tsc_khz;
    int exit_code;
    char crash_report[2048];
    struct pv_stats stats;
};

int pv_domain_create(struct pv_domain **out, const struct pv_domain_config *cfg, char *err,
                     size_t errlen);
void pv_domain_destroy(struct pv_domain *d);

/* Runs the vCPU until it blocks, yields, is preempted, exits or crashes. */
enum pv_stop pv_domain_run(struct pv_domain *d, uint64_t *deadline_ns);

/* From any thread: sets an event pending and wakes the domain if blocked. */
void pv_domain_raise_event(struct pv_domain *d, mica_port_t port);

/* Whether an unmasked event the domain waits for is pending. */
bool pv_domain_event_ready(const struct pv_domain *d);

/* From any thread: takes the vCPU back (pv_domain_run returns PREEMPTED). */
void pv_domain_kick(struct pv_domain *d);

#endif
