#include "cp/vm_inputs.h"

#include "disk/disk_image.h"

#include "boot/linux_boot.h"
#include "pv/domain.h"
#include "util/file.h"
#include "virtio/virtio_blk.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static void add(struct vm_inputs *in, const char *what, const char *path, bool writable)
{
    if (in->n < VM_MAX_INPUTS && path)
        in->file[in->n++] = (struct file_request){what, path, writable};
}

/* The order here is the order of the VMM's descriptors (vm_backend.h). */
static void list_inputs(const struct vm_record *vm, struct vm_inputs *in)
{
    if (vm_kind_from_snapshot(vm->kind)) {
        add(in, "snapshot", vm->guest, false);
        return;
    }
    if (vm->kind == VM_KIND_PV) {
        add(in, "guest", vm->guest, false);
    } else {
        add(in, "kernel", vm->guest, false);
        add(in, "initrd", vm->initrd, false);
    }
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

/* A kernel's format, read through the descriptor opened with the user's
 * rights (never by its path again). */
static int check_kernel(int fd, const char *path, char *why, size_t whylen)
{
    char proc[64];
    const uint8_t *data = NULL;
    size_t len = 0;
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
    if (boot_file_map(proc, "kernel", &data, &len, why, whylen) < 0)
        return -1;
    int rc = linux_boot_check_kernel(data, len, path, why, whylen);
    boot_file_unmap(data, len);
    return rc < 0 ? -1 : 0;
}

static int check_one(const struct vm_record *vm, const struct file_request *f, int fd,
                     char *why, size_t whylen)
{
    struct stat st;
    char proc[64];
    if (fstat(fd, &st) < 0)
        return snprintf(why, whylen, "%s %s: cannot stat it", f->what, f->path), -1;
    if (strcmp(f->what, "disk") == 0)
        return disk_image_check(&st, f->path, why, whylen) < 0 ? -1 : 0;
    if (st.st_size == 0) /* worded as mica run words it */
        return snprintf(why, whylen, "%s %s: an empty file",
                        strcmp(f->what, "guest") == 0 ? "guest image" : f->what, f->path), -1;
    if (strcmp(f->what, "kernel") == 0)
        return check_kernel(fd, f->path, why, whylen);
    if (strcmp(f->what, "guest") == 0) {
        snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
        return pv_domain_check_image(proc, f->path, vm->mem_mib, why, whylen);
    }
    return 0; /* an initrd: any non-empty file */
}

int vm_inputs_check(const struct vm_record *vm, const struct vm_inputs *in,
                    struct cp_error *err)
{
    char why[sizeof err->message];
    for (size_t i = 0; i < in->n; i++)
        if (check_one(vm, &in->file[i], in->fd[i], why, sizeof why) < 0)
            return cp_fail(err, 400, "%s", why);
    return 0;
}
