#include "boot/boot_params.h"

#include <string.h>

#include "boot/bzimage.h"

/* For a vmlinux ELF there is no header: supply what the kernel reads. */
static void synthesize_header(struct setup_header *h)
{
    h->boot_flag = BZIMAGE_BOOT_FLAG;
    h->header = BZIMAGE_HDR_MAGIC;
    h->kernel_alignment = 0x1000000;
}

void boot_params_build(struct boot_params *bp, const struct boot_params_input *in)
{
    memset(bp, 0, sizeof(*bp));
    if (in->hdr)
        memcpy(&bp->hdr, in->hdr, in->hdr_len < sizeof(bp->hdr) ? in->hdr_len : sizeof(bp->hdr));
    else
        synthesize_header(&bp->hdr);
    bp->hdr.type_of_loader = BOOT_LOADER_UNDEFINED;
    bp->hdr.cmd_line_ptr = (uint32_t)in->cmdline_gpa;
    bp->ext_cmd_line_ptr = (uint32_t)(in->cmdline_gpa >> 32);
    bp->hdr.ramdisk_image = (uint32_t)in->initrd_gpa;
    bp->ext_ramdisk_image = (uint32_t)(in->initrd_gpa >> 32);
    bp->hdr.ramdisk_size = (uint32_t)in->initrd_len;
    bp->ext_ramdisk_size = (uint32_t)(in->initrd_len >> 32);
    if (!in->initrd_len)
        bp->hdr.ramdisk_image = bp->ext_ramdisk_image = 0;
    unsigned n = in->e820->n;
    if (n > E820_MAX_ENTRIES_ZEROPAGE)
        n = E820_MAX_ENTRIES_ZEROPAGE;
    memcpy(bp->e820_table, in->e820->e, n * sizeof(bp->e820_table[0]));
    bp->e820_entries = (uint8_t)n;
}
