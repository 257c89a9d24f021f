/*
 * Grant tables: every reference, domain id, frame, offset and length the
 * guest passes is checked here; a bad one is an error, never an access.
 */
#include "pv/gnttab.h"

#include <string.h>

#include "pv/domain.h"
#include "pv/guest_copy.h"
#include "pv/xdom.h"

/* The grant ref of granter if it exists and grantee may use it (for a
 * write when write), or NULL with *rc set. Lock held. */
static struct pv_grant *usable_grant(struct pv_domain *granter, mica_grant_ref_t ref,
                                     mica_domid_t grantee, bool write, int *rc)
{
    *rc = -MICA_EINVAL;
    if (ref >= MICA_GNT_REFS || !granter->gnt.ref[ref].granted)
        return NULL;
    struct pv_grant *g = &granter->gnt.ref[ref];
    *rc = -MICA_EPERM;
    if (g->domid != grantee || (write && g->readonly))
        return NULL;
    *rc = 0;
    return g;
}

static bool in_page(uint32_t offset, size_t len) { return offset <= PV_PAGE && len <= PV_PAGE - offset; }

/* The copy itself; lock held, grant and range checked. */
static void copy_frame(struct pv_domain *granter, const struct pv_grant *g, uint32_t offset,
                       void *buf, size_t len, bool to_grant)
{
    uint8_t *frame = guest_mem_ptr(&granter->ram, g->frame * PV_PAGE, PV_PAGE);
    if (to_grant)
        memcpy(frame + offset, buf, len);
    else
        memcpy(buf, frame + offset, len);
}

/* Grant copy for grantee, under the lock. */
static int copy_locked(struct pv_domain *granter, mica_domid_t grantee, mica_grant_ref_t ref,
                       uint32_t offset, void *buf, size_t len, bool to_grant)
{
    int rc;
    struct pv_grant *g = usable_grant(granter, ref, grantee, to_grant, &rc);
    if (!g)
        return rc;
    if (!in_page(offset, len))
        return -MICA_EINVAL;
    copy_frame(granter, g, offset, buf, len, to_grant);
    return 0;
}

int pv_gnttab_copy(struct pv_domain *granter, mica_grant_ref_t ref, uint32_t offset, void *buf,
                   size_t len, bool to_grant)
{
    pv_xdom_lock();
    int rc = copy_locked(granter, MICA_DOMID_MICA, ref, offset, buf, len, to_grant);
    pv_xdom_unlock();
    return rc;
}

int pv_gnttab_hold_frame(struct pv_domain *granter, mica_grant_ref_t ref, bool write,
                         uint64_t *frame)
{
    int rc;
    pv_xdom_lock();
    struct pv_grant *g = usable_grant(granter, ref, MICA_DOMID_MICA, write, &rc);
    if (g) {
        g->holds++;
        if (frame)
            *frame = g->frame;
    }
    pv_xdom_unlock();
    return rc;
}

int pv_gnttab_hold(struct pv_domain *granter, mica_grant_ref_t ref, bool write)
{
    return pv_gnttab_hold_frame(granter, ref, write, NULL);
}

void pv_gnttab_release(struct pv_domain *granter, mica_grant_ref_t ref)
{
    pv_xdom_lock();
    if (ref < MICA_GNT_REFS && granter->gnt.ref[ref].holds)
        granter->gnt.ref[ref].holds--;
    pv_xdom_unlock();
}

/* ---- the hypercall ------------------------------------------------------ */

static int op_grant(struct pv_domain *d, struct mica_gnttab_grant *a)
{
    if ((a->flags & ~MICA_GNT_READONLY) || a->domid == MICA_DOMID_SELF ||
        a->frame >= d->ram.size / PV_PAGE)
        return -MICA_EINVAL;
    if (pv_balloon_is_released(&d->balloon, a->frame))
        return -MICA_EPERM; /* released: not the guest's to grant */
    for (mica_grant_ref_t ref = 0; ref < MICA_GNT_REFS; ref++) {
        struct pv_grant *g = &d->gnt.ref[ref];
        if (!g->granted) {
            *g = (struct pv_grant){.granted = true, .readonly = a->flags & MICA_GNT_READONLY,
                                   .domid = a->domid, .frame = a->frame};
            a->ref = ref;
            return 0;
        }
    }
    return -MICA_ENOSPC;
}

static int op_revoke(struct pv_domain *d, mica_grant_ref_t ref)
{
    if (ref >= MICA_GNT_REFS || !d->gnt.ref[ref].granted)
        return -MICA_EINVAL;
    if (d->gnt.ref[ref].holds)
        return -MICA_EBUSY;
    d->gnt.ref[ref] = (struct pv_grant){0};
    return 0;
}

/* A guest's grant copy: its own side goes through guest_copy (its own
 * permissions), the granter's under the lock, with a page of bounce. */
static int op_copy(struct pv_domain *d, const struct mica_gnttab_copy *c)
{
    static _Thread_local uint8_t bounce[PV_PAGE];
    bool to_grant = c->flags & MICA_GNTCOPY_TO_GRANT;
    if ((c->flags & ~MICA_GNTCOPY_TO_GRANT) || !in_page(c->offset, c->len))
        return -MICA_EINVAL;
    if (to_grant ? pv_copy_from_guest(&d->mmu, bounce, c->buf, c->len) < 0
                 : pv_guest_range_ok(&d->mmu, c->buf, c->len, PV_WRITE) < 0)
        return -MICA_EFAULT;
    pv_xdom_lock();
    struct pv_domain *granter = pv_xdom_find(d, c->domid);
    int rc = granter ? copy_locked(granter, (mica_domid_t)d->id, c->ref, c->offset, bounce,
                                   c->len, to_grant)
                     : -MICA_ESRCH;
    pv_xdom_unlock();
    if (rc == 0 && !to_grant && pv_copy_to_guest(&d->mmu, c->buf, bounce, c->len) < 0)
        return -MICA_EFAULT;
    return rc;
}

union op_args {
    struct mica_gnttab_grant grant;
    struct mica_gnttab_revoke revoke;
    struct mica_gnttab_copy copy;
};

int pv_gnttab_op(struct pv_domain *d, uint64_t cmd, mica_gva_t arg)
{
    static const size_t sizes[MICA_GNTTABOP_COUNT] = {
        [MICA_GNTTABOP_GRANT] = sizeof(struct mica_gnttab_grant),
        [MICA_GNTTABOP_REVOKE] = sizeof(struct mica_gnttab_revoke),
        [MICA_GNTTABOP_COPY] = sizeof(struct mica_gnttab_copy),
    };
    union op_args a;
    if (cmd >= MICA_GNTTABOP_COUNT)
        return -MICA_EINVAL;
    if (pv_copy_from_guest(&d->mmu, &a, arg, sizes[cmd]) < 0)
        return -MICA_EFAULT;
    if (cmd == MICA_GNTTABOP_COPY)
        return op_copy(d, &a.copy);
    if (cmd == MICA_GNTTABOP_GRANT && pv_guest_range_ok(&d->mmu, arg, sizes[cmd], PV_WRITE) < 0)
        return -MICA_EFAULT;
    pv_xdom_lock();
    int rc = cmd == MICA_GNTTABOP_GRANT ? op_grant(d, &a.grant) : op_revoke(d, a.revoke.ref);
    pv_xdom_unlock();
    if (rc == 0 && cmd == MICA_GNTTABOP_GRANT && pv_copy_to_guest(&d->mmu, arg, &a, sizes[cmd]) < 0)
        return -MICA_EFAULT;
    return rc;
}
