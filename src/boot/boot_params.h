/* The boot protocol's "zero page" (struct boot_params). */
#ifndef MICA_BOOT_BOOT_PARAMS_H
#define MICA_BOOT_BOOT_PARAMS_H

#include <asm/bootparam.h>
#include <stddef.h>
#include <stdint.h>

#include "boot/e820.h"

#define BOOT_LOADER_UNDEFINED 0xff /* type_of_loader: a loader with no assigned id */

struct boot_params_input {
    const struct setup_header *hdr; /* the bzImage's header, or NULL for an ELF */
    size_t hdr_len;                 /* bytes of hdr to copy (what the file defines) */
    uint64_t cmdline_gpa;
    uint64_t initrd_gpa, initrd_len; /* initrd_len 0: none */
    const struct e820_map *e820;
};

/* Fills *bp from scratch: the kernel's own header when there is one (as the
 * protocol asks loaders to), then the loader's fields. */
void boot_params_build(struct boot_params *bp, const struct boot_params_input *in);

#endif
