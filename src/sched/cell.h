/*
 * A cell: one process running many PV domains under one dispatcher
 * (sched/dispatcher.h, BVT by default). VM/370's CP or Xen in miniature:
 * mica, not the host's thread scheduler, decides which vCPU runs, and a
 * few worker threads (default: one per host CPU) run thousands of them.
 *
 * - Each domain's vCPU is a dispatcher vCPU: a worker runs it with
 *   pv_vcpu_run() until it blocks (MICA_HC_BLOCK), yields, is kicked at
 *   its slice's end (signal + immediate_exit, as `mica run` preempts) or
 *   ends. A blocked vCPU is in no run queue and costs no CPU: its deadline
 *   is one node of the dispatcher's timer heap, and an event for it (a
 *   device, another domain, the console) reaches the dispatcher through
 *   the vCPU's wake hook (pv_vcpu_set_wake_hook), with no descriptor per
 *   vCPU to poll.
 * - The run time the dispatcher charges a vCPU is what its guest reads as
 *   its own run time (shared_info run_ns): the time BVT accounts.
 * - Device doorbells (the console's ioeventfd) are served by one I/O
 *   thread of the cell (cell_doorbells.c), for all its domains.
 * - A guest that exits or crashes ends its own domain only: the cell
 *   records how it ended and tells the owner (on_end); the others go on.
 *
 * Threads: every function may be called from any thread except the
 * on_end callback, which must not call cell_remove/cell_destroy.
 */
#ifndef MICA_SCHED_CELL_H
#define MICA_SCHED_CELL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pv/domain.h"
#include "pv/domain_table.h"
#include "sched/dispatcher.h"

/* At most this many domains in one cell: the process's domain table
 * (pv/domain_table.h) bounds it, and so does the per-process open-file
 * limit (20,000 on these hosts: each domain holds at least 4 descriptors:
 * VM, vCPU, doorbell, wake eventfd). */
#define CELL_VMS_MAX PV_DOMAINS_MAX

enum cell_vm_end {
    CELL_VM_RUNNING, /* not ended */
    CELL_VM_EXITED,  /* the guest exited: dom->exit_code */
    CELL_VM_CRASHED, /* dom->crash_report */
    CELL_VM_SHUT_DOWN, /* ended by cell_shutdown (its controller) */
};

struct cell_vm;
struct cell;

/* How a cell runs a vCPU: pv_vcpu_run and pv_vcpu_kick, or fakes in tests
 * (KVM-less domains, tests/support/pv_testbed.h). */
struct cell_vcpu_ops {
    enum pv_stop (*run)(struct pv_vcpu *v, uint64_t *deadline_ns);
    /* From any thread; `runner` is the worker inside run(), NULL before
     * it entered. Must not block. */
    void (*kick)(struct pv_vcpu *v, const pthread_t *runner);
};

struct cell_config {
    unsigned workers;                  /* 0: one per host CPU */
    const struct sched_ops *policy;    /* NULL: BVT */
    const struct sched_config *sched;  /* NULL: the defaults */
    unsigned max_vms;                  /* 0: CELL_VMS_MAX; at most that */
    const struct cell_vcpu_ops *vcpu_ops; /* NULL: the real ones (KVM) */
    /* A domain ended (on the worker that ran it). Optional. */
    void (*on_end)(void *ctx, struct cell_vm *vm);
    void *ctx;
};

/* 0, or -1 with a message naming the reason. */
int cell_create(struct cell **out, const struct cell_config *cfg, char *err, size_t errlen);
/* Stops the workers, then destroys every domain still in the cell. */
void cell_destroy(struct cell *c);

/* Takes a built domain (pv_domain_create, or a test domain) into the cell
 * and starts it with these BVT params (NULL: the defaults). From now on
 * the cell owns it: cell_remove/cell_destroy destroy it. 0, or -1 with a
 * message (params refused, cell full, its doorbell). */
int cell_add(struct cell *c, struct pv_domain *d, const struct sched_params *params,
             struct cell_vm **out, char *err, size_t errlen);
/* Takes a domain out (kicking it if it runs, waiting at most timeout_ms)
 * and destroys it. 0, -ETIMEDOUT (still in: try again). */
int cell_remove(struct cell *c, struct cell_vm *vm, int timeout_ms);

/* Ends a domain now (its controller's shutdown): it leaves the CPU within
 * timeout_ms (-ETIMEDOUT otherwise: try again) and is reported as
 * CELL_VM_SHUT_DOWN, through on_end too; its record stays until
 * cell_remove. -ESRCH when it had ended already. */
int cell_shutdown(struct cell *c, struct cell_vm *vm, int timeout_ms);

/* Pause (its vCPU is not run until resumed; it leaves the CPU within
 * timeout_ms or -ETIMEDOUT) and resume. -ESRCH when it has ended. */
int cell_pause(struct cell *c, struct cell_vm *vm, int timeout_ms);
int cell_resume(struct cell *c, struct cell_vm *vm);

/* BVT params and state at run time (like `xl sched-credit`, CP's SET
 * SHARE). -EINVAL (params out of range: nothing changed), -ESRCH (ended). */
int cell_set_params(struct cell *c, struct cell_vm *vm, const struct sched_params *p);
int cell_get_params(struct cell *c, struct cell_vm *vm, struct sched_params *out);
/* Run time charged and virtual times; works after the end too (the last
 * values). */
void cell_get_info(struct cell *c, struct cell_vm *vm, struct sched_info *out);

struct pv_domain *cell_vm_domain(const struct cell_vm *vm);
enum cell_vm_end cell_vm_end(const struct cell_vm *vm);
/* Whether its last run ended blocked (a moment old: for monitors). */
bool cell_vm_blocked(const struct cell_vm *vm);

/* Waits until no domain of the cell runs any more, or timeout_ms (-1: no
 * limit). Returns how many still run. */
unsigned cell_wait(struct cell *c, int timeout_ms);
/* Stops every vCPU where it is (the cell can only be destroyed after);
 * their info stays readable. */
void cell_stop(struct cell *c);

void cell_get_stats(struct cell *c, struct dispatcher_stats *out);

#endif
