/*
 * Time for PV guests, published in shared_info (Xen's pvclock, in spirit):
 * monotonic and wall-clock time and the domain's own run time, stamped with
 * the guest TSC so the guest can extrapolate with rdtsc and no exit.
 */
#ifndef MICA_PV_CLOCK_H
#define MICA_PV_CLOCK_H

#include <stdint.h>

struct pv_domain;

/* Finds the guest TSC's rate and offset; without an invariant TSC the guest
 * is told to ask with MICA_HC_CLOCK instead. */
void pv_clock_init(struct pv_domain *d);

/* Refreshes the time fields of shared_info (seqlock-style). */
void pv_clock_publish(struct pv_domain *d);

/* pvclock scale for a TSC of tsc_khz: ns = ((d << shift) * mul) >> 32 (a
 * negative shift shifts right). Exposed for tests. */
void pv_clock_scale(uint64_t tsc_khz, uint32_t *mul, int32_t *shift);

#endif
