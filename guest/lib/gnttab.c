/* Grant tables, guest side (the contract is mica/grant.h): each call is
 * one MICA_HC_GRANT_OP with its struct on the stack. */
#include "mica/kit.h"

static long grant_op(unsigned cmd, void *arg)
{
    return mica_hypercall(MICA_HC_GRANT_OP, cmd, (uint64_t)(uintptr_t)arg, 0);
}

long mica_gnttab_grant(mica_domid_t domid, uint64_t frame, int readonly)
{
    struct mica_gnttab_grant g = {.domid = domid, .frame = frame,
                                  .flags = readonly ? MICA_GNT_READONLY : 0};
    long rc = grant_op(MICA_GNTTABOP_GRANT, &g);
    return rc < 0 ? rc : (long)g.ref;
}

long mica_gnttab_revoke(mica_grant_ref_t ref)
{
    struct mica_gnttab_revoke r = {.ref = ref};
    return grant_op(MICA_GNTTABOP_REVOKE, &r);
}

static long copy(mica_domid_t granter, mica_grant_ref_t ref, uint32_t offset, void *buf,
                 uint32_t len, uint32_t flags)
{
    struct mica_gnttab_copy c = {.ref = ref, .domid = granter, .offset = offset, .len = len,
                                 .flags = flags, .buf = (mica_gva_t)(uintptr_t)buf};
    return grant_op(MICA_GNTTABOP_COPY, &c);
}

long mica_gnttab_copy_from(mica_domid_t granter, mica_grant_ref_t ref, uint32_t offset, void *buf,
                           uint32_t len)
{
    return copy(granter, ref, offset, buf, len, 0);
}

long mica_gnttab_copy_to(mica_domid_t granter, mica_grant_ref_t ref, uint32_t offset,
                         const void *buf, uint32_t len)
{
    return copy(granter, ref, offset, (void *)buf, len, MICA_GNTCOPY_TO_GRANT);
}
