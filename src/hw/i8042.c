#include "hw/i8042.h"

#include <string.h>

#define STATUS_OBF   0x01  /* output buffer full */
#define STATUS_SYS   0x04  /* system flag: self-test passed */
#define STATUS_CMD   0x08  /* last write went to the command port */
#define STATUS_AUXB  0x20  /* output buffer holds mouse data */

#define CTR_KBDINT   0x01
#define CTR_AUXINT   0x02
#define CTR_KBDDIS   0x10
#define CTR_AUXDIS   0x20
#define CTR_XLATE    0x40

#define KBD_ACK      0xfa

static void update_irq(struct i8042 *k)
{
    /* Only keyboard data interrupts: there is no mouse to raise IRQ 12. */
    int level = k->out_count && !k->outq_aux[k->out_head] && (k->ctr & CTR_KBDINT);
    if (level != k->irq_level) {
        k->irq_level = level;
        if (k->set_irq)
            k->set_irq(k->irq_ctx, I8042_KBD_IRQ, level);
    }
}

static void queue_byte(struct i8042 *k, uint8_t b, bool aux)
{
    if (k->out_count == I8042_OUTQ)
        return;
    unsigned i = (k->out_head + k->out_count) % I8042_OUTQ;
    k->outq[i] = b;
    k->outq_aux[i] = aux;
    k->out_count++;
}

void i8042_init(struct i8042 *k, irq_line_fn set_irq, void *irq_ctx, void (*reset)(void *ctx), void *reset_ctx)
{
    memset(k, 0, sizeof(*k));
    k->ctr = CTR_KBDINT | CTR_XLATE | CTR_AUXDIS;
    k->status = STATUS_SYS;
    k->set_irq = set_irq;
    k->irq_ctx = irq_ctx;
    k->reset = reset;
    k->reset_ctx = reset_ctx;
}

static uint8_t status(const struct i8042 *k)
{
    uint8_t s = k->status & (STATUS_SYS | STATUS_CMD);
    if (k->out_count)
        s |= STATUS_OBF | (k->outq_aux[k->out_head] ? STATUS_AUXB : 0);
    return s; /* input buffer never full: writes are handled at once */
}

static uint8_t read_data(struct i8042 *k)
{
    if (!k->out_count)
        return 0;
    uint8_t b = k->outq[k->out_head];
    k->out_head = (k->out_head + 1) % I8042_OUTQ;
    k->out_count--;
    return b;
}

void i8042_read(void *opaque, uint64_t port, uint8_t *data, uint32_t size)
{
    struct i8042 *k = opaque;
    memset(data, 0, size);
    if (size)
        data[0] = port == I8042_COMMAND_PORT ? status(k) : read_data(k);
    update_irq(k);
}

/* A byte sent to the keyboard itself (data port, no controller command). */
static void keyboard_command(struct i8042 *k, uint8_t b)
{
    if (k->kbd_pending) { /* argument of LED / typematic / scancode-set */
        k->kbd_pending = 0;
        queue_byte(k, KBD_ACK, false);
        return;
    }
    switch (b) {
    case 0xff: queue_byte(k, KBD_ACK, false); queue_byte(k, 0xaa, false); break; /* reset: BAT ok */
    case 0xf2: queue_byte(k, KBD_ACK, false); queue_byte(k, 0xab, false); queue_byte(k, 0x83, false); break;
    case 0xee: queue_byte(k, 0xee, false); break;                                /* echo */
    case 0xed: case 0xf3: case 0xf0:
        k->kbd_pending = b;
        queue_byte(k, KBD_ACK, false);
        break;
    default:   queue_byte(k, KBD_ACK, false); break;
    }
}

static void data_byte(struct i8042 *k, uint8_t b)
{
    uint8_t cmd = k->pending_cmd;
    k->pending_cmd = 0;
    switch (cmd) {
    case 0x60: k->ctr = b; break;                      /* write configuration */
    case 0xd1: if (!(b & 1) && k->reset) k->reset(k->reset_ctx); break; /* output port: bit 0 = reset */
    case 0xd2: queue_byte(k, b, false); break;         /* as if from the keyboard */
    case 0xd3: queue_byte(k, b, true); break;          /* as if from the mouse */
    case 0xd4: break;                                  /* to the mouse: none there */
    default:   keyboard_command(k, b); break;
    }
}

static void controller_command(struct i8042 *k, uint8_t c)
{
    if ((c & 0xf0) == 0xf0) { /* pulse output lines; bit 0 clear = CPU reset */
        if (!(c & 1) && k->reset)
            k->reset(k->reset_ctx);
        return;
    }
    switch (c) {
    case 0x20: queue_byte(k, k->ctr, false); break;    /* read configuration */
    case 0x60: case 0xd1: case 0xd2: case 0xd3: case 0xd4:
        k->pending_cmd = c;
        break;
    case 0xa7: k->ctr |= CTR_AUXDIS; break;
    case 0xa8: k->ctr &= (uint8_t)~CTR_AUXDIS; break;
    case 0xa9: queue_byte(k, 0xff, false); break;      /* aux test: no mouse port */
    case 0xaa: k->status |= STATUS_SYS; queue_byte(k, 0x55, false); break; /* self test ok */
    case 0xab: queue_byte(k, 0x00, false); break;      /* keyboard interface ok */
    case 0xad: k->ctr |= CTR_KBDDIS; break;
    case 0xae: k->ctr &= (uint8_t)~CTR_KBDDIS; break;
    case 0xc0: queue_byte(k, 0x00, false); break;      /* input port */
    case 0xd0: queue_byte(k, 0x01, false); break;      /* output port: reset line high */
    default: break;
    }
}

void i8042_write(void *opaque, uint64_t port, const uint8_t *data, uint32_t size)
{
    struct i8042 *k = opaque;
    if (!size)
        return;
    if (port == I8042_COMMAND_PORT) {
        k->status |= STATUS_CMD;
        controller_command(k, data[0]);
    } else {
        k->status &= (uint8_t)~STATUS_CMD;
        data_byte(k, data[0]);
    }
    update_irq(k);
}
