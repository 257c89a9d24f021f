/* Exception handlers at CPL3: the hypervisor bounces a fault to
 * mica_trap_entry (entry.S), which calls the registered C handler and then
 * resumes the frame it may have edited. */
#include "mica/mica.h"

void mica_trap_entry(void);
void mica_trap_dispatch(struct mica_trap_frame *f);

static mica_gva_t trap_table[MICA_TRAP_VECTORS];
static mica_trap_handler handlers[MICA_TRAP_VECTORS];

void mica_trap_dispatch(struct mica_trap_frame *f)
{
    if (f->vector < MICA_TRAP_VECTORS && handlers[f->vector])
        handlers[f->vector](f);
}

long mica_trap_register(unsigned vector, mica_trap_handler handler)
{
    if (vector >= MICA_TRAP_VECTORS)
        return -MICA_EINVAL;
    handlers[vector] = handler;
    trap_table[vector] = handler ? (mica_gva_t)mica_trap_entry : 0;
    return mica_hypercall(MICA_HC_SET_TRAP_TABLE, (uint64_t)trap_table, 0, 0);
}

void mica_trap_resume(struct mica_trap_frame *f)
{
    for (;;)
        mica_hypercall(MICA_HC_TRAP_RETURN, (uint64_t)f, 0, 0);
}
