#include "cp/vm_access.h"

#include <unistd.h>

bool cp_user_is_admin(const struct cp_user *u)
{
    return u->uid == 0 || u->uid == geteuid();
}

bool vm_access_allowed(const struct cp_user *u, const struct vm_record *vm)
{
    return cp_user_is_admin(u) || u->uid == vm->owner_uid;
}

int vm_access_check(const struct cp_user *u, const struct vm_record *vm, struct cp_error *err)
{
    if (vm_access_allowed(u, vm))
        return 0;
    return cp_fail(err, 403, "VM '%s' belongs to uid %u: uid %u may not use it", vm->name,
                   (unsigned)vm->owner_uid, (unsigned)u->uid);
}
