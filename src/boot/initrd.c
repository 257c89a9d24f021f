#include "boot/initrd.h"

#include <errno.h>

#include "util/errmsg.h"

#define PAGE_MASK 0xfffull

int initrd_place(uint64_t len, uint64_t addr_max, uint64_t ram_end, uint64_t kernel_end,
                 const char *name, uint64_t *gpa, char *err, size_t errlen)
{
    uint64_t top = addr_max < UINT64_MAX ? addr_max + 1 : addr_max;
    if (top > ram_end)
        top = ram_end;
    uint64_t floor = (kernel_end + PAGE_MASK) & ~PAGE_MASK;
    if (len == 0 || len > top || ((top - len) & ~PAGE_MASK) < floor)
        return errmsg(err, errlen, -E2BIG,
                      "initrd %s: %llu bytes do not fit between the kernel's end (0x%llx) and 0x%llx "
                      "(the lower of initrd_addr_max and RAM below the 3 GiB hole; try more --mem)",
                      name, (unsigned long long)len, (unsigned long long)floor,
                      (unsigned long long)top);
    *gpa = (top - len) & ~PAGE_MASK;
    return 0;
}
