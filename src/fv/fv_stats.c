#include "fv/fv_stats.h"

void fv_stats_emulated(const struct fv_stats *s, char *buf, size_t len)
{
    unsigned long i3 = atomic_load(&s->emul_int3), cl = atomic_load(&s->emul_clac),
                  st = atomic_load(&s->emul_stac), fw = atomic_load(&s->emul_fwait),
                  ld = atomic_load(&s->emul_ldmxcsr), sm = atomic_load(&s->emul_stmxcsr);
    if (!i3 && !cl && !st && !fw && !ld && !sm)
        snprintf(buf, len, "none");
    else
        snprintf(buf, len, "int3 %lu, clac %lu, stac %lu, fwait %lu, ldmxcsr %lu, stmxcsr %lu", i3,
                 cl, st, fw, ld, sm);
}

bool fv_stats_no_device_io(const struct fv_stats *s)
{
    return atomic_load(&s->exits_io) == 0 && atomic_load(&s->exits_mmio) == 0;
}
