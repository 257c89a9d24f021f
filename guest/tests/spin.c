/* Spins forever at CPL3 without a hypercall: only a preemption (Ctrl-C,
 * --timeout) can take the CPU back. */
#include "mica/mica.h"

int main(void)
{
    printf("spinning\n");
    mica_console_flush();
    for (volatile uint64_t i = 0;; i++)
        ;
}
