/* Counters a full-virtualization machine keeps: exits by kind and the
 * instructions mica completed for the host's emulator. Printed with --stats
 * and in crash reports. */
#ifndef MICA_FV_FV_STATS_H
#define MICA_FV_FV_STATS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>

struct fv_stats {
    atomic_ulong exits, exits_io, exits_mmio, exits_intr, exits_other;
    atomic_ulong emul_int3, emul_clac, emul_stac, emul_fwait, emul_ldmxcsr, emul_stmxcsr;
};

/* "int3 2, clac 10, stac 10, fwait 0, ldmxcsr 3, stmxcsr 0" or "none". */
/* Whether the guest never touched a device (no port or MMIO exit): a
 * reset then came from its first instructions, not from a kernel that
 * booted and asked for one (those always use a device first). */
bool fv_stats_no_device_io(const struct fv_stats *s);

void fv_stats_emulated(const struct fv_stats *s, char *buf, size_t len);

#endif
