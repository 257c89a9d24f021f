/*
 * Grant tables of PV domains (the contract is include/mica/grant.h): the
 * frames a domain granted, to whom and how, kept where the guest cannot
 * touch them; MICA_HC_GRANT_OP; and grant copy for back ends in mica.
 * Every reach into another domain's frame happens under the cross-domain
 * lock (pv/xdom.h), so the granting domain cannot go away during it.
 */
#ifndef MICA_PV_GNTTAB_H
#define MICA_PV_GNTTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mica/grant.h"

struct pv_domain;

struct pv_grant {
    bool granted, readonly;
    uint32_t holds; /* back ends using it: revoke is refused meanwhile */
    mica_domid_t domid;
    uint64_t frame;
};

struct pv_gnttab {
    struct pv_grant ref[MICA_GNT_REFS];
};

/* MICA_HC_GRANT_OP: cmd on the struct at guest address arg; 0 or -MICA_E*. */
int pv_gnttab_op(struct pv_domain *d, uint64_t cmd, mica_gva_t arg);

/* Grant copy by a back end in mica (grantee MICA_DOMID_MICA): len bytes
 * between buf and [offset, offset + len) of the frame granter granted as
 * ref; to_grant writes the frame. 0 or -MICA_E* (nothing copied). */
int pv_gnttab_copy(struct pv_domain *granter, mica_grant_ref_t ref, uint32_t offset, void *buf,
                   size_t len, bool to_grant);

/* A back end holds a grant while a request that uses it is in flight (as
 * Xen's back ends keep a grant mapped): the guest cannot revoke it until
 * the back end releases it. write asks for a read-write grant. */
int pv_gnttab_hold(struct pv_domain *granter, mica_grant_ref_t ref, bool write);
void pv_gnttab_release(struct pv_domain *granter, mica_grant_ref_t ref);
/* As pv_gnttab_hold, and says which frame the reference names (a ring page
 * a back end then reaches directly: the frame cannot change or be revoked
 * while held). */
int pv_gnttab_hold_frame(struct pv_domain *granter, mica_grant_ref_t ref, bool write,
                         uint64_t *frame);

/* Saved state (pv/gnttab_state.c), as pv/evtchn.h's: the granted
 * references; load checks every frame against the domain's RAM. */
size_t pv_gnttab_save(const struct pv_domain *d, void *buf, size_t len);
int pv_gnttab_load(struct pv_domain *d, const void *buf, size_t len, char *err, size_t errlen);

#endif
