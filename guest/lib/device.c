/* Ring devices, guest side: the connect handshake of mica/io/device.h. */
#include "mica/device.h"

#include "mica/kit.h"
#include "mica/malloc.h"
#include "mica/string.h"

int mica_device_find(enum mica_device_type type, unsigned nth)
{
    uint32_t n = mica_start->device_count;
    if (n > MICA_DEVICES_MAX)
        n = MICA_DEVICES_MAX;
    for (uint32_t i = 0; i < n; i++)
        if (mica_start->devices[i].type == type && nth-- == 0)
            return (int)i;
    return -1;
}

void *mica_page_alloc(void)
{
    /* Over-allocate and align: pages are taken for a device's lifetime. */
    char *raw = malloc(2 * MICA_PAGE_SIZE);
    if (!raw)
        return NULL;
    char *page = (char *)(((uintptr_t)raw + MICA_PAGE_SIZE - 1) & ~(uintptr_t)(MICA_PAGE_SIZE - 1));
    memset(page, 0, MICA_PAGE_SIZE);
    return page;
}

uint64_t mica_page_frame(const void *page) { return (uint64_t)(uintptr_t)page / MICA_PAGE_SIZE; }

static void revoke_all(const struct mica_device_conn *c, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        mica_gnttab_revoke(c->ref[i]);
}

/* Lays out and grants ring i; 0 or -MICA_E*. */
static long grant_ring(struct mica_device_conn *c, unsigned i, uint32_t entry_size)
{
    struct mica_sring *s = mica_page_alloc();
    if (!s)
        return -MICA_ENOSPC;
    mica_front_ring_init(&c->ring[i], s, entry_size);
    long ref = mica_gnttab_grant(MICA_DOMID_MICA, mica_page_frame(s), 0);
    if (ref < 0)
        return ref;
    c->ref[i] = (mica_grant_ref_t)ref;
    return 0;
}

long mica_device_connect(struct mica_device_conn *c, unsigned index, unsigned rings,
                         const uint32_t entry_size[])
{
    if (rings < 1 || rings > MICA_DEVICE_RINGS)
        return -MICA_EINVAL;
    memset(c, 0, sizeof *c);
    c->index = index;
    c->rings = rings;
    for (unsigned i = 0; i < rings; i++) {
        long rc = grant_ring(c, i, entry_size[i]);
        if (rc < 0) {
            revoke_all(c, i);
            return rc;
        }
    }
    long port = mica_evtchn_alloc_unbound(MICA_DOMID_MICA);
    if (port < 0) {
        revoke_all(c, rings);
        return port;
    }
    c->port = (mica_port_t)port;
    struct mica_devop_connect a = {.device = index, .port = c->port};
    for (unsigned i = 0; i < rings; i++)
        a.ring[i] = c->ref[i];
    long rc = mica_hypercall(MICA_HC_DEVICE_OP, MICA_DEVOP_CONNECT, (uint64_t)(uintptr_t)&a, 0);
    if (rc < 0) {
        mica_evtchn_close(c->port);
        revoke_all(c, rings);
    }
    return rc;
}

long mica_device_disconnect(struct mica_device_conn *c)
{
    struct mica_devop_disconnect a = {.device = c->index};
    long rc = mica_hypercall(MICA_HC_DEVICE_OP, MICA_DEVOP_DISCONNECT, (uint64_t)(uintptr_t)&a, 0);
    if (rc < 0)
        return rc;
    mica_evtchn_close(c->port);
    revoke_all(c, c->rings);
    return 0;
}
