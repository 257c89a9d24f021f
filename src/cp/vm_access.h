/*
 * Who may touch which VM (VM/370's directory: each VM belongs to the user
 * who defined it).  The API learns the client's uid and gid from
 * SO_PEERCRED; a VM records its owner's.  Root and the daemon's own user
 * administer every VM; any other user sees and manages only their own.
 */
#ifndef MICA_CP_VM_ACCESS_H
#define MICA_CP_VM_ACCESS_H

#include "ctl/cp_error.h"
#include "cp/registry.h"

#include <stdbool.h>
#include <sys/types.h>

/* A client of the API, or the owner of a VM. */
struct cp_user {
    uid_t uid;
    gid_t gid; /* primary group; supplementary ones come from getgrouplist */
};

/* Root, or the user the daemon runs as. */
bool cp_user_is_admin(const struct cp_user *u);

/* True when u may see and manage vm. */
bool vm_access_allowed(const struct cp_user *u, const struct vm_record *vm);

/* 0, or -1 with a 403 naming the VM and its owner. */
int vm_access_check(const struct cp_user *u, const struct vm_record *vm, struct cp_error *err);

#endif
