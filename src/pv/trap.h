/*
 * Exceptions of PV guests and crash reports: a fault at CPL3 lands in the
 * trampoline, which exits to mica with the vector, error code and iret
 * frame on the CPL0 stack. A #UD on a hypercall stub is handed to
 * pv_hypercall(); other faults are bounced to the guest's handler or end
 * the domain with a report.
 */
#ifndef MICA_PV_TRAP_H
#define MICA_PV_TRAP_H

#include <linux/kvm.h>
#include <stdint.h>

#include "pv/exits.h"

struct pv_domain;
struct pv_vcpu;

/* The CPL0 stack words at rsp (hypervisor VA), or NULL if rsp is not on it. */
uint64_t *pv_stack0_at(struct pv_domain *d, mica_gva_t rsp, unsigned words);

/* An exception exit: r->rip tells the vector (see pv_vector_at), r->rsp
 * points at the error code, if any, and the iret frame. */
enum pv_outcome pv_exception(struct pv_vcpu *v, struct kvm_regs *r, uint64_t *deadline);

/* The in-guest supervisor handed a hypercall to mica (PV_PORT_SUPERVISOR):
 * nr in rax, the guest's iret frame at the CPL0 stack's top. */
enum pv_outcome pv_supervisor_hypercall(struct pv_vcpu *v, struct kvm_regs *r, uint64_t *deadline);

/* Ends the domain with a crash report of printf-style text (one line) plus
 * the registers and a few stack words of the interrupted guest context. */
enum pv_outcome pv_crash(struct pv_vcpu *v, const struct kvm_regs *r,
                         const struct pv_iret_frame *f, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
