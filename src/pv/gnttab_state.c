/*
 * Saved grant tables: what each reference grants, to whom and how. Holds
 * are not saved: they belong to requests in flight in back ends, which
 * take them again when they restore those requests.
 */
#include "pv/gnttab.h"

#include "pv/domain.h"
#include "pv/xdom.h"
#include "util/errmsg.h"
#include "util/wire.h"

#define STATE_MAGIC 0x544e4750u /* "PGNT" */
#define STATE_VERSION 1u

size_t pv_gnttab_save(const struct pv_domain *d, void *buf, size_t len)
{
    struct wire_out o = wire_out(buf, len);
    uint32_t granted = 0;
    for (unsigned r = 0; r < MICA_GNT_REFS; r++)
        granted += d->gnt.ref[r].granted;
    wire_put_u32(&o, STATE_MAGIC), wire_put_u32(&o, STATE_VERSION), wire_put_u32(&o, granted);
    for (unsigned r = 0; r < MICA_GNT_REFS; r++) {
        const struct pv_grant *g = &d->gnt.ref[r];
        if (!g->granted)
            continue;
        wire_put_u32(&o, r), wire_put_u8(&o, g->readonly);
        wire_put_u32(&o, g->domid), wire_put_u64(&o, g->frame);
    }
    return o.len;
}

static const char *parse(struct wire_in *in, const struct pv_domain *d, struct pv_gnttab *t)
{
    if (wire_get_u32(in) != STATE_MAGIC || wire_get_u32(in) != STATE_VERSION)
        return "not a grant table state of this version";
    uint32_t granted = wire_get_u32(in);
    if (granted > MICA_GNT_REFS)
        return "more grants than a domain has";
    long last = -1;
    for (uint32_t i = 0; i < granted && !in->short_read; i++) {
        uint32_t ref = wire_get_u32(in);
        uint8_t readonly = wire_get_u8(in);
        mica_domid_t domid = wire_get_u32(in);
        uint64_t frame = wire_get_u64(in);
        if (ref >= MICA_GNT_REFS || (long)ref <= last)
            return "references out of order or out of range";
        last = ref;
        if (readonly > 1 || domid == MICA_DOMID_SELF)
            return "a malformed grant";
        if (frame >= d->ram.size / PV_PAGE)
            return "a grant of a frame outside the domain's RAM";
        t->ref[ref] = (struct pv_grant){.granted = true, .readonly = readonly, .domid = domid,
                                        .frame = frame};
    }
    return wire_in_done(in) ? NULL : "its length does not match its grants";
}

int pv_gnttab_load(struct pv_domain *d, const void *buf, size_t len, char *err, size_t errlen)
{
    static struct pv_gnttab t; /* not on the stack; under the lock */
    struct wire_in in = wire_in(buf, len);
    pv_xdom_lock();
    memset(&t, 0, sizeof t);
    const char *why = parse(&in, d, &t);
    if (!why)
        d->gnt = t;
    pv_xdom_unlock();
    return why ? errmsg(err, errlen, -1, "grant table state refused: %s", why) : 0;
}
