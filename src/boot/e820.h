/* The e820 memory map handed to Linux in the zero page. */
#ifndef MICA_BOOT_E820_H
#define MICA_BOOT_E820_H

#include <asm/bootparam.h>
#include <stdint.h>

#define E820_TYPE_RAM      1
#define E820_TYPE_RESERVED 2

struct e820_map {
    unsigned n;
    struct boot_e820_entry e[8];
};

/* Map for `ram_bytes` of RAM laid out as x86_layout.h says: low RAM below
 * the MP table, the MP table area reserved, RAM from 1 MiB up to the MMIO
 * gap, and the rest from 4 GiB. */
void e820_build(struct e820_map *m, uint64_t ram_bytes);

/* Guest-physical end of RAM below 4 GiB (what the kernel and initrd may use). */
uint64_t e820_low_ram_end(uint64_t ram_bytes);

#endif
