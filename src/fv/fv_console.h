/*
 * The machine's console on the terminal. Output from the guest (the UART's
 * bytes, and virtio-console's buffers with --console virtio) goes into a
 * bounded buffer that a writer thread empties to stdout, and to a tee (the
 * control channel's history and viewers) when one is set. No device thread
 * ever waits for stdout: when nobody reads it, the UART's bytes are dropped
 * (counted) and virtio-console stops taking buffers until there is room.
 * Input (stdin, or a viewer's keys) waits here until the active console
 * device takes it: the UART's receive FIFO or virtio-console's input ring,
 * which the guest drains at its own pace.
 */
#ifndef MICA_FV_FV_CONSOLE_H
#define MICA_FV_FV_CONSOLE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/console_filter.h"
#include "util/escape_keys.h"

#define FV_CONSOLE_INBUF 4096
#define FV_CONSOLE_OUTBUF (64u << 10)
/* At the end, how long the writer may go without progress before the
 * output still buffered is given up (a stdout nobody reads). */
#define FV_CONSOLE_FLUSH_MS 1000

/* Offers input to a device; returns how many bytes it took now. */
typedef size_t (*fv_console_sink)(void *ctx, const uint8_t *buf, size_t len);
/* Receives a copy of every output byte (any thread; calls are serialised). */
typedef void (*fv_console_tee)(void *ctx, const uint8_t *buf, size_t len);

struct fv_console {
    int in_fd, out_fd;           /* -1: none (with --control, the terminal is unused) */
    bool in_done;
    bool escaping;               /* in_fd is a keyboard: escape keys apply */
    struct escape_keys keys;
    bool quit;                   /* a quit key was pressed: fv_io ends the machine */
    uint8_t in[FV_CONSOLE_INBUF];
    size_t in_len;
    fv_console_sink sink;
    void *sink_ctx;
    /* Output: the buffer, in order with the tee, under out_lock. */
    pthread_mutex_t out_lock;
    pthread_cond_t out_cond;     /* output to write, or quit */
    uint8_t out[FV_CONSOLE_OUTBUF];
    size_t out_head, out_len;
    uint64_t out_written;        /* progress, for the final flush */
    bool out_busy;               /* the writer is writing a piece it took */
    uint64_t dropped;            /* UART bytes that found the buffer full */
    bool out_refused;            /* an offer was cut short: call room() */
    bool out_quit, out_broken, writer_started;
    atomic_bool writer_done;
    atomic_bool out_abandoned;   /* a stop was requested: nobody waits for a reader */
    pthread_t writer;
    void (*room)(void *ctx);     /* there is room again (writer thread) */
    void *room_ctx;
    bool filtering;              /* stdout is a terminal and --raw-console is off */
    struct console_filter filter;
    fv_console_tee tee;
    void *tee_ctx;
};

/* out_fd >= 0 starts the writer thread: 0, or -1 with the reason in err. */
int fv_console_init(struct fv_console *c, int in_fd, int out_fd, char *err, size_t errlen);
/* Flushes what the reader takes (while it makes progress within
 * FV_CONSOLE_FLUSH_MS, unless abandoned), stops the writer, and says on
 * stderr how many bytes were dropped, if any. */
void fv_console_destroy(struct fv_console *c);
/* The same flush without stopping: before mica's own last words on stderr. */
void fv_console_flush(struct fv_console *c);
/* Before output starts: filter what reaches stdout (util/console_filter.h). */
void fv_console_set_filter(struct fv_console *c, bool on);
/* Called from the writer thread after an offer was refused, once there is
 * room again (virtio-console's transmit queue is kicked). */
void fv_console_set_room(struct fv_console *c, void (*room)(void *ctx), void *ctx);
/* A stop was requested (--timeout, a signal): drop buffered and further
 * output to stdout at once; the tee still gets it. Any thread. */
void fv_console_abandon(struct fv_console *c);
/* Where input goes (the UART or virtio-console), set once at creation. */
void fv_console_set_sink(struct fv_console *c, fv_console_sink sink, void *ctx);
/* Before the machine runs: a copy of the output goes to tee too. */
void fv_console_set_tee(struct fv_console *c, fv_console_tee tee, void *ctx);

/* Guest output, never blocking. offer: takes what fits now and returns
 * how much (virtio-console: the rest stays in the guest's ring). write:
 * drops what does not fit. fv_console_output is the UART's callback (ctx
 * is the console). */
size_t fv_console_offer(struct fv_console *c, const uint8_t *buf, size_t len);
void fv_console_write(struct fv_console *c, const uint8_t *buf, size_t len);
void fv_console_output(void *ctx, uint8_t byte);

/* in_fd is a person's keyboard: Ctrl-] and Ctrl-A x set quit, Ctrl-A c
 * sends Ctrl-C, Ctrl-A ? prints the keys (util/escape_keys.h). */
void fv_console_set_escape_keys(struct fv_console *c);
/* No room to read more input until the device takes some. */
bool fv_console_input_full(const struct fv_console *c);
/* stdin is readable (or not pollable): read what fits and offer it. */
void fv_console_read_input(struct fv_console *c);
/* Input from elsewhere (a viewer): queued behind stdin's; what does not fit
 * the buffer is dropped, as with a terminal nobody reads. I/O thread only. */
void fv_console_queue_input(struct fv_console *c, const uint8_t *buf, size_t len);
/* Offers buffered input to the sink; true while some is still waiting. */
bool fv_console_flush_input(struct fv_console *c);

#endif
