/* The virtual switch and firewall-router: anti-spoofing, rules, forwarding. */
#include "vfr/switch.h"

#include <stdio.h>
#include <string.h>

#include "util/errmsg.h"

void vfr_switch_init(struct vfr_switch *s, enum vfr_action default_action)
{
    memset(s, 0, sizeof *s);
    s->default_action = default_action;
}

int vfr_switch_add_rule(struct vfr_switch *s, const struct vfr_rule *r, char *err, size_t errlen)
{
    if (s->nrules == VFR_RULES_MAX)
        return errmsg(err, errlen, -1, "switch: more than %d rules", VFR_RULES_MAX);
    s->rules[s->nrules] = *r;
    s->rules[s->nrules++].hits = 0;
    return 0;
}

static int find_port_by_mac(const struct vfr_switch *s, const uint8_t mac[6])
{
    for (unsigned i = 0; i < VFR_PORTS_MAX; i++)
        if (s->port[i].used && !s->port[i].uplink && !memcmp(s->port[i].mac, mac, 6))
            return (int)i;
    return -1;
}

static int check_config(const struct vfr_switch *s, const struct vfr_port_config *cfg, char *err,
                        size_t errlen)
{
    size_t n = cfg->name ? strlen(cfg->name) : 0;
    if (n == 0 || n >= VFR_NAME_MAX)
        return errmsg(err, errlen, -1, "switch: a port name must be 1 to %d characters",
                      VFR_NAME_MAX - 1);
    for (unsigned i = 0; i < VFR_PORTS_MAX; i++)
        if (s->port[i].used && !strcmp(s->port[i].name, cfg->name))
            return errmsg(err, errlen, -1, "switch: port %s: the name is in use", cfg->name);
    if (cfg->uplink)
        return 0;
    static const uint8_t zero[6];
    if (vfr_mac_is_multicast(cfg->mac) || !memcmp(cfg->mac, zero, 6))
        return errmsg(err, errlen, -1, "switch: port %s: its MAC must be unicast and not zero",
                      cfg->name);
    if (find_port_by_mac(s, cfg->mac) >= 0)
        return errmsg(err, errlen, -1, "switch: port %s: its MAC is another port's", cfg->name);
    return 0;
}

int vfr_switch_plug(struct vfr_switch *s, const struct vfr_port_config *cfg, char *err,
                    size_t errlen)
{
    if (check_config(s, cfg, err, errlen) < 0)
        return -1;
    for (unsigned i = 0; i < VFR_PORTS_MAX; i++) {
        struct vfr_port *p = &s->port[i];
        if (p->used)
            continue;
        *p = (struct vfr_port){.used = true, .uplink = cfg->uplink, .has_ip = cfg->has_ip,
                               .ip = cfg->ip};
        memcpy(p->name, cfg->name, strlen(cfg->name) + 1);
        memcpy(p->mac, cfg->mac, 6);
        return (int)i;
    }
    return errmsg(err, errlen, -1, "switch: port %s: all %d ports are in use", cfg->name,
                  VFR_PORTS_MAX);
}

void vfr_switch_unplug(struct vfr_switch *s, unsigned port)
{
    if (port >= VFR_PORTS_MAX)
        return;
    s->port[port].used = false;
    for (unsigned i = 0; i < VFR_FDB_MAX; i++)
        if (s->fdb[i].used && s->fdb[i].port == port)
            s->fdb[i].used = false;
}

bool vfr_port_may_send(const struct vfr_port *p, const struct vfr_frame *f)
{
    if (p->uplink)
        return true;
    if (memcmp(f->src, p->mac, 6))
        return false;
    if (f->ethertype == VFR_ETHERTYPE_IPV4)
        return p->has_ip && f->src_ip == p->ip;
    if (f->ethertype == VFR_ETHERTYPE_ARP)
        return p->has_ip && f->arp_spa == p->ip && !memcmp(f->arp_sha, p->mac, 6);
    return true;
}

/* ---- the forwarding database: pinned VIF MACs, learned uplink MACs ---- */

static void learn(struct vfr_switch *s, unsigned port, const uint8_t mac[6])
{
    if (vfr_mac_is_multicast(mac) || find_port_by_mac(s, mac) >= 0)
        return; /* a VIF's MAC stays pinned to its VIF */
    struct vfr_fdb_entry *slot = NULL;
    for (unsigned i = 0; i < VFR_FDB_MAX; i++) {
        struct vfr_fdb_entry *e = &s->fdb[i];
        if (e->used && !memcmp(e->mac, mac, 6)) {
            slot = e;
            break;
        }
        if (!slot || (slot->used && (!e->used || e->last_seen < slot->last_seen)))
            slot = e;
    }
    *slot = (struct vfr_fdb_entry){.used = true, .port = port, .last_seen = s->clock};
    memcpy(slot->mac, mac, 6);
}

/* The port that owns mac, or -1 (flood). */
static int lookup(const struct vfr_switch *s, const uint8_t mac[6])
{
    int p = find_port_by_mac(s, mac);
    if (p >= 0)
        return p;
    for (unsigned i = 0; i < VFR_FDB_MAX; i++)
        if (s->fdb[i].used && !memcmp(s->fdb[i].mac, mac, 6))
            return (int)s->fdb[i].port;
    return -1;
}

static void deliver_to(struct vfr_switch *s, unsigned port, const uint8_t *frame, size_t len,
                       vfr_deliver_fn deliver, void *ctx)
{
    struct vfr_port_counters *c = &s->port[port].c;
    if (deliver(ctx, port, frame, len) < 0) {
        c->out_dropped++;
        return;
    }
    c->out_frames++;
    c->out_bytes += len;
}

static enum vfr_verdict decide(struct vfr_switch *s, struct vfr_port *p, const struct vfr_frame *f)
{
    if (!vfr_port_may_send(p, f)) {
        p->c.spoofed++;
        return VFR_DROP_SPOOFED;
    }
    struct vfr_rule *r = vfr_rules_first_match(s->rules, s->nrules, f, p->name);
    enum vfr_action a = r ? r->action : s->default_action;
    if (r)
        r->hits++;
    else
        s->default_hits++;
    if (a == VFR_DENY) {
        p->c.denied++;
        return VFR_DROP_DENIED;
    }
    return VFR_FORWARDED;
}

enum vfr_verdict vfr_switch_input(struct vfr_switch *s, unsigned port, const uint8_t *frame,
                                  size_t len, vfr_deliver_fn deliver, void *ctx)
{
    if (port >= VFR_PORTS_MAX || !s->port[port].used)
        return VFR_DROP_NO_PORT;
    struct vfr_port *p = &s->port[port];
    struct vfr_frame f;
    if (vfr_parse(frame, len, &f) != VFR_PARSE_OK) {
        p->c.malformed++;
        return VFR_DROP_MALFORMED;
    }
    enum vfr_verdict v = decide(s, p, &f);
    if (v != VFR_FORWARDED)
        return v;
    s->clock++;
    p->c.in_frames++;
    p->c.in_bytes += len;
    if (p->uplink)
        learn(s, port, f.src);
    int to = vfr_mac_is_multicast(f.dst) ? -1 : lookup(s, f.dst);
    if (to >= 0) {
        if ((unsigned)to != port)
            deliver_to(s, (unsigned)to, frame, len, deliver, ctx);
        return VFR_FORWARDED;
    }
    for (unsigned i = 0; i < VFR_PORTS_MAX; i++)
        if (i != port && s->port[i].used)
            deliver_to(s, i, frame, len, deliver, ctx);
    return VFR_FORWARDED;
}
