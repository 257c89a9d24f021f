/*
 * The virtual switch and firewall-router (Xen's VFR): VIFs plug into
 * ports; every frame a port sends is parsed (vfr/frame.h), checked against
 * the port's own MAC and IPv4 address (anti-spoofing), then against the
 * rules (vfr/rules.h) and the default policy, and forwarded: to the port
 * that owns its destination MAC, or flooded to every other port for
 * broadcast, multicast and unknown destinations. A VIF's MAC is pinned to
 * its port when it plugs in; an uplink port (a host tap, trusted) sends
 * from any address and the switch learns its MACs in a bounded table.
 * Counters per port and per rule.
 *
 * Pure state and functions, no I/O and no locking: the caller delivers
 * frames (vfr_deliver_fn) and serializes calls (the switch process runs it
 * on one thread, see vfr/switchd.h).
 */
#ifndef MICA_VFR_SWITCH_H
#define MICA_VFR_SWITCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vfr/frame.h"
#include "vfr/rules.h"

#define VFR_PORTS_MAX 64
#define VFR_FDB_MAX 256 /* MACs learned from uplinks */

enum vfr_verdict {
    VFR_FORWARDED = 0, /* to one port, or flooded (maybe to none)  */
    VFR_DROP_MALFORMED,
    VFR_DROP_SPOOFED,
    VFR_DROP_DENIED,   /* by a deny rule or the default policy       */
    VFR_DROP_NO_PORT,  /* the sending port is not plugged in         */
};

struct vfr_port_config {
    const char *name;  /* 1 .. VFR_NAME_MAX-1 characters, unique */
    uint8_t mac[6];    /* unicast, unique (ignored for an uplink) */
    bool has_ip;       /* without an IP a VIF sends no IPv4 or ARP */
    uint32_t ip;       /* host byte order */
    bool uplink;
};

struct vfr_port_counters {
    uint64_t in_frames, in_bytes;   /* sent by the port, forwarded  */
    uint64_t out_frames, out_bytes; /* delivered to the port        */
    uint64_t malformed, spoofed, denied;
    uint64_t out_dropped;           /* the port had no room for it  */
};

struct vfr_port {
    bool used, uplink, has_ip;
    char name[VFR_NAME_MAX];
    uint8_t mac[6];
    uint32_t ip;
    struct vfr_port_counters c;
};

struct vfr_fdb_entry {
    bool used;
    uint8_t mac[6];
    unsigned port;
    uint64_t last_seen; /* the switch's frame clock: the oldest goes first */
};

struct vfr_switch {
    enum vfr_action default_action;
    uint64_t default_hits;
    size_t nrules;
    struct vfr_rule rules[VFR_RULES_MAX];
    struct vfr_port port[VFR_PORTS_MAX];
    struct vfr_fdb_entry fdb[VFR_FDB_MAX];
    uint64_t clock;
};

/* Delivers one frame to port; 0, or -1 when the port had no room (the
 * switch counts the drop). */
typedef int (*vfr_deliver_fn)(void *ctx, unsigned port, const uint8_t *frame, size_t len);

void vfr_switch_init(struct vfr_switch *s, enum vfr_action default_action);

/* Appends a rule; 0, or -1 with one line in err when the list is full. */
int vfr_switch_add_rule(struct vfr_switch *s, const struct vfr_rule *r, char *err, size_t errlen);

/* Plugs a port in: its index, or -1 with one line in err (no free port, a
 * name or MAC already in use, a bad name, a multicast MAC). */
int vfr_switch_plug(struct vfr_switch *s, const struct vfr_port_config *cfg, char *err,
                    size_t errlen);
/* Unplugs a port (what it learned is forgotten). */
void vfr_switch_unplug(struct vfr_switch *s, unsigned port);

/* A frame sent by port: checked and forwarded through deliver. */
enum vfr_verdict vfr_switch_input(struct vfr_switch *s, unsigned port, const uint8_t *frame,
                                  size_t len, vfr_deliver_fn deliver, void *ctx);

/* Whether port may send frame f (its MAC and IPv4 address are its own). */
bool vfr_port_may_send(const struct vfr_port *p, const struct vfr_frame *f);

#endif
