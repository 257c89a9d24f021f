/*
 * The files a VM definition names — a PV guest's image, or a linux VM's
 * kernel, initrd and disks — in one fixed order, so that the daemon can
 * open them with the owner's rights and the backend can hand them to the
 * VMM as descriptors (it never opens a path the definition names by itself).
 */
#ifndef MICA_CP_VM_INPUTS_H
#define MICA_CP_VM_INPUTS_H

#include "cp/open_as_user.h"
#include "cp/registry.h"

#include <jansson.h>

/* Image or kernel, initrd, up to 4 disks. */
#define VM_MAX_INPUTS 6

struct vm_inputs {
    size_t n;
    struct file_request file[VM_MAX_INPUTS]; /* paths point into vm and disks */
    int fd[VM_MAX_INPUTS];                   /* -1 until opened */
    json_t *disks;
};

/* Opens every file `vm` names with the rights of `user`, in the order:
 * guest (PV) or kernel, then initrd, then each disk (O_RDWR unless it is
 * read-only).  0, or -1 with err naming the file (nothing left open). */
int vm_inputs_open(const struct vm_record *vm, const struct cp_user *user,
                   struct vm_inputs *in, struct cp_error *err);
/* Checks what the opened files hold, as `mica run` would before booting
 * them: a PV guest image against the VM's memory, a kernel's format, a
 * non-empty initrd, disks of a non-zero multiple of 512 bytes.  0, or -1
 * with a 400 giving mica run's reason (naming the file by its path). */
int vm_inputs_check(const struct vm_record *vm, const struct vm_inputs *in,
                    struct cp_error *err);
/* Closes what is open and frees the list. */
void vm_inputs_close(struct vm_inputs *in);

#endif
