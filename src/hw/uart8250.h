/*
 * An 8250/16550A UART (ttyS0: ports 0x3f8-0x3ff, IRQ 4) as Linux's 8250
 * driver probes and uses it: divisor latch, FIFOs, interrupt identification
 * with the usual priorities, modem control with loopback, and interrupt-
 * driven receive and transmit. Transmitted bytes go to a callback at once
 * (the line is infinitely fast), so the transmitter is always empty.
 */
#ifndef MICA_HW_UART8250_H
#define MICA_HW_UART8250_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hw/io_device.h"

#define UART_COM1_BASE 0x3f8
#define UART_COM1_IRQ  4
#define UART_PORTS     8
#define UART_FIFO_SIZE 16

struct uart8250 {
    /* registers */
    uint8_t ier, lcr, mcr, lsr, msr, scr, fcr;
    uint16_t divisor;
    bool thr_interrupt;       /* THRE interrupt pending (cleared by IIR read / THR write) */
    uint8_t rx[UART_FIFO_SIZE];
    unsigned rx_head, rx_count;
    int irq_level;            /* last level signalled */
    /* wiring */
    unsigned irq;
    irq_line_fn set_irq;
    void *irq_ctx;
    void (*output)(void *ctx, uint8_t byte);
    void *output_ctx;
};

void uart8250_init(struct uart8250 *u, unsigned irq, irq_line_fn set_irq, void *irq_ctx,
                   void (*output)(void *ctx, uint8_t byte), void *output_ctx);

/* Port accesses at offset 0..7 from the base (only byte accesses are
 * meaningful; wider ones act on the first byte). */
void uart8250_read(void *u, uint64_t off, uint8_t *data, uint32_t size);
void uart8250_write(void *u, uint64_t off, const uint8_t *data, uint32_t size);

/* Host input for the guest: returns how many bytes fit in the receive FIFO
 * now (the rest should be offered again after the guest reads). */
size_t uart8250_receive(struct uart8250 *u, const uint8_t *buf, size_t len);
/* Free space in the receive FIFO: poll stdin only when non-zero. */
size_t uart8250_rx_space(const struct uart8250 *u);

struct io_device uart8250_io_device(struct uart8250 *u, uint16_t base);

#endif
