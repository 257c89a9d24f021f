/* The PV console's front end (contract: include/mica/io/console.h; back
 * end: src/pvio/console/): output batched into the shared ring with a
 * doorbell kick only when the host asked for one; input taken from the ring,
 * waiting on the console event when it is empty. It sits on the core alone
 * (start_info, hypercalls, events): stdio and the blocking calls build on
 * it, never the reverse. */
#include "mica/io/console.h"
#include "mica/console.h"
#include "mica/kit.h"
#include "mica/ring.h"

static struct mica_console_ring *ring(void)
{
    return (struct mica_console_ring *)mica_start->console_ring;
}

static void kick(void) { *(volatile uint32_t *)mica_start->console_doorbell = 1; }

long mica_console_write(const void *buf, size_t len)
{
    return mica_hypercall(MICA_HC_CONSOLE_WRITE, (uint64_t)buf, len, 0);
}

long mica_console_read(void *buf, size_t len)
{
    return mica_hypercall(MICA_HC_CONSOLE_READ, (uint64_t)buf, len, 0);
}

void mica_console_put(const char *s, size_t n)
{
    struct mica_console_ring *r = ring();
    while (n) {
        uint32_t prod = r->out_prod;
        uint32_t used = mica_ring_used(prod, __atomic_load_n(&r->out_cons, __ATOMIC_ACQUIRE));
        if (used >= MICA_CONS_OUT_SIZE) {
            /* Full: the hypercall drains the ring, then writes the rest. */
            long w = mica_console_write(s, n);
            if (w <= 0)
                return;
            s += w;
            n -= (size_t)w;
            continue;
        }
        uint32_t k = MICA_CONS_OUT_SIZE - used;
        if (k > n)
            k = (uint32_t)n;
        mica_ring_copy_in(r->out, MICA_CONS_OUT_SIZE, prod, s, k);
        __atomic_store_n(&r->out_prod, prod + k, __ATOMIC_SEQ_CST);
        if (mica_ring_need_kick(prod, prod + k, __atomic_load_n(&r->out_event, __ATOMIC_SEQ_CST)))
            kick();
        s += k;
        n -= k;
    }
}

void mica_console_flush(void)
{
    struct mica_console_ring *r = ring();
    if (r->out_prod != __atomic_load_n(&r->out_cons, __ATOMIC_ACQUIRE))
        kick();
}

int mica_console_getc(void)
{
    struct mica_console_ring *r = ring();
    uint32_t cons = r->in_cons;
    if (__atomic_load_n(&r->in_prod, __ATOMIC_ACQUIRE) == cons)
        return (__atomic_load_n(&r->in_flags, __ATOMIC_ACQUIRE) & MICA_CONS_IN_EOF) ? MICA_EOF
                                                                                   : MICA_NO_INPUT;
    unsigned char c = (unsigned char)r->in[cons & (MICA_CONS_IN_SIZE - 1)];
    __atomic_store_n(&r->in_cons, cons + 1, __ATOMIC_RELEASE);
    return c;
}

int mica_console_getc_wait(void)
{
    for (;;) {
        /* Clear the event first: input that arrives after the check below
         * sets it again, so the block cannot miss it. */
        __atomic_and_fetch(&((struct mica_shared_info *)mica_start->shared_info)->evt_pending,
                           ~MICA_PORT_BIT(MICA_EVT_CONSOLE), __ATOMIC_SEQ_CST);
        int c = mica_console_getc();
        if (c != MICA_NO_INPUT)
            return c;
        mica_console_flush();
        mica_events_block(0, MICA_PORT_BIT(MICA_EVT_CONSOLE) | mica_wait_ports);
        if (mica_wait_hook && (mica_wait_ports & ((struct mica_shared_info *)mica_start->shared_info)->evt_pending))
            mica_wait_hook();
    }
}
