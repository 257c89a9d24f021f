/*
 * Time for PV guests, published in shared_info (Xen's pvclock, in spirit):
 * monotonic and wall-clock time and the domain's own run time, stamped with
 * the guest TSC so the guest can extrapolate with rdtsc and no exit.
 */
#ifndef MICA_PV_CLOCK_H
#define MICA_PV_CLOCK_H

#include <stdint.h>

#include "mica/abi.h"

/* What the host knows of the guest's TSC. */
struct pv_clock {
    uint64_t tsc_offset; /* guest TSC - host TSC; 0 without a KVM vCPU */
    uint32_t tsc_khz;    /* 0: no usable TSC, the guest asks with MICA_HC_CLOCK */
};

/* Finds the guest TSC's rate and offset from a KVM vCPU and writes the
 * scale into shared_info; without an invariant TSC the guest is told to ask
 * with MICA_HC_CLOCK instead. */
void pv_clock_init(struct pv_clock *c, int vcpu_fd, struct mica_shared_info *s);

/* Refreshes the time fields of shared_info (seqlock-style); run_ns is the
 * domain's vCPU time. */
void pv_clock_publish(const struct pv_clock *c, struct mica_shared_info *s, uint64_t run_ns);

/* pvclock scale for a TSC of tsc_khz: ns = ((d << shift) * mul) >> 32 (a
 * negative shift shifts right). Exposed for tests. */
void pv_clock_scale(uint64_t tsc_khz, uint32_t *mul, int32_t *shift);

#endif
