#include "cp/vm_inputs.h"

#include "util/file.h"

#include <string.h>

static void add(struct vm_inputs *in, const char *what, const char *path, bool writable)
{
    if (in->n < VM_MAX_INPUTS && path)
        in->file[in->n++] = (struct file_request){what, path, writable};
}

/* The order here is the order of the VMM's descriptors (vm_backend.h). */
static void list_inputs(const struct vm_record *vm, struct vm_inputs *in)
{
    if (vm->kind == VM_KIND_PV) {
        add(in, "guest", vm->guest, false);
        return;
    }
    if (vm_kind_from_snapshot(vm->kind)) {
        add(in, "snapshot", vm->guest, false);
        return;
    }
    add(in, "kernel", vm->guest, false);
    add(in, "initrd", vm->initrd, false);
    in->disks = json_loads(vm->disks ? vm->disks : "[]", 0, NULL);
    size_t i;
    json_t *disk;
    json_array_foreach(in->disks, i, disk)
        add(in, "disk", json_string_value(json_object_get(disk, "path")),
            !json_is_true(json_object_get(disk, "readonly")));
}

int vm_inputs_open(const struct vm_record *vm, const struct cp_user *user,
                   struct vm_inputs *in, struct cp_error *err)
{
    memset(in, 0, sizeof *in);
    for (size_t i = 0; i < VM_MAX_INPUTS; i++)
        in->fd[i] = -1;
    list_inputs(vm, in);
    if (open_as_user(user, in->file, in->n, in->fd, err) == 0)
        return 0;
    vm_inputs_close(in);
    return -1;
}

void vm_inputs_close(struct vm_inputs *in)
{
    close_fds(in->fd, VM_MAX_INPUTS);
    for (size_t i = 0; i < VM_MAX_INPUTS; i++)
        in->fd[i] = -1;
    json_decref(in->disks);
    in->disks = NULL;
    in->n = 0;
}
