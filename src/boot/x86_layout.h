/*
 * Where mica puts things in a full-virtualization guest's physical memory.
 * Low memory holds the boot data the kernel reads once; the kernel itself
 * goes where its ELF says (16 MiB for a stock x86-64 kernel); devices live
 * in the gap below 4 GiB, where a PC has them.
 */
#ifndef MICA_BOOT_X86_LAYOUT_H
#define MICA_BOOT_X86_LAYOUT_H

#define X86_BOOT_GDT          0x500ull    /* 5 descriptors */
#define X86_BOOT_ZERO_PAGE    0x7000ull   /* struct boot_params */
#define X86_BOOT_STACK_TOP    0x8ff0ull   /* not required by the protocol; harmless */
#define X86_BOOT_PML4         0x9000ull
#define X86_BOOT_PDPT         0xa000ull
#define X86_BOOT_PD           0xb000ull   /* 4 pages: 0xb000-0xefff */
#define X86_BOOT_CMDLINE      0x20000ull
#define X86_BOOT_CMDLINE_MAX  0x10000ull  /* bytes reserved, NUL included */
#define X86_MPTABLE_START     0x9c000ull  /* config table; reserved in e820 */
#define X86_MPTABLE_FLOAT     0x9fc00ull  /* floating pointer: last KiB below 640K, where Linux scans */
#define X86_EBDA_END          0xa0000ull
#define X86_HIMEM_START       0x100000ull /* kernel, initrd: at or above 1 MiB */

#define X86_MMIO_GAP_START    0xc0000000ull  /* RAM past 3 GiB continues at 4 GiB */
#define X86_MMIO_GAP_END      0x100000000ull
#define X86_VIRTIO_MMIO_BASE  0xd0000000ull  /* one 4 KiB window per device */
#define X86_VIRTIO_MMIO_SIZE  0x1000ull
#define X86_IOAPIC_ADDR       0xfec00000ull
#define X86_LAPIC_ADDR        0xfee00000ull

#endif
