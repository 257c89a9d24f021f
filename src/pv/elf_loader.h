/*
 * Loads a guest-kit ELF (static, x86-64, linked at MICA_IMAGE_BASE) into PV
 * guest RAM. The file is untrusted: every header field is checked before it
 * is used, and a bad one gives one line saying which and why.
 */
#ifndef MICA_PV_ELF_LOADER_H
#define MICA_PV_ELF_LOADER_H

#include <stddef.h>
#include <stdint.h>

#include "mica/abi.h"
#include "vmm/guest_mem.h"

#define PV_ELF_MAX_SEGMENTS 32

struct pv_image {
    mica_gva_t entry;
    mica_gva_t start, end; /* lowest and highest byte (exclusive) loaded */
};

/* Checks the ELF in file[0..size) against RAM of ram->size bytes and, when
 * `ram->host` is set, copies its segments in. Returns 0 or -1 with err set
 * (the message does not name the file; the caller prefixes it). */
int pv_elf_load(const uint8_t *file, size_t size, struct guest_mem *ram, struct pv_image *img,
                char *err, size_t errlen);

#endif
