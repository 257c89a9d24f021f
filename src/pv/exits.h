/*
 * The two ways a PV guest's trampoline comes back to mica: a hypercall and
 * an exception. Both see the guest's registers (sync regs) and the iret
 * frame the CPU pushed on the CPL0 stack, and decide what happens next.
 */
#ifndef MICA_PV_EXITS_H
#define MICA_PV_EXITS_H

#include <linux/kvm.h>
#include <stdint.h>

struct pv_domain;

enum pv_outcome {
    PV_RESUME,  /* back into the guest                         */
    PV_BLOCK,   /* wait for an event or the deadline            */
    PV_YIELD,
    PV_EXIT,    /* d->exit_code is set                          */
    PV_CRASH,   /* d->crash_report is set                       */
};

/* What the CPU pushed when it entered CPL0 (and iretq pops). */
struct pv_iret_frame {
    uint64_t rip, cs, rflags, rsp, ss;
};

/* The CPL0 stack words at rsp (hypervisor VA), or NULL if rsp is not on it. */
uint64_t *pv_stack0_at(struct pv_domain *d, uint64_t rsp, unsigned words);

/* An exception exit: r->rip tells the vector (see pv_vector_at), r->rsp
 * points at the error code, if any, and the iret frame. */
enum pv_outcome pv_exception(struct pv_domain *d, struct kvm_regs *r, uint64_t *deadline);

/* Hypercall nr of the frame's context (rip already past the ud2). */
enum pv_outcome pv_hypercall(struct pv_domain *d, int nr, struct kvm_regs *r,
                             struct pv_iret_frame *f, uint64_t *deadline);

/* Ends the domain with a crash report of printf-style text (one line) plus
 * the registers and a few stack words of the interrupted guest context. */
enum pv_outcome pv_crash(struct pv_domain *d, const struct kvm_regs *r,
                         const struct pv_iret_frame *f, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* The rflags a guest may set: arithmetic flags, DF and AC; IF always on,
 * IOPL 0, no trap flag. */
uint64_t pv_user_rflags(uint64_t wanted);

#endif
