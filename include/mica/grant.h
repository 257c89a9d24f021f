/*
 * Grant tables, version 1 (after Xen's public/grant_table.h): a guest
 * grants one frame of its RAM to one domain (another VM, or MICA_DOMID_MICA
 * for a back end in mica), read-only or read-write, and gets a reference;
 * that domain may then copy to or from the frame through the reference
 * (grant copy), and nothing else. A revoked, out-of-range or never-granted
 * reference, a copier other than the grantee, a write through a read-only
 * grant or a copy that leaves the page is an error, never access.
 *
 * Unlike Xen, the table is kept by mica, not in pages the guest writes:
 * granting and revoking are hypercalls, so the hypervisor never reads an
 * entry the guest can change under it.
 *
 *   MICA_HC_GRANT_OP(cmd = MICA_GNTTABOP_*, struct pointer) -> 0 or -MICA_E*
 *
 * Revoking a grant that is in use (a back end holds it for a request in
 * flight, or a copy runs) is refused with -MICA_EBUSY, as Xen's
 * gnttab_end_foreign_access_ref refuses; the guest tries again later.
 * Mapping a granted frame into another VM is not offered yet (it needs
 * guest RAM in shareable memory).
 */
#ifndef MICA_GRANT_H
#define MICA_GRANT_H

#include <stddef.h>
#include <stdint.h>

#include "mica/abi.h"
#include "mica/event.h"

typedef uint32_t mica_grant_ref_t;
#define MICA_GNT_REFS 1024u

enum mica_gnttabop {
    MICA_GNTTABOP_GRANT = 0,  /* struct mica_gnttab_grant  */
    MICA_GNTTABOP_REVOKE = 1, /* struct mica_gnttab_revoke */
    MICA_GNTTABOP_COPY = 2,   /* struct mica_gnttab_copy   */
    MICA_GNTTABOP_COUNT
};

#define MICA_GNT_READONLY 0x1u /* mica_gnttab_grant.flags */

/* Grants frame (guest-physical frame number, in RAM) to domid:
 * -MICA_EINVAL for a frame outside RAM or unknown flags, -MICA_ENOSPC when
 * every reference is used. */
struct mica_gnttab_grant {
    mica_domid_t domid;   /* IN: grantee (not MICA_DOMID_SELF) */
    uint32_t flags;       /* IN: MICA_GNT_*                    */
    uint64_t frame;       /* IN                                */
    mica_grant_ref_t ref; /* OUT                               */
    uint32_t reserved;
};

struct mica_gnttab_revoke {
    mica_grant_ref_t ref; /* IN */
};

#define MICA_GNTCOPY_TO_GRANT 0x1u /* copy buf -> granted frame (else frame -> buf) */

/* Copies len bytes between the caller's buf and [offset, offset + len) of
 * the frame domid granted the caller as ref. */
struct mica_gnttab_copy {
    mica_grant_ref_t ref; /* IN */
    mica_domid_t domid;   /* IN: the granting domain     */
    uint32_t offset;      /* IN: within the page         */
    uint32_t len;         /* IN: offset + len <= a page  */
    uint32_t flags;       /* IN: MICA_GNTCOPY_*          */
    uint32_t reserved;
    mica_gva_t buf;       /* IN: the caller's own memory */
};

_Static_assert(offsetof(struct mica_gnttab_grant, flags) == 4, "gnttab_grant.flags");
_Static_assert(offsetof(struct mica_gnttab_grant, frame) == 8, "gnttab_grant.frame");
_Static_assert(offsetof(struct mica_gnttab_grant, ref) == 16, "gnttab_grant.ref");
_Static_assert(sizeof(struct mica_gnttab_grant) == 24, "gnttab_grant size");
_Static_assert(sizeof(struct mica_gnttab_revoke) == 4, "gnttab_revoke size");
_Static_assert(offsetof(struct mica_gnttab_copy, domid) == 4, "gnttab_copy.domid");
_Static_assert(offsetof(struct mica_gnttab_copy, offset) == 8, "gnttab_copy.offset");
_Static_assert(offsetof(struct mica_gnttab_copy, len) == 12, "gnttab_copy.len");
_Static_assert(offsetof(struct mica_gnttab_copy, flags) == 16, "gnttab_copy.flags");
_Static_assert(offsetof(struct mica_gnttab_copy, buf) == 24, "gnttab_copy.buf");
_Static_assert(sizeof(struct mica_gnttab_copy) == 32, "gnttab_copy size");

#endif
