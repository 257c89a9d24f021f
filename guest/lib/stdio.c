/* printf and friends: each call formats into a small buffer and hands it to
 * the console ring in as few pieces as it can, so a line costs at most one
 * doorbell kick and never an exit. */
#include "mica/mica.h"

struct out_buf {
    char data[256];
    size_t len;
    int total;
};

static void out_flush(struct out_buf *b)
{
    mica_console_put(b->data, b->len);
    b->len = 0;
}

static void out_emit(void *ctx, const char *s, size_t n)
{
    struct out_buf *b = ctx;
    while (n) {
        if (b->len == sizeof b->data)
            out_flush(b);
        size_t k = sizeof b->data - b->len;
        if (k > n)
            k = n;
        memcpy(b->data + b->len, s, k);
        b->len += k;
        s += k;
        n -= k;
    }
}

int vprintf(const char *fmt, va_list ap)
{
    struct out_buf b = {.len = 0};
    int n = mica_vformat(out_emit, &b, fmt, ap);
    out_flush(&b);
    return n;
}

int printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vprintf(fmt, ap);
    va_end(ap);
    return n;
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    return mica_vsnprintf(buf, size, fmt, ap);
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = mica_vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

int puts(const char *s)
{
    mica_console_put(s, strlen(s));
    mica_console_put("\n", 1);
    return 0;
}

int putchar(int c)
{
    char ch = (char)c;
    mica_console_put(&ch, 1);
    return (unsigned char)c;
}

int getchar(void)
{
    int c = mica_console_getc_wait();
    return c == MICA_EOF ? EOF : c;
}
