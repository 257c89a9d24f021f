#include "virtio/virtio_cmdline.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int virtio_cmdline_append(char *cmdline, size_t cap, uint64_t size, uint64_t base, unsigned irq)
{
    char frag[96];
    if (size % 1024 == 0)
        snprintf(frag, sizeof(frag), "virtio_mmio.device=%lluK@0x%llx:%u", (unsigned long long)(size / 1024),
                 (unsigned long long)base, irq);
    else
        snprintf(frag, sizeof(frag), "virtio_mmio.device=%llu@0x%llx:%u", (unsigned long long)size,
                 (unsigned long long)base, irq);
    size_t used = strnlen(cmdline, cap);
    size_t sep = used ? 1 : 0;
    if (used >= cap || used + sep + strlen(frag) + 1 > cap)
        return -E2BIG;
    if (sep)
        cmdline[used++] = ' ';
    memcpy(cmdline + used, frag, strlen(frag) + 1);
    return 0;
}
