/*
 * The hypercall table of PV domains (hypercall.c holds every hypercall).
 * Below the trap path: pv/trap.c calls in here when a #UD sits on a stub of
 * the hypercall page, and nothing here calls back into it.
 */
#ifndef MICA_PV_HYPERCALL_H
#define MICA_PV_HYPERCALL_H

#include <linux/kvm.h>
#include <stdint.h>

#include "pv/exits.h"

struct pv_vcpu;

/* Hypercall nr of the frame's context (rip already past the ud2), on the
 * guest's registers r; *deadline is set when it blocks. */
enum pv_outcome pv_hypercall(struct pv_vcpu *v, int nr, struct kvm_regs *r,
                             struct pv_iret_frame *f, uint64_t *deadline);

#endif
