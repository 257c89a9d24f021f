/* What the kit does when malloc finds its heap damaged: report and crash
 * the guest. Apart from the runtime so that malloc depends on stdio only,
 * and the runtime on malloc, not the reverse. */
#include "mica/mica.h"

void mica_heap_corrupt(const char *why)
{
    printf("libmica: heap corrupted: %s\n", why);
    mica_console_flush();
    __builtin_trap();
}
