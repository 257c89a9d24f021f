/*
 * The machine's console on the terminal. Output from the guest (the UART's
 * bytes, and virtio-console's buffers with --console virtio) goes to stdout
 * as it comes, and to a tee (the control channel's history and viewers)
 * when one is set. Input (stdin, or a viewer's keys) waits here until the
 * active console device takes it: the UART's receive FIFO or virtio-console's
 * input ring, which the guest drains at its own pace.
 */
#ifndef MICA_FV_FV_CONSOLE_H
#define MICA_FV_FV_CONSOLE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FV_CONSOLE_INBUF 4096

/* Offers input to a device; returns how many bytes it took now. */
typedef size_t (*fv_console_sink)(void *ctx, const uint8_t *buf, size_t len);
/* Receives a copy of every output byte (any thread; calls are serialised). */
typedef void (*fv_console_tee)(void *ctx, const uint8_t *buf, size_t len);

struct fv_console {
    int in_fd, out_fd;           /* -1: none (with --control, the terminal is unused) */
    bool in_done;
    uint8_t in[FV_CONSOLE_INBUF];
    size_t in_len;
    fv_console_sink sink;
    void *sink_ctx;
    pthread_mutex_t out_lock;    /* output from vCPU threads and the I/O thread, in order */
    fv_console_tee tee;
    void *tee_ctx;
};

void fv_console_init(struct fv_console *c, int in_fd, int out_fd);
void fv_console_destroy(struct fv_console *c);
/* Where input goes (the UART or virtio-console), set once at creation. */
void fv_console_set_sink(struct fv_console *c, fv_console_sink sink, void *ctx);
/* Before the machine runs: a copy of the output goes to tee too. */
void fv_console_set_tee(struct fv_console *c, fv_console_tee tee, void *ctx);

/* Guest output: the UART's callback (ctx is the console), and buffers. */
void fv_console_output(void *ctx, uint8_t byte);
void fv_console_write(struct fv_console *c, const uint8_t *buf, size_t len);

/* stdin is readable (or not pollable): read what fits and offer it. */
void fv_console_read_input(struct fv_console *c);
/* Input from elsewhere (a viewer): queued behind stdin's; what does not fit
 * the buffer is dropped, as with a terminal nobody reads. I/O thread only. */
void fv_console_queue_input(struct fv_console *c, const uint8_t *buf, size_t len);
/* Offers buffered input to the sink; true while some is still waiting. */
bool fv_console_flush_input(struct fv_console *c);

#endif
