/*
 * <string.h> for guests. The standard names, because guest programs (and
 * gcc itself, which emits calls to memcpy/memset/memmove/memcmp even with
 * -ffreestanding) expect them; behaviour follows ISO C unless noted.
 */
#ifndef MICA_LIBC_STRING_H
#define MICA_LIBC_STRING_H

#include <stddef.h>

void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
void *memchr(const void *s, int c, size_t n);

size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
/* ASCII case folding (the "C" locale); also in <strings.h>. */
int strcasecmp(const char *a, const char *b);
int strncasecmp(const char *a, const char *b, size_t n);
/* The "C" locale: the same order as strcmp. */
int strcoll(const char *a, const char *b);
char *strchr(const char *s, int c);
char *strrchr(const char *s, int c);
char *strstr(const char *haystack, const char *needle);
char *strpbrk(const char *s, const char *accept);
size_t strspn(const char *s, const char *accept);
size_t strcspn(const char *s, const char *reject);
char *strcpy(char *restrict dst, const char *restrict src);
/* Classic strncpy: pads with NULs and does NOT terminate on truncation. */
char *strncpy(char *restrict dst, const char *restrict src, size_t n);
/* BSD strlcpy: always terminates when size > 0 and returns strlen(src), so
 * truncation is detected by a result >= size. Prefer it to strncpy. */
size_t strlcpy(char *restrict dst, const char *restrict src, size_t size);
char *strcat(char *restrict dst, const char *restrict src);
char *strncat(char *restrict dst, const char *restrict src, size_t n);
/* Copies on the heap (malloc); NULL when it is full. */
char *strdup(const char *s);
char *strndup(const char *s, size_t n);
/* strtok keeps its place in a static variable (guests run one thread);
 * strtok_r in *save. */
char *strtok(char *restrict s, const char *restrict delim);
char *strtok_r(char *restrict s, const char *restrict delim, char **restrict save);
/* A fixed message for errno values of <errno.h>; "Unknown error" else. */
char *strerror(int errnum);

#endif
