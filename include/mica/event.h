/*
 * Event channels, version 1 (after Xen's public/event_channel.h): a guest
 * has MICA_EVTCHN_PORTS ports; each is closed, unbound (waiting for a
 * remote domain to bind it), interdomain (joined to a port of another
 * domain, or of a back end in mica) or bound to a virtual IRQ. Sending on
 * a port sets the peer port's pending bit in the peer's shared_info; an
 * unmasked port whose bit goes from 0 to 1 wakes the peer's blocked vCPU,
 * once however many ports fire before it runs again.
 *
 * One hypercall multiplexes every operation:
 *   MICA_HC_EVENT_OP(cmd = MICA_EVTCHNOP_*, struct pointer) -> 0 or -MICA_E*
 * IN fields are read, OUT fields written back (the struct must be writable
 * when the op has OUT fields: checked before the op runs).
 *
 * Pending and mask bits live in shared_info (mica/abi.h); the guest clears
 * pending bits itself with an atomic and, and may set or clear mask bits
 * itself too. MICA_EVTCHNOP_UNMASK is the way to unmask that also wakes the
 * vCPU when the port was pending meanwhile.
 *
 * What stays fixed: at start, port 0 (MICA_EVT_CONSOLE) is bound to
 * MICA_VIRQ_CONSOLE and port 1 (MICA_EVT_TIMER) to MICA_VIRQ_TIMER, so
 * guests that know only the fixed ports work unchanged. They are ordinary
 * ports otherwise: closed, the IRQ can be bound again to another port.
 */
#ifndef MICA_EVENT_H
#define MICA_EVENT_H

#include <stddef.h>
#include <stdint.h>

#include "mica/abi.h"

/* Domain ids: a VM's is start_info.vm_id (1 and up). */
typedef uint32_t mica_domid_t;
#define MICA_DOMID_MICA 0u      /* mica itself: its device back ends */
#define MICA_DOMID_SELF 0x7ff0u /* the calling domain                 */

enum mica_virq {
    MICA_VIRQ_CONSOLE = 0, /* console input arrived (or ended)       */
    MICA_VIRQ_TIMER = 1,   /* a MICA_HC_BLOCK deadline passed         */
    MICA_VIRQ_BALLOON = 2, /* shared_info's balloon target moved (mica/memory.h);
                            * unbound at start: a balloon driver binds it */
    MICA_VIRQS
};

enum mica_evtchnop {
    MICA_EVTCHNOP_ALLOC_UNBOUND = 0,    /* struct mica_evtchn_alloc_unbound */
    MICA_EVTCHNOP_BIND_INTERDOMAIN = 1, /* struct mica_evtchn_bind_interdomain */
    MICA_EVTCHNOP_BIND_VIRQ = 2,        /* struct mica_evtchn_bind_virq     */
    MICA_EVTCHNOP_SEND = 3,             /* struct mica_evtchn_port          */
    MICA_EVTCHNOP_MASK = 4,             /* struct mica_evtchn_port          */
    MICA_EVTCHNOP_UNMASK = 5,           /* struct mica_evtchn_port          */
    MICA_EVTCHNOP_CLOSE = 6,            /* struct mica_evtchn_port          */
    MICA_EVTCHNOP_STATUS = 7,           /* struct mica_evtchn_status        */
    MICA_EVTCHNOP_COUNT
};

/* A fresh port that remote_dom (a VM's id, MICA_DOMID_MICA for a back end
 * in mica, or MICA_DOMID_SELF) may bind. -MICA_ENOSPC when all are used. */
struct mica_evtchn_alloc_unbound {
    mica_domid_t remote_dom; /* IN  */
    mica_port_t port;        /* OUT */
};

/* Joins a fresh local port to remote_port of remote_dom, which must be
 * unbound and allocated for this domain: -MICA_ESRCH for no such domain,
 * -MICA_EINVAL for a port that is not such. */
struct mica_evtchn_bind_interdomain {
    mica_domid_t remote_dom; /* IN  */
    mica_port_t remote_port; /* IN  */
    mica_port_t local_port;  /* OUT */
};

/* A fresh port for a virtual IRQ: -MICA_EEXIST when it is bound already. */
struct mica_evtchn_bind_virq {
    uint32_t virq;    /* IN: enum mica_virq */
    mica_port_t port; /* OUT */
};

/* SEND (to the peer of an interdomain port; a virq or unbound port is
 * -MICA_EINVAL), MASK, UNMASK, CLOSE: one port, IN. */
struct mica_evtchn_port {
    mica_port_t port;
};

enum mica_evtchn_state {
    MICA_EVTCHN_CLOSED = 0,
    MICA_EVTCHN_UNBOUND = 1,
    MICA_EVTCHN_INTERDOMAIN = 2,
    MICA_EVTCHN_VIRQ = 3,
};

struct mica_evtchn_status {
    mica_port_t port;        /* IN  */
    uint32_t state;          /* OUT: enum mica_evtchn_state                  */
    mica_domid_t remote_dom; /* OUT: unbound, interdomain                    */
    mica_port_t remote_port; /* OUT: interdomain (0 for a back end in mica) */
    uint32_t virq;           /* OUT: virq                                    */
    uint8_t pending, masked; /* OUT: the port's bits                         */
    uint16_t reserved;
};

/* The shared_info word holding a port's pending (or mask) bit. */
static inline volatile uint64_t *mica_evtchn_word(struct mica_shared_info *s, int mask,
                                                  mica_port_t port)
{
    unsigned w = port / MICA_EVENT_PORTS;
    if (w == 0)
        return mask ? &s->evt_mask : &s->evt_pending;
    return mask ? &s->evt_mask_more[w - 1] : &s->evt_pending_more[w - 1];
}

_Static_assert(MICA_VIRQS == 3, "mica ABI: virtual IRQs");
_Static_assert(sizeof(struct mica_evtchn_alloc_unbound) == 8, "evtchn_alloc_unbound size");
_Static_assert(offsetof(struct mica_evtchn_alloc_unbound, port) == 4, "evtchn_alloc_unbound.port");
_Static_assert(sizeof(struct mica_evtchn_bind_interdomain) == 12, "evtchn_bind_interdomain size");
_Static_assert(offsetof(struct mica_evtchn_bind_interdomain, remote_port) == 4,
               "evtchn_bind_interdomain.remote_port");
_Static_assert(offsetof(struct mica_evtchn_bind_interdomain, local_port) == 8,
               "evtchn_bind_interdomain.local_port");
_Static_assert(sizeof(struct mica_evtchn_bind_virq) == 8, "evtchn_bind_virq size");
_Static_assert(sizeof(struct mica_evtchn_port) == 4, "evtchn_port size");
_Static_assert(offsetof(struct mica_evtchn_status, state) == 4, "evtchn_status.state");
_Static_assert(offsetof(struct mica_evtchn_status, remote_dom) == 8, "evtchn_status.remote_dom");
_Static_assert(offsetof(struct mica_evtchn_status, remote_port) == 12, "evtchn_status.remote_port");
_Static_assert(offsetof(struct mica_evtchn_status, virq) == 16, "evtchn_status.virq");
_Static_assert(offsetof(struct mica_evtchn_status, pending) == 20, "evtchn_status.pending");
_Static_assert(offsetof(struct mica_evtchn_status, masked) == 21, "evtchn_status.masked");
_Static_assert(sizeof(struct mica_evtchn_status) == 24, "evtchn_status size");

#endif
