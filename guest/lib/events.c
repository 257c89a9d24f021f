/* Event channels, guest side: pending bits in shared_info, and the raw
 * block on them. Below the console: nothing here flushes it (block.c does). */
#include "mica/kit.h"

uint64_t mica_wait_ports;
long (*mica_wait_hook)(void);

uint64_t mica_events_take(void)
{
    struct mica_shared_info *s = (struct mica_shared_info *)mica_start->shared_info;
    uint64_t mask = __atomic_load_n(&s->evt_mask, __ATOMIC_ACQUIRE);
    return __atomic_fetch_and(&s->evt_pending, mask, __ATOMIC_SEQ_CST) & ~mask;
}

long mica_events_block(uint64_t deadline_ns, uint64_t ports)
{
    return mica_hypercall(MICA_HC_BLOCK, deadline_ns, ports, 0);
}
