/* Fuzzes the whole Linux load path (bzImage or vmlinux detection, setup
 * header, decompression with a small cap, ELF loading, initrd, zero page)
 * into a 32 MiB guest. */
#include <stddef.h>
#include <stdint.h>

#include "boot/linux_boot.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct guest_mem mem;
    if (!mem.host && guest_mem_alloc(&mem, 0, 32u << 20))
        return 0;
    static const uint8_t initrd[4096];
    struct linux_boot_args a = { .kernel = data, .kernel_len = size, .kernel_name = "fuzz",
                                 .initrd = initrd, .initrd_len = sizeof(initrd), .initrd_name = "rd",
                                 .cmdline = "console=ttyS0", .ncpus = 2, .ram_bytes = 32u << 20 };
    struct linux_boot_info info;
    char err[256];
    linux_boot_load(&mem, &a, &info, err, sizeof(err));
    return 0;
}
