#include "pv/start_info.h"

#include <stdio.h>
#include <string.h>

#include "util/log.h"

/* Packs n strings at si->args + *used; fails when they do not fit. */
static int pack_strings(struct mica_start_info *si, size_t *used, int n, char **strs, char *err,
                        size_t errlen)
{
    for (int i = 0; i < n; i++) {
        size_t len = strlen(strs[i]) + 1;
        if (len > MICA_ARGS_MAX - *used)
            return errmsg(err, errlen, -1,
                          "guest arguments and environment are longer than %u bytes",
                          MICA_ARGS_MAX);
        memcpy(si->args + *used, strs[i], len);
        *used += len;
    }
    return 0;
}

/* argv, then the environment (NAME=VALUE strings) up to args_len: the
 * guest finds it after its argc strings (docs/pv-interface.md). */
static int pack_args(struct mica_start_info *si, int argc, char **argv, int envc, char **envp,
                     char *err, size_t errlen)
{
    size_t used = 0;
    if (pack_strings(si, &used, argc, argv, err, errlen) < 0 ||
        pack_strings(si, &used, envc, envp, err, errlen) < 0)
        return -1;
    si->argc = (uint32_t)argc;
    si->args_len = (uint32_t)used;
    return 0;
}

int pv_start_info_fill(struct mica_start_info *si, const struct pv_layout *l,
                       const struct pv_image *img, const char *name, uint64_t id, int argc,
                       char **argv, int envc, char **envp, char *err, size_t errlen)
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
    return pack_args(si, argc, argv, envc, envp, err, errlen);
}
