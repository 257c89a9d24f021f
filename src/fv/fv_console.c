#include "fv/fv_console.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/log.h"
#include "util/time.h"
#include "vmm/vcpu.h"

#define WRITE_CHUNK 4096

static void *writer_main(void *arg);

int fv_console_init(struct fv_console *c, int in_fd, int out_fd, char *err, size_t errlen)
{
    memset(c, 0, sizeof *c);
    c->in_fd = in_fd;
    c->out_fd = out_fd;
    c->in_done = in_fd < 0;
    pthread_mutex_init(&c->out_lock, NULL);
    monotonic_cond_init(&c->out_cond);
    console_filter_init(&c->filter, true);
    vcpu_kick_signal_init(); /* interrupts a write to a stdout nobody reads */
    if (out_fd >= 0 && pthread_create(&c->writer, NULL, writer_main, c) != 0)
        return errmsg(err, errlen, -1, "cannot start the console output thread");
    c->writer_started = out_fd >= 0;
    return 0;
}

void fv_console_set_filter(struct fv_console *c, bool on)
{
    pthread_mutex_lock(&c->out_lock);
    c->filtering = on;
    pthread_mutex_unlock(&c->out_lock);
}

void fv_console_set_room(struct fv_console *c, void (*room)(void *ctx), void *ctx)
{
    pthread_mutex_lock(&c->out_lock);
    c->room = room;
    c->room_ctx = ctx;
    pthread_mutex_unlock(&c->out_lock);
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

void fv_console_abandon(struct fv_console *c)
{
    atomic_store(&c->out_abandoned, true);
    pthread_mutex_lock(&c->out_lock);
    c->out_len = 0;
    bool room = c->out_refused && c->room;
    c->out_refused = false;
    pthread_cond_broadcast(&c->out_cond);
    pthread_mutex_unlock(&c->out_lock);
    if (room) /* what waits for room takes everything now */
        c->room(c->room_ctx);
}

/* Blocking writes are this thread's alone to wait for; destroy interrupts
 * one with the kick signal. false: stdout is gone (closed pipe, error: the
 * guest runs on, its output is lost) or output was abandoned. */
static bool write_all(struct fv_console *c, const uint8_t *buf, size_t len)
{
    int fd = c->out_fd;
    while (len && !atomic_load(&c->out_abandoned)) {
        ssize_t n = write(fd, buf, len);
        if (n > 0) {
            buf += n;
            len -= (size_t)n;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && errno == EAGAIN) { /* someone made stdout non-blocking */
            struct pollfd p = {.fd = fd, .events = POLLOUT};
            poll(&p, 1, 100);
        } else {
            return false;
        }
    }
    return true;
}

/* Takes the next contiguous piece of the buffer (lock held). */
static size_t take_chunk(struct fv_console *c, uint8_t *chunk)
{
    size_t n = FV_CONSOLE_OUTBUF - c->out_head;
    if (n > c->out_len)
        n = c->out_len;
    if (n > WRITE_CHUNK)
        n = WRITE_CHUNK;
    memcpy(chunk, c->out + c->out_head, n);
    c->out_head = (c->out_head + n) % FV_CONSOLE_OUTBUF;
    c->out_len -= n;
    return n;
}

static void write_out(struct fv_console *c, const uint8_t *buf, size_t len)
{
    if (!c->out_broken && !write_all(c, buf, len))
        c->out_broken = true; /* only this thread reads it */
}

static void emit_out(void *ctx, const char *buf, size_t len)
{
    write_out(ctx, (const uint8_t *)buf, len);
}

static void *writer_main(void *arg)
{
    struct fv_console *c = arg;
    uint8_t chunk[WRITE_CHUNK];
    pthread_mutex_lock(&c->out_lock);
    for (;;) {
        while (!c->out_len && !c->out_quit)
            pthread_cond_wait(&c->out_cond, &c->out_lock);
        if (!c->out_len)
            break;
        size_t n = take_chunk(c, chunk);
        c->out_busy = true;
        bool filtering = c->filtering, room = c->out_refused && c->room;
        c->out_refused = false;
        pthread_mutex_unlock(&c->out_lock);
        if (room)
            c->room(c->room_ctx);
        if (filtering) /* the filter's state is this thread's alone */
            console_filter_pass(&c->filter, chunk, n, emit_out, c);
        else
            write_out(c, chunk, n);
        pthread_mutex_lock(&c->out_lock);
        c->out_busy = false;
        c->out_written += n;
        pthread_cond_broadcast(&c->out_cond);
    }
    pthread_mutex_unlock(&c->out_lock);
    uint8_t reset[CONSOLE_FILTER_FINISH_MAX];
    write_out(c, reset, console_filter_finish(&c->filter, reset));
    atomic_store(&c->writer_done, true);
    return NULL;
}

static void sleep_ms(int ms)
{
    struct timespec t = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
    nanosleep(&t, NULL);
}

/* Waits while the writer has output and makes progress (lock held). */
static void wait_for_flush(struct fv_console *c)
{
    while ((c->out_len || c->out_busy) && !atomic_load(&c->out_abandoned)) {
        uint64_t seen = c->out_written;
        struct timespec until = monotonic_timespec_in(FV_CONSOLE_FLUSH_MS);
        int rc = 0;
        while (rc == 0 && (c->out_len || c->out_busy) && c->out_written == seen &&
               !atomic_load(&c->out_abandoned))
            rc = pthread_cond_timedwait(&c->out_cond, &c->out_lock, &until);
        if (rc == ETIMEDOUT)
            return; /* no progress for FV_CONSOLE_FLUSH_MS: nobody reads */
    }
}

void fv_console_flush(struct fv_console *c)
{
    pthread_mutex_lock(&c->out_lock);
    wait_for_flush(c);
    pthread_mutex_unlock(&c->out_lock);
}

void fv_console_destroy(struct fv_console *c)
{
    if (c->writer_started) {
        pthread_mutex_lock(&c->out_lock);
        wait_for_flush(c);
        bool stuck = c->out_len || c->out_busy;
        c->out_quit = true;
        pthread_cond_broadcast(&c->out_cond);
        pthread_mutex_unlock(&c->out_lock);
        /* A reader that stopped reading leaves the writer in write()
         * forever: abandon the output and interrupt the write (again, in
         * case the signal came just before it). */
        if (stuck)
            fv_console_abandon(c);
        for (int waited_ms = 0; !atomic_load(&c->writer_done); waited_ms += 10) {
            if (waited_ms == FV_CONSOLE_FLUSH_MS) /* its last colour reset, unread */
                fv_console_abandon(c);
            if (atomic_load(&c->out_abandoned))
                vcpu_signal_thread(c->writer);
            sleep_ms(10);
        }
        pthread_join(c->writer, NULL);
        c->writer_started = false;
    }
    if (c->dropped)
        mica_warn("console: %llu bytes of serial output were dropped: stdout did not keep up",
                  (unsigned long long)c->dropped);
    pthread_cond_destroy(&c->out_cond);
    pthread_mutex_destroy(&c->out_lock);
}

/* Copies what fits into the buffer (lock held); returns how much. */
static size_t buffer_output(struct fv_console *c, const uint8_t *buf, size_t len)
{
    if (!c->writer_started || atomic_load(&c->out_abandoned))
        return len; /* nobody to wait for: taken, and dropped */
    size_t n = FV_CONSOLE_OUTBUF - c->out_len < len ? FV_CONSOLE_OUTBUF - c->out_len : len;
    for (size_t done = 0; done < n;) {
        size_t tail = (c->out_head + c->out_len) % FV_CONSOLE_OUTBUF;
        size_t run = FV_CONSOLE_OUTBUF - tail < n - done ? FV_CONSOLE_OUTBUF - tail : n - done;
        memcpy(c->out + tail, buf + done, run);
        c->out_len += run;
        done += run;
    }
    if (n)
        pthread_cond_broadcast(&c->out_cond);
    return n;
}

size_t fv_console_offer(struct fv_console *c, const uint8_t *buf, size_t len)
{
    pthread_mutex_lock(&c->out_lock);
    size_t n = buffer_output(c, buf, len);
    if (n < len)
        c->out_refused = true;
    if (c->tee && n)
        c->tee(c->tee_ctx, buf, n);
    pthread_mutex_unlock(&c->out_lock);
    return n;
}

void fv_console_write(struct fv_console *c, const uint8_t *buf, size_t len)
{
    pthread_mutex_lock(&c->out_lock);
    c->dropped += len - buffer_output(c, buf, len);
    if (c->tee)
        c->tee(c->tee_ctx, buf, len);
    pthread_mutex_unlock(&c->out_lock);
}

void fv_console_output(void *ctx, uint8_t byte)
{
    /* One byte per guest write: the UART exit costs far more than this
     * copy, and buffering would hold back prompts without a newline. */
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

void fv_console_set_escape_keys(struct fv_console *c)
{
    c->escaping = true;
    c->keys = (struct escape_keys){.quit_key = ESCAPE_KEYS_DETACH};
}

/* The keys just read into c->in[c->in_len..+n) through the escape keys,
 * in place (they never grow by more than the byte reserved for it). */
static size_t escape_input(struct fv_console *c, size_t n)
{
    uint8_t keys[FV_CONSOLE_INBUF];
    size_t len;
    memcpy(keys, c->in + c->in_len, n);
    if (escape_keys_apply(&c->keys, (const char *)keys, n, (char *)c->in + c->in_len, &len,
                          escape_keys_run_help, STDERR_FILENO) == ESCAPE_QUIT)
        c->quit = true;
    return len;
}

/* With escape keys a held Ctrl-A may come back with the next key: one
 * byte of room stays free for it. */
bool fv_console_input_full(const struct fv_console *c)
{
    return sizeof c->in - c->in_len <= (size_t)c->escaping;
}

void fv_console_read_input(struct fv_console *c)
{
    if (c->in_done || fv_console_input_full(c))
        return; /* wait for the guest to drain its FIFO */
    size_t room = sizeof c->in - c->in_len - c->escaping;
    ssize_t n = read(c->in_fd, c->in + c->in_len, room);
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return;
    if (n <= 0) {
        c->in_done = true; /* end of input: the guest sees a quiet line */
        return;
    }
    c->in_len += c->escaping ? escape_input(c, (size_t)n) : (size_t)n;
    fv_console_flush_input(c);
}
