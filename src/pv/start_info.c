#include "pv/start_info.h"

#include <stdio.h>
#include <string.h>

#include "util/log.h"

static int pack_args(struct mica_start_info *si, int argc, char **argv, char *err, size_t errlen)
{
    size_t used = 0;
    for (int i = 0; i < argc; i++) {
        size_t n = strlen(argv[i]) + 1;
        if (n > MICA_ARGS_MAX - used)
            return errmsg(err, errlen, -1, "guest arguments are longer than %u bytes", MICA_ARGS_MAX);
        memcpy(si->args + used, argv[i], n);
        used += n;
    }
    si->argc = (uint32_t)argc;
    si->args_len = (uint32_t)used;
    return 0;
}

int pv_start_info_fill(struct mica_start_info *si, const struct pv_layout *l,
                       const struct pv_image *img, const char *name, uint64_t id, int argc,
                       char **argv, char *err, size_t errlen)
{
    memset(si, 0, sizeof *si);
    si->magic = MICA_START_MAGIC;
    si->abi_version = MICA_ABI_VERSION;
    si->vcpus = 1;
    si->vm_id = id;
    si->mem_bytes = l->ram_bytes;
    si->image_start = img->start;
    si->image_end = img->end;
    si->heap_start = (img->end + PV_PAGE - 1) & ~(PV_PAGE - 1);
    si->heap_end = l->ram_bytes;
    si->stack_top = MICA_IMAGE_BASE;
    si->user_window_end = l->window_bytes;
    si->shared_info = pv_special_va(PV_PG_SHARED_INFO);
    si->hypercall_page = pv_special_va(PV_PG_HYPERCALL);
    si->console_ring = pv_special_va(PV_PG_CONSOLE);
    si->console_doorbell = PV_DOORBELL_VA;
    snprintf(si->name, sizeof si->name, "%s", name);
    return pack_args(si, argc, argv, err, errlen);
}
