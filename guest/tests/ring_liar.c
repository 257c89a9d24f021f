/* A hostile guest: lies in its console ring indices, then checks that the
 * hypervisor survived and still serves it. Exits 0. */
#include "mica/mica.h"

int main(void)
{
    struct mica_console_ring *r = (struct mica_console_ring *)mica_start->console_ring;
    r->out_prod = r->out_cons + 0x7fff0000u; /* claims far more than the ring holds */
    *(volatile uint32_t *)mica_start->console_doorbell = 1;
    mica_yield();                              /* let the host look at it */
    r->in_cons = r->in_prod + 5000;           /* consumer ahead of producer */
    char buf[8];
    long rc = mica_console_read(buf, sizeof buf);
    static const char msg[] = "ring_liar: still alive\n";
    mica_console_write(msg, sizeof msg - 1);
    return rc == -MICA_EINVAL ? 0 : 1;
}
