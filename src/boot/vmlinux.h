/*
 * Loading an x86-64 vmlinux ELF (as built, or decompressed from a bzImage)
 * into guest RAM for the boot protocol's 64-bit direct entry.
 */
#ifndef MICA_BOOT_VMLINUX_H
#define MICA_BOOT_VMLINUX_H

#include <stddef.h>
#include <stdint.h>

#include "vmm/guest_mem.h"

#define VMLINUX_MAX_PHDRS 64 /* real kernels have about 5 */

struct vmlinux_load {
    uint64_t entry;     /* guest-physical startup_64 */
    uint64_t phys_low;  /* lowest byte of any PT_LOAD segment */
    uint64_t phys_high; /* one past the highest byte (memsz, i.e. with bss) */
};

/* Checks every program header first (segments inside the file and inside
 * RAM above `min_phys`, no two overlapping, entry inside a segment) and only
 * then copies, so a bad image leaves guest memory untouched.
 * 0 or -ENOEXEC/-ENOMEM with a message naming `name`. */
int vmlinux_load(const uint8_t *elf, size_t len, const char *name,
                 const struct guest_mem *mem, uint64_t min_phys,
                 struct vmlinux_load *out, char *err, size_t errlen);

/* True when the buffer starts with the ELF magic. */
int vmlinux_looks_like(const uint8_t *p, size_t len);

#endif
