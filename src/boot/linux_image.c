#include "boot/linux_image.h"

#include "boot/bzimage.h"
#include "boot/vmlinux.h"
#include "mica/abi.h"
#include "util/errmsg.h"

#include <elf.h>
#include <string.h>

#define KERNEL_HALF 0xffff800000000000ull

/* The lowest address of a loadable segment, or 0 when the program headers
 * are not all within the buffer. */
static uint64_t lowest_segment(const uint8_t *img, size_t len)
{
    Elf64_Ehdr eh;
    if (len < sizeof eh)
        return 0;
    memcpy(&eh, img, sizeof eh);
    if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_phentsize != sizeof(Elf64_Phdr) ||
        eh.e_phoff > len || (len - eh.e_phoff) / sizeof(Elf64_Phdr) < eh.e_phnum)
        return 0;
    uint64_t low = UINT64_MAX;
    for (unsigned i = 0; i < eh.e_phnum; i++) {
        Elf64_Phdr ph;
        memcpy(&ph, img + eh.e_phoff + i * sizeof ph, sizeof ph);
        if (ph.p_type == PT_LOAD && ph.p_vaddr < low)
            low = ph.p_vaddr;
    }
    return low == UINT64_MAX ? 0 : low;
}

int looks_like_linux_kernel(const uint8_t *img, size_t len, char *err, size_t errlen)
{
    if (bzimage_looks_like(img, len))
        return errmsg(err, errlen, 1, "a Linux bzImage (boot protocol header)");
    if (!vmlinux_looks_like(img, len))
        return 0;
    uint64_t low = lowest_segment(img, len);
    if (low >= KERNEL_HALF)
        return errmsg(err, errlen, 1, "a Linux vmlinux (linked at %#llx)", (unsigned long long)low);
    /* mica-cc links every PV guest at MICA_IMAGE_BASE (guest/lib/guest.ld);
     * a kernel loaded like a vmlinux sits elsewhere (fvtest at 2 MiB). */
    if (low > MICA_IMAGE_BASE)
        return errmsg(err, errlen, 1,
                      "an ELF linked at %#llx, not at %#llx as guest-kit PV guests are: a kernel",
                      (unsigned long long)low, (unsigned long long)MICA_IMAGE_BASE);
    return 0;
}
