/*
 * Borrowed Virtual Time (Duda and Cheriton, SOSP '99), as Xen 2.0 used it
 * (sched_bvt.c): each unit runs in proportion to its weight, and a
 * latency-sensitive one may "warp" back in virtual time to be dispatched
 * at once when it wakes, for a bounded time.
 *
 * Per unit (struct sched_params):
 *   weight   1..SCHED_WEIGHT_MAX (default SCHED_WEIGHT_DEFAULT = 100),
 *            dimensionless, relative: a unit of weight 200 gets twice the
 *            CPU of one of weight 100 when both are runnable. Its
 *            mcu_advance, the virtual ns its A advances per MCU of run
 *            time, is mcu_ns * SCHED_WEIGHT_DEFAULT / weight: inversely
 *            proportional to the weight (at the default weight one ns of
 *            run time is one virtual ns).
 *   warp_ns  W, 0..SCHED_WARP_MAX_NS (1 s), in virtual ns: how far back a
 *            warping unit's effective virtual time is set. 0: never warps.
 *   warp_limit_ns  L, 1..SCHED_WARP_LIMIT_MAX_NS (1 s), ns of run time,
 *            required when W > 0: a warp ends after the unit has run L
 *            while warped (its slice is cut to end there).
 *   unwarp_ns  U, 0..SCHED_UNWARP_MAX_NS (60 s), ns of real time: after a
 *            warp ends, the next may start only on a wake-up at least U
 *            later.
 * A warp starts when a unit with W > 0 wakes (and U has passed since its
 * last warp ended); it ends when the unit sleeps or has run L.
 *
 * Per policy (struct sched_config):
 *   ctx_allow_ns  C, the context-switch allowance (default 5 ms, Xen's):
 *            the running unit keeps the CPU until the next unit's effective
 *            virtual time is C (in the running unit's run time) behind its
 *            own, so units of near-equal virtual time do not thrash; and a
 *            unit waking from sleep gets at most C of credit (below).
 *   mcu_ns   the minimum charging unit (default 100 us, Xen's): A advances
 *            by mcu_advance per whole MCU run; the run time short of a
 *            whole MCU is carried to the next charge (Xen rounded each run
 *            up to a whole MCU; carrying is exact both ways).
 *   max_slice_ns  the longest slice (default 30 ms).
 *
 * Times kept per unit and for the policy:
 *   A (avt)  actual virtual time, virtual ns: grows with run time at the
 *            unit's rate; saturates at BVT_AVT_MAX (at weight 1, after
 *            1.4 years of run time; at the default weight, after 146).
 *   E (evt)  effective virtual time = A - (warping ? W : 0). The queued
 *            unit with the lowest E runs next (ties: first queued first).
 *   SVT      scheduler virtual time: the minimum A of the runnable units
 *            (queued or running), never decreasing. A unit that wakes has
 *            its A raised to at least SVT - C (C in its own virtual ns), so
 *            a sleeper cannot bank credit to take the CPU for long later.
 * Slices: the picked unit runs until the next queued unit's E + C would
 * win: (E_next - E_picked) converted to its run time, + C; at most
 * max_slice_ns, and at most the rest of its warp when warping. A unit that
 * wakes while another runs preempts it at once if its E is not above the
 * running one's now, otherwise when the running one's E has passed its E
 * by C of run time (sched_ops.preempt_at).
 */
#ifndef MICA_SCHED_BVT_H
#define MICA_SCHED_BVT_H

#include "sched/sched_ops.h"

#define BVT_AVT_MAX (1ull << 62)
#define BVT_MAX_UNITS (1u << 20)

extern const struct sched_ops bvt_ops;

#endif
