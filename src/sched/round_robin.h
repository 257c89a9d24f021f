/*
 * The trivial policy: runnable units in one FIFO, each picked in turn for
 * max_slice_ns. Weights and warps are accepted (within the common ranges)
 * and kept, but do not change the order. For tests of the dispatcher core
 * and as the baseline of bench/sched_bench.c.
 */
#ifndef MICA_SCHED_ROUND_ROBIN_H
#define MICA_SCHED_ROUND_ROBIN_H

#include "sched/sched_ops.h"

extern const struct sched_ops round_robin_ops;

#endif
