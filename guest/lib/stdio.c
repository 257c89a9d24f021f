/* printf and friends: each call formats into a small buffer and hands it to
 * the console ring in as few pieces as it can, so a line costs at most one
 * doorbell kick and never an exit. The console is the only file: stdout
 * and stderr both write to it, stdin reads from it. */
#include "mica/mica.h"

struct mica_file {
    bool readable;
    bool eof; /* input ended (stdin) */
};

static struct mica_file files[3] = { { true, false }, { false, false }, { false, false } };
FILE *const stdin = &files[0];
FILE *const stdout = &files[1];
FILE *const stderr = &files[2];

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

int vfprintf(FILE *restrict f, const char *restrict fmt, va_list ap)
{
    (void)f; /* stdout and stderr are the same console */
    return vprintf(fmt, ap);
}

int fprintf(FILE *restrict f, const char *restrict fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vfprintf(f, fmt, ap);
    va_end(ap);
    return n;
}

int vsprintf(char *restrict buf, const char *restrict fmt, va_list ap)
{
    return mica_vsnprintf(buf, SIZE_MAX, fmt, ap);
}

int sprintf(char *restrict buf, const char *restrict fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsprintf(buf, fmt, ap);
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

int fputs(const char *restrict s, FILE *restrict f)
{
    (void)f;
    mica_console_put(s, strlen(s));
    return 0;
}

int fputc(int c, FILE *f)
{
    (void)f;
    char ch = (char)c;
    mica_console_put(&ch, 1);
    return (unsigned char)c;
}

int putc(int c, FILE *f) { return fputc(c, f); }
int putchar(int c) { return fputc(c, stdout); }

size_t fwrite(const void *restrict p, size_t size, size_t count, FILE *restrict f)
{
    (void)f;
    if (size == 0 || count > SIZE_MAX / size)
        return 0;
    mica_console_put(p, size * count);
    return count;
}

int fflush(FILE *f)
{
    (void)f;
    mica_console_flush();
    return 0;
}

void perror(const char *s)
{
    if (s && *s)
        fprintf(stderr, "%s: %s\n", s, strerror(errno));
    else
        fprintf(stderr, "%s\n", strerror(errno));
}

int fgetc(FILE *f)
{
    if (!f->readable || f->eof)
        return EOF;
    int c = mica_console_getc_wait();
    if (c != MICA_EOF)
        return c;
    f->eof = true;
    return EOF;
}

int getc(FILE *f) { return fgetc(f); }
int getchar(void) { return fgetc(stdin); }

char *fgets(char *restrict buf, int size, FILE *restrict f)
{
    int n = 0;
    if (size <= 0)
        return NULL;
    while (n < size - 1) {
        int c = fgetc(f);
        if (c == EOF)
            break;
        buf[n++] = (char)c;
        if (c == '\n')
            break;
    }
    if (n == 0)
        return NULL;
    buf[n] = '\0';
    return buf;
}

int feof(FILE *f) { return f->eof; }
int ferror(FILE *f)
{
    (void)f; /* the console does not fail: output is lost only with the VM */
    return 0;
}
