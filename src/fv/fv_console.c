#include "fv/fv_console.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

void fv_console_init(struct fv_console *c, int in_fd, int out_fd)
{
    memset(c, 0, sizeof *c);
    c->in_fd = in_fd;
    c->out_fd = out_fd;
    c->in_done = in_fd < 0;
    pthread_mutex_init(&c->out_lock, NULL);
}

void fv_console_destroy(struct fv_console *c)
{
    pthread_mutex_destroy(&c->out_lock);
}

void fv_console_set_sink(struct fv_console *c, fv_console_sink sink, void *ctx)
{
    c->sink = sink;
    c->sink_ctx = ctx;
}

void fv_console_set_tee(struct fv_console *c, fv_console_tee tee, void *ctx)
{
    c->tee = tee;
    c->tee_ctx = ctx;
}

static void write_all(int fd, const uint8_t *buf, size_t len)
{
    while (len) {
        ssize_t n = write(fd, buf, len);
        if (n > 0) {
            buf += n;
            len -= (size_t)n;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && errno == EAGAIN) {
            struct pollfd p = {.fd = fd, .events = POLLOUT};
            poll(&p, 1, 100);
        } else {
            return; /* stdout closed: the guest runs on, its output is lost */
        }
    }
}

void fv_console_write(struct fv_console *c, const uint8_t *buf, size_t len)
{
    pthread_mutex_lock(&c->out_lock);
    if (c->out_fd >= 0)
        write_all(c->out_fd, buf, len);
    if (c->tee)
        c->tee(c->tee_ctx, buf, len);
    pthread_mutex_unlock(&c->out_lock);
}

void fv_console_output(void *ctx, uint8_t byte)
{
    /* One byte per guest write: the UART exit costs far more than this
     * write(2), and buffering would hold back prompts without a newline. */
    fv_console_write(ctx, &byte, 1);
}

bool fv_console_flush_input(struct fv_console *c)
{
    if (!c->in_len || !c->sink)
        return c->in_len != 0;
    size_t n = c->sink(c->sink_ctx, c->in, c->in_len);
    memmove(c->in, c->in + n, c->in_len - n);
    c->in_len -= n;
    return c->in_len != 0;
}

void fv_console_queue_input(struct fv_console *c, const uint8_t *buf, size_t len)
{
    size_t room = sizeof c->in - c->in_len;
    if (len > room)
        len = room;
    memcpy(c->in + c->in_len, buf, len);
    c->in_len += len;
    fv_console_flush_input(c);
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
