/*
 * The serial console on the terminal: what the guest writes to the UART
 * goes to stdout as it comes; what arrives on stdin waits here until the
 * UART's receive FIFO has room (the guest drains it at its own pace).
 */
#ifndef MICA_FV_FV_CONSOLE_H
#define MICA_FV_FV_CONSOLE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hw/uart8250.h"

#define FV_CONSOLE_INBUF 4096

struct fv_console {
    struct uart8250 *uart;
    pthread_mutex_t *uart_lock;
    int in_fd, out_fd;
    bool in_done;
    uint8_t in[FV_CONSOLE_INBUF];
    size_t in_len;
};

void fv_console_init(struct fv_console *c, struct uart8250 *uart, pthread_mutex_t *uart_lock,
                     int in_fd, int out_fd);
/* The UART's output callback (ctx is the console). */
void fv_console_output(void *ctx, uint8_t byte);
/* stdin is readable (or not pollable): read what fits and offer it. */
void fv_console_read_input(struct fv_console *c);
/* Offers buffered input to the UART; true while some is still waiting. */
bool fv_console_flush_input(struct fv_console *c);

#endif
