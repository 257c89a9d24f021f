/*
 * The interface every trap-and-emulate device offers: reads and writes of
 * 1, 2, 4 (or 8) bytes at an offset inside its port or MMIO range. A VMM
 * exit handler finds the device whose range holds the address and calls it
 * with (address - base). Devices are pure state machines: the caller
 * serialises calls to one device (one mutex per device).
 */
#ifndef MICA_HW_IO_DEVICE_H
#define MICA_HW_IO_DEVICE_H

#include <stdint.h>

struct io_device {
    const char *name;
    uint64_t base, len;   /* port or guest-physical range */
    void *opaque;
    void (*read)(void *opaque, uint64_t off, uint8_t *data, uint32_t size);
    void (*write)(void *opaque, uint64_t off, const uint8_t *data, uint32_t size);
};

/* Raises (level 1) or lowers (0) an interrupt line: wire to KVM_IRQ_LINE. */
typedef void (*irq_line_fn)(void *ctx, unsigned irq, int level);

#endif
