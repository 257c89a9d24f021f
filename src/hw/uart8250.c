#include "hw/uart8250.h"

#include <string.h>

/* Register offsets and bits (PC16550D data sheet). */
enum { RBR_THR_DLL = 0, IER_DLM = 1, IIR_FCR = 2, LCR = 3, MCR = 4, LSR = 5, MSR = 6, SCR = 7 };

#define IER_RDI   0x01  /* received data available */
#define IER_THRI  0x02  /* transmitter holding register empty */
#define IER_RLSI  0x04  /* receiver line status */
#define IER_MSI   0x08  /* modem status */

#define IIR_NO_INT   0x01
#define IIR_MSI      0x00
#define IIR_THRI     0x02
#define IIR_RDI      0x04
#define IIR_RLSI     0x06
#define IIR_TIMEOUT  0x0c
#define IIR_FIFO_ON  0xc0

#define FCR_ENABLE   0x01
#define FCR_CLEAR_RX 0x02
#define FCR_CLEAR_TX 0x04

#define LCR_DLAB     0x80

#define MCR_DTR      0x01
#define MCR_RTS      0x02
#define MCR_OUT1     0x04
#define MCR_OUT2     0x08
#define MCR_LOOP     0x10

#define LSR_DR       0x01
#define LSR_OE       0x02
#define LSR_BI       0x10
#define LSR_THRE     0x20
#define LSR_TEMT     0x40
#define LSR_ERRORS   0x1e

#define MSR_DCTS     0x01
#define MSR_DDSR     0x02
#define MSR_TERI     0x04
#define MSR_DDCD     0x08
#define MSR_CTS      0x10
#define MSR_DSR      0x20
#define MSR_RI       0x40
#define MSR_DCD      0x80
#define MSR_DELTAS   0x0f

static const uint8_t rx_trigger[4] = { 1, 4, 8, 14 };

static bool fifo_on(const struct uart8250 *u) { return u->fcr & FCR_ENABLE; }
static unsigned rx_capacity(const struct uart8250 *u) { return fifo_on(u) ? UART_FIFO_SIZE : 1; }

/* The highest-priority pending interrupt, as IIR reports it. */
static uint8_t pending_interrupt(const struct uart8250 *u)
{
    if ((u->ier & IER_RLSI) && (u->lsr & (LSR_OE | LSR_BI)))
        return IIR_RLSI;
    if ((u->ier & IER_RDI) && u->rx_count) {
        /* Below the trigger level the FIFO reports a character timeout, as
         * if the 4-character time had passed (the host delivers in bursts). */
        if (fifo_on(u) && u->rx_count < rx_trigger[u->fcr >> 6])
            return IIR_TIMEOUT;
        return IIR_RDI;
    }
    if ((u->ier & IER_THRI) && u->thr_interrupt)
        return IIR_THRI;
    if ((u->ier & IER_MSI) && (u->msr & MSR_DELTAS))
        return IIR_MSI;
    return IIR_NO_INT;
}

/* On a PC, OUT2 gates the UART's interrupt onto the bus. */
static void update_irq(struct uart8250 *u)
{
    int level = pending_interrupt(u) != IIR_NO_INT && (u->mcr & MCR_OUT2);
    if (level != u->irq_level) {
        u->irq_level = level;
        if (u->set_irq)
            u->set_irq(u->irq_ctx, u->irq, level);
    }
}

static void set_msr_lines(struct uart8250 *u, uint8_t lines)
{
    uint8_t changed = (u->msr ^ lines) & 0xf0;
    uint8_t delta = 0;
    if (changed & MSR_CTS) delta |= MSR_DCTS;
    if (changed & MSR_DSR) delta |= MSR_DDSR;
    if (changed & MSR_DCD) delta |= MSR_DDCD;
    if ((u->msr & MSR_RI) && !(lines & MSR_RI)) delta |= MSR_TERI; /* trailing edge */
    u->msr = lines | (u->msr & MSR_DELTAS) | delta;
}

/* Loopback wires RTS->CTS, DTR->DSR, OUT1->RI, OUT2->DCD; otherwise the
 * other end is always present and ready. */
static void update_modem_lines(struct uart8250 *u)
{
    uint8_t lines = MSR_DCD | MSR_DSR | MSR_CTS;
    if (u->mcr & MCR_LOOP) {
        lines = 0;
        if (u->mcr & MCR_RTS) lines |= MSR_CTS;
        if (u->mcr & MCR_DTR) lines |= MSR_DSR;
        if (u->mcr & MCR_OUT1) lines |= MSR_RI;
        if (u->mcr & MCR_OUT2) lines |= MSR_DCD;
    }
    set_msr_lines(u, lines);
}

void uart8250_init(struct uart8250 *u, unsigned irq, irq_line_fn set_irq, void *irq_ctx,
                   void (*output)(void *ctx, uint8_t byte), void *output_ctx)
{
    memset(u, 0, sizeof(*u));
    u->irq = irq;
    u->set_irq = set_irq;
    u->irq_ctx = irq_ctx;
    u->output = output;
    u->output_ctx = output_ctx;
    u->lsr = LSR_THRE | LSR_TEMT;
    u->divisor = 12; /* 9600 baud */
    update_modem_lines(u);
    u->msr &= (uint8_t)~MSR_DELTAS;
}

static bool push_rx(struct uart8250 *u, uint8_t byte)
{
    if (u->rx_count >= rx_capacity(u)) {
        u->lsr |= LSR_OE;
        return false;
    }
    u->rx[(u->rx_head + u->rx_count) % UART_FIFO_SIZE] = byte;
    u->rx_count++;
    u->lsr |= LSR_DR;
    return true;
}

static uint8_t pop_rx(struct uart8250 *u)
{
    if (!u->rx_count)
        return 0;
    uint8_t b = u->rx[u->rx_head];
    u->rx_head = (u->rx_head + 1) % UART_FIFO_SIZE;
    if (--u->rx_count == 0)
        u->lsr &= (uint8_t)~LSR_DR;
    return b;
}

static void clear_rx(struct uart8250 *u)
{
    u->rx_head = u->rx_count = 0;
    u->lsr &= (uint8_t)~LSR_DR;
}

static void transmit(struct uart8250 *u, uint8_t byte)
{
    if (u->mcr & MCR_LOOP)
        push_rx(u, byte);
    else if (u->output)
        u->output(u->output_ctx, byte);
    /* Sent at once: the holding register is empty again. */
    u->lsr |= LSR_THRE | LSR_TEMT;
    u->thr_interrupt = true;
}

static uint8_t read_reg(struct uart8250 *u, unsigned reg)
{
    bool dlab = u->lcr & LCR_DLAB;
    uint8_t v;
    switch (reg) {
    case RBR_THR_DLL:
        return dlab ? (uint8_t)u->divisor : pop_rx(u);
    case IER_DLM:
        return dlab ? (uint8_t)(u->divisor >> 8) : u->ier;
    case IIR_FCR:
        v = pending_interrupt(u);
        if (v == IIR_THRI) /* reading IIR acknowledges a THRE interrupt */
            u->thr_interrupt = false;
        return v | (fifo_on(u) ? IIR_FIFO_ON : 0);
    case LCR:
        return u->lcr;
    case MCR:
        return u->mcr;
    case LSR:
        v = u->lsr;
        u->lsr &= (uint8_t)~LSR_ERRORS; /* error bits clear on read */
        return v;
    case MSR:
        v = u->msr;
        u->msr &= (uint8_t)~MSR_DELTAS;
        return v;
    default:
        return u->scr;
    }
}

static void write_fcr(struct uart8250 *u, uint8_t v)
{
    if ((v ^ u->fcr) & FCR_ENABLE) /* toggling the FIFOs empties them */
        clear_rx(u);
    if (v & FCR_CLEAR_RX)
        clear_rx(u);
    u->fcr = v & 0xc1; /* enable + trigger level; clear bits self-reset */
}

static void write_reg(struct uart8250 *u, unsigned reg, uint8_t v)
{
    bool dlab = u->lcr & LCR_DLAB;
    switch (reg) {
    case RBR_THR_DLL:
        if (dlab)
            u->divisor = (uint16_t)((u->divisor & 0xff00) | v);
        else
            transmit(u, v);
        break;
    case IER_DLM:
        if (dlab) {
            u->divisor = (uint16_t)((u->divisor & 0x00ff) | v << 8);
            break;
        }
        /* Enabling THRI with the transmitter empty interrupts at once
         * (Linux's 8250 driver relies on it to start transmitting). */
        if ((v & IER_THRI) && !(u->ier & IER_THRI) && (u->lsr & LSR_THRE))
            u->thr_interrupt = true;
        u->ier = v & 0x0f;
        break;
    case IIR_FCR:
        write_fcr(u, v);
        break;
    case LCR:
        u->lcr = v;
        break;
    case MCR:
        u->mcr = v & 0x1f;
        update_modem_lines(u);
        break;
    case LSR:
    case MSR:
        break; /* read-only (factory test writes ignored) */
    default:
        u->scr = v;
        break;
    }
}

void uart8250_read(void *opaque, uint64_t off, uint8_t *data, uint32_t size)
{
    struct uart8250 *u = opaque;
    memset(data, 0, size);
    if (size)
        data[0] = read_reg(u, (unsigned)(off & 7));
    update_irq(u);
}

void uart8250_write(void *opaque, uint64_t off, const uint8_t *data, uint32_t size)
{
    struct uart8250 *u = opaque;
    if (size)
        write_reg(u, (unsigned)(off & 7), data[0]);
    update_irq(u);
}

size_t uart8250_rx_space(const struct uart8250 *u)
{
    return (u->mcr & MCR_LOOP) ? 0 : rx_capacity(u) - u->rx_count;
}

size_t uart8250_receive(struct uart8250 *u, const uint8_t *buf, size_t len)
{
    size_t n = 0;
    while (n < len && uart8250_rx_space(u) && push_rx(u, buf[n]))
        n++;
    update_irq(u);
    return n;
}

struct io_device uart8250_io_device(struct uart8250 *u, uint16_t base)
{
    struct io_device d = { "uart8250", base, UART_PORTS, u, uart8250_read, uart8250_write };
    return d;
}
