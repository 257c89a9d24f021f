/*
 * The i8042 keyboard controller at ports 0x60 (data) / 0x64 (status and
 * command), enough for Linux to find a controller with a keyboard and no
 * mouse, and for the reset line: command 0xFE (pulse output line 0) calls
 * the reset callback, which ends the VM (or reboots it).
 */
#ifndef MICA_HW_I8042_H
#define MICA_HW_I8042_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/io_device.h"

#define I8042_DATA_PORT    0x60
#define I8042_COMMAND_PORT 0x64
#define I8042_KBD_IRQ      1
#define I8042_OUTQ         16

struct i8042 {
    uint8_t ctr;            /* controller configuration ("command byte") */
    uint8_t status;
    uint8_t pending_cmd;    /* command awaiting its data byte, or 0 */
    uint8_t kbd_pending;    /* keyboard command awaiting its argument, or 0 */
    uint8_t outq[I8042_OUTQ];
    bool outq_aux[I8042_OUTQ];
    unsigned out_head, out_count;
    int irq_level;
    irq_line_fn set_irq;
    void *irq_ctx;
    void (*reset)(void *ctx);  /* the guest pulsed the CPU reset line */
    void *reset_ctx;
};

void i8042_init(struct i8042 *k, irq_line_fn set_irq, void *irq_ctx, void (*reset)(void *ctx), void *reset_ctx);
/* `port` is the absolute port (0x60 or 0x64): the two are not adjacent. */
void i8042_read(void *k, uint64_t port, uint8_t *data, uint32_t size);
void i8042_write(void *k, uint64_t port, const uint8_t *data, uint32_t size);

#endif
