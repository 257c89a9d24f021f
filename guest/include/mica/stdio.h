/* Console stdio for guests: printf and friends over the console ring. */
#ifndef MICA_STDIO_H
#define MICA_STDIO_H

#include <stdarg.h>
#include <stddef.h>

int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vprintf(const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int puts(const char *s);
int putchar(int c);
/* Blocks for a byte of console input; EOF (-1) at its end. */
int getchar(void);
#define EOF (-1)

#endif
