/*
 * Checks event channels and grant tables from inside a guest, with one VM
 * (two VMs in one process are not possible yet): a loopback interdomain
 * channel (send, pending bit, BLOCK returns, one port of the 1,024 above
 * word 0), mask and unmask, closing and double closing, the fixed timer
 * port rebound elsewhere (mica_sleep_ns still needs port 1, so it is bound
 * back), and grants to itself: copy in and out, read-only honoured,
 * revoked and bad references refused.
 * Prints "channels: ok" and exits 0 when everything held.
 */
#include "mica/mica.h"

static int failures;

#define CHECK(cond)                                                                \
    do {                                                                           \
        if (!(cond)) {                                                             \
            printf("channels: FAILED %s (line %d)\n", #cond, __LINE__);            \
            failures++;                                                            \
        }                                                                          \
    } while (0)

static void loopback_channel(void)
{
    long p = mica_evtchn_alloc_unbound(MICA_DOMID_SELF);
    long q = mica_evtchn_bind_interdomain(MICA_DOMID_SELF, (mica_port_t)p);
    CHECK(p >= 2 && q >= 2 && p != q);
    CHECK(mica_evtchn_send((mica_port_t)q) == 0);
    CHECK(mica_events_block(0, 0) == 0); /* p is pending: returns at once */
    CHECK(mica_evtchn_take((mica_port_t)p));
    CHECK(!mica_evtchn_take((mica_port_t)p));
    struct mica_evtchn_status s;
    CHECK(mica_evtchn_status((mica_port_t)p, &s) == 0 && s.state == MICA_EVTCHN_INTERDOMAIN &&
          s.remote_port == (mica_port_t)q);
    /* Masked, a send only sets the bit; unmask keeps it pending. */
    CHECK(mica_evtchn_mask((mica_port_t)p) == 0);
    CHECK(mica_evtchn_send((mica_port_t)q) == 0);
    CHECK(mica_evtchn_status((mica_port_t)p, &s) == 0 && s.pending && s.masked);
    CHECK(mica_evtchn_unmask((mica_port_t)p) == 0);
    CHECK(mica_events_block(0, 0) == 0);
    CHECK(mica_evtchn_take((mica_port_t)p));
    CHECK(mica_evtchn_close((mica_port_t)p) == 0);
    CHECK(mica_evtchn_close((mica_port_t)p) == -MICA_EINVAL);
    CHECK(mica_evtchn_close((mica_port_t)q) == 0);
    CHECK(mica_evtchn_send(MICA_EVTCHN_PORTS) == -MICA_EINVAL);
}

static void ports_above_the_first_word(void)
{
    long last = 0, n = 0;
    while ((last = mica_evtchn_alloc_unbound(MICA_DOMID_SELF)) >= 0)
        n++;
    CHECK(last == -MICA_ENOSPC && n == MICA_EVTCHN_PORTS - 2);
    CHECK(mica_evtchn_close(1000) == 0);
    long q = mica_evtchn_bind_interdomain(MICA_DOMID_SELF, 999);
    CHECK(q == 1000);
    CHECK(mica_evtchn_send((mica_port_t)q) == 0);
    CHECK(mica_events_block(0, 0) == 0);
    CHECK(mica_evtchn_take(999));
    for (mica_port_t p = 2; p < MICA_EVTCHN_PORTS; p++)
        CHECK(mica_evtchn_close(p) == 0);
}

static void timer_virq_moves(void)
{
    CHECK(mica_evtchn_bind_virq(MICA_VIRQ_TIMER) == -MICA_EEXIST);
    CHECK(mica_evtchn_close(MICA_EVT_TIMER) == 0);
    long keep = mica_evtchn_alloc_unbound(MICA_DOMID_SELF); /* takes port 1 */
    long p = mica_evtchn_bind_virq(MICA_VIRQ_TIMER);
    CHECK(keep == MICA_EVT_TIMER && p >= 2);
    mica_events_block(mica_time_monotonic() + 1000000, MICA_PORT_BIT(p)); /* 1 ms */
    CHECK(mica_evtchn_take((mica_port_t)p));
    CHECK(mica_evtchn_close((mica_port_t)p) == 0);
    CHECK(mica_evtchn_close((mica_port_t)keep) == 0);
    CHECK(mica_evtchn_bind_virq(MICA_VIRQ_TIMER) == MICA_EVT_TIMER); /* back where it was */
}

static char page[4096] __attribute__((aligned(4096)));
static char buf[64];

static void grants_to_itself(void)
{
    mica_domid_t me = (mica_domid_t)mica_start->vm_id;
    uint64_t frame = (uint64_t)(uintptr_t)page / MICA_PAGE_SIZE; /* identity-mapped */
    long rw = mica_gnttab_grant(me, frame, 0), ro = mica_gnttab_grant(me, frame, 1);
    CHECK(rw >= 0 && ro >= 0);
    memcpy(page + 10, "granted", 8);
    CHECK(mica_gnttab_copy_from(me, (mica_grant_ref_t)ro, 10, buf, 8) == 0);
    CHECK(memcmp(buf, "granted", 8) == 0);
    CHECK(mica_gnttab_copy_to(me, (mica_grant_ref_t)ro, 10, "nope", 4) == -MICA_EPERM);
    CHECK(mica_gnttab_copy_to(me, (mica_grant_ref_t)rw, 4090, "edge!!", 6) == 0);
    CHECK(memcmp(page + 4090, "edge!!", 6) == 0);
    CHECK(mica_gnttab_copy_to(me, (mica_grant_ref_t)rw, 4091, "edge!!", 6) == -MICA_EINVAL);
    CHECK(mica_gnttab_copy_from(MICA_DOMID_MICA, (mica_grant_ref_t)rw, 0, buf, 8) == -MICA_ESRCH);
    CHECK(mica_gnttab_revoke((mica_grant_ref_t)rw) == 0);
    CHECK(mica_gnttab_copy_from(me, (mica_grant_ref_t)rw, 0, buf, 8) == -MICA_EINVAL);
    CHECK(mica_gnttab_revoke((mica_grant_ref_t)rw) == -MICA_EINVAL);
    CHECK(mica_gnttab_revoke(MICA_GNT_REFS) == -MICA_EINVAL);
    CHECK(mica_gnttab_revoke((mica_grant_ref_t)ro) == 0);
    CHECK(mica_gnttab_grant(me, 1ull << 40, 0) == -MICA_EINVAL);
}

int main(void)
{
    loopback_channel();
    ports_above_the_first_word();
    timer_virq_moves();
    grants_to_itself();
    if (failures)
        return 1;
    printf("channels: ok\n");
    return 0;
}
