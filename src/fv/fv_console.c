#include "fv/fv_console.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

void fv_console_init(struct fv_console *c, struct uart8250 *uart, pthread_mutex_t *uart_lock,
                     int in_fd, int out_fd)
{
    memset(c, 0, sizeof *c);
    c->uart = uart;
    c->uart_lock = uart_lock;
    c->in_fd = in_fd;
    c->out_fd = out_fd;
}

void fv_console_output(void *ctx, uint8_t byte)
{
    struct fv_console *c = ctx;
    /* One byte per guest write: the UART exit costs far more than this
     * write(2), and buffering would hold back prompts without a newline. */
    for (;;) {
        ssize_t n = write(c->out_fd, &byte, 1);
        if (n == 1)
            return;
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN) {
            struct pollfd p = {.fd = c->out_fd, .events = POLLOUT};
            poll(&p, 1, 100);
            continue;
        }
        return; /* stdout closed: the guest runs on, its output is lost */
    }
}

bool fv_console_flush_input(struct fv_console *c)
{
    if (!c->in_len)
        return false;
    pthread_mutex_lock(c->uart_lock);
    size_t n = uart8250_receive(c->uart, c->in, c->in_len);
    pthread_mutex_unlock(c->uart_lock);
    memmove(c->in, c->in + n, c->in_len - n);
    c->in_len -= n;
    return c->in_len != 0;
}

void fv_console_read_input(struct fv_console *c)
{
    if (c->in_done || c->in_len == sizeof c->in)
        return; /* wait for the guest to drain its FIFO */
    ssize_t n = read(c->in_fd, c->in + c->in_len, sizeof c->in - c->in_len);
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return;
    if (n <= 0) {
        c->in_done = true; /* end of input: the guest sees a quiet line */
        return;
    }
    c->in_len += (size_t)n;
    fv_console_flush_input(c);
}
