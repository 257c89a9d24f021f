/* How Linux learns about virtio-mmio devices without ACPI or a device tree:
 * "virtio_mmio.device=<size>@<base>:<irq>" on its command line
 * (drivers/virtio/virtio_mmio.c, CONFIG_VIRTIO_MMIO_CMDLINE_DEVICES). */
#ifndef MICA_VIRTIO_VIRTIO_CMDLINE_H
#define MICA_VIRTIO_VIRTIO_CMDLINE_H

#include <stddef.h>
#include <stdint.h>

/* Appends " virtio_mmio.device=4K@0xd0000000:5" (size in K when a multiple
 * of 1024) to the NUL-terminated `cmdline` of capacity `cap`. 0, or -E2BIG
 * when it does not fit (cmdline unchanged). */
int virtio_cmdline_append(char *cmdline, size_t cap, uint64_t size, uint64_t base, unsigned irq);

#endif
