/* Where the initrd goes: as high as allowed, page aligned, above the kernel. */
#ifndef MICA_BOOT_INITRD_H
#define MICA_BOOT_INITRD_H

#include <stddef.h>
#include <stdint.h>

/* Picks the highest page-aligned address for `len` bytes such that the last
 * byte is <= addr_max (the header's initrd_addr_max), the whole lies below
 * ram_end, and it starts at or above kernel_end. 0 or -E2BIG with a message
 * naming `name`. */
int initrd_place(uint64_t len, uint64_t addr_max, uint64_t ram_end, uint64_t kernel_end,
                 const char *name, uint64_t *gpa, char *err, size_t errlen);

#endif
