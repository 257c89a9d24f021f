/*
 * <stdio.h> for guests: the console is the only file. stdout and stderr
 * both write to it (unbuffered beyond each call: a line costs at most one
 * doorbell kick); stdin reads from it, blocking. printf's conversions are
 * listed in <mica/format.h> (floating point included; no %n).
 */
#ifndef MICA_LIBC_STDIO_H
#define MICA_LIBC_STDIO_H

#include <stdarg.h>
#include <stddef.h>

#define EOF (-1)
#define BUFSIZ 256

typedef struct mica_file FILE;
extern FILE *const stdin;
extern FILE *const stdout;
extern FILE *const stderr;

int printf(const char *restrict fmt, ...) __attribute__((format(printf, 1, 2)));
int vprintf(const char *restrict fmt, va_list ap) __attribute__((format(printf, 1, 0)));
int fprintf(FILE *restrict f, const char *restrict fmt, ...) __attribute__((format(printf, 2, 3)));
int vfprintf(FILE *restrict f, const char *restrict fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
int snprintf(char *restrict buf, size_t size, const char *restrict fmt, ...)
    __attribute__((format(printf, 3, 4)));
int vsnprintf(char *restrict buf, size_t size, const char *restrict fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
/* Unbounded, as ISO C has them: prefer snprintf. */
int sprintf(char *restrict buf, const char *restrict fmt, ...) __attribute__((format(printf, 2, 3)));
int vsprintf(char *restrict buf, const char *restrict fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

int puts(const char *s);
int fputs(const char *restrict s, FILE *restrict f);
int putchar(int c);
int fputc(int c, FILE *f);
int putc(int c, FILE *f);
size_t fwrite(const void *restrict p, size_t size, size_t count, FILE *restrict f);
int fflush(FILE *f);
/* "s: strerror(errno)" on stderr (just the message when s is NULL or ""). */
void perror(const char *s);

/* Input blocks for a byte of the console; EOF at its end. */
int getchar(void);
int fgetc(FILE *f);
int getc(FILE *f);
/* Reads up to size-1 bytes, through the first newline; NULL at EOF with
 * nothing read. The console is raw: nothing is echoed. */
char *fgets(char *restrict buf, int size, FILE *restrict f);
int feof(FILE *f);
int ferror(FILE *f);

#endif
