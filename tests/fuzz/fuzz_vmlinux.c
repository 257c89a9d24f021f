/* Fuzzes the ELF64 loader: program headers, segment bounds, overlap, entry. */
#include <stddef.h>
#include <stdint.h>

#include "boot/vmlinux.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct guest_mem mem;
    if (!mem.host && guest_mem_alloc(&mem, 0, 32u << 20))
        return 0;
    struct vmlinux_load vl;
    char err[256];
    vmlinux_load(data, size, "fuzz", &mem, 0x100000, &vl, err, sizeof(err));
    return 0;
}
