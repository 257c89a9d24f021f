/* Blocking for guests: the console's output reaches the host before the
 * vCPU sleeps, then the raw block on the event ports. Above both the
 * console front end and the events. */
#include "mica/console.h"
#include "mica/kit.h"

long mica_block_on(uint64_t deadline_ns, uint64_t ports)
{
    mica_console_flush();
    return mica_events_block(deadline_ns, ports);
}

long mica_block(uint64_t deadline_ns) { return mica_block_on(deadline_ns, 0); }
