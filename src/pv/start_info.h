#ifndef MICA_PV_START_INFO_H
#define MICA_PV_START_INFO_H

#include <stddef.h>

#include "mica/abi.h"
#include "pv/elf_loader.h"
#include "pv/layout.h"

/* Fills a domain's start_info page: argc strings of argv, then envc
 * NAME=VALUE strings of envp (the guest's environment, after its arguments).
 * Fails (one line in err) when they do not fit in MICA_ARGS_MAX bytes. */
int pv_start_info_fill(struct mica_start_info *si, const struct pv_layout *l,
                       const struct pv_image *img, const char *name, uint64_t id, int argc,
                       char **argv, int envc, char **envp, char *err, size_t errlen);

#endif
