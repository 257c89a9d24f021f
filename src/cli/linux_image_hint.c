#include "cli/linux_image_hint.h"

#include "boot/bzimage.h"
#include "boot/vmlinux.h"
#include "mica/abi.h"
#include "util/errmsg.h"

#include <elf.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

int linux_image_hint(const char *path, char *err, size_t errlen)
{
    uint8_t head[16384];
    /* Non-blocking, and regular files only: a FIFO must not hang us here
     * (the loader refuses it with its own message). */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return 0;
    struct stat st;
    ssize_t n = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? pread(fd, head, sizeof head, 0) : 0;
    close(fd);
    char what[160];
    if (n <= 0 || !looks_like_linux_kernel(head, (size_t)n, what, sizeof what))
        return 0;
    return errmsg(err, errlen, -1, "%s looks like %s; boot it with 'mica run --kernel %s'", path,
                  what, path);
}
