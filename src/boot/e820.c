#include "boot/e820.h"

#include "boot/x86_layout.h"

static void add(struct e820_map *m, uint64_t start, uint64_t end, uint32_t type)
{
    if (end <= start || m->n >= sizeof(m->e) / sizeof(m->e[0]))
        return;
    m->e[m->n].addr = start;
    m->e[m->n].size = end - start;
    m->e[m->n].type = type;
    m->n++;
}

uint64_t e820_low_ram_end(uint64_t ram_bytes)
{
    return ram_bytes < X86_MMIO_GAP_START ? ram_bytes : X86_MMIO_GAP_START;
}

void e820_build(struct e820_map *m, uint64_t ram_bytes)
{
    m->n = 0;
    add(m, 0, X86_MPTABLE_START, E820_TYPE_RAM);
    add(m, X86_MPTABLE_START, X86_EBDA_END, E820_TYPE_RESERVED);
    add(m, X86_HIMEM_START, e820_low_ram_end(ram_bytes), E820_TYPE_RAM);
    if (ram_bytes > X86_MMIO_GAP_START)
        add(m, X86_MMIO_GAP_END, X86_MMIO_GAP_END + (ram_bytes - X86_MMIO_GAP_START), E820_TYPE_RAM);
}
