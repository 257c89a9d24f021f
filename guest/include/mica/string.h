/*
 * String, memory and number-parsing routines for guests built with the
 * guest kit. They carry the standard C names because guest programs (and
 * gcc itself, which emits calls to memcpy/memset/memmove/memcmp even with
 * -ffreestanding) expect them; behaviour follows ISO C unless noted.
 */
#ifndef MICA_GUEST_STRING_H
#define MICA_GUEST_STRING_H

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
char *strchr(const char *s, int c);
char *strrchr(const char *s, int c);
char *strcpy(char *restrict dst, const char *restrict src);
/* Classic strncpy: pads with NULs and does NOT terminate on truncation. */
char *strncpy(char *restrict dst, const char *restrict src, size_t n);
/* BSD strlcpy: always terminates when size > 0 and returns strlen(src), so
 * truncation is detected by a result >= size. Prefer it to strncpy. */
size_t strlcpy(char *restrict dst, const char *restrict src, size_t size);

/*
 * ISO C number parsing: leading white space, an optional sign, then digits
 * in `base` (2..36), or with base 0 a "0x"/"0X" prefix selects 16 and a
 * leading "0" selects 8. Out-of-range values saturate to ULONG_MAX,
 * LONG_MAX or LONG_MIN. There is no errno in the kit, so a caller that
 * must tell saturation from a genuine maximum compares against the limit
 * and checks *endptr. With no digits, 0 is returned and *endptr = s.
 */
unsigned long strtoul(const char *restrict s, char **restrict endptr, int base);
long strtol(const char *restrict s, char **restrict endptr, int base);
int atoi(const char *s);

/* Character classes for the "C" locale. Inline so they cost nothing and
 * need no library symbol; arguments outside 0..255 are simply "no". */
static inline int isdigit(int c) { return c >= '0' && c <= '9'; }
static inline int isupper(int c) { return c >= 'A' && c <= 'Z'; }
static inline int islower(int c) { return c >= 'a' && c <= 'z'; }
static inline int isalpha(int c) { return isupper(c) || islower(c); }
static inline int isalnum(int c) { return isalpha(c) || isdigit(c); }
static inline int isxdigit(int c)
{
    return isdigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
/* ' ', \t, \n, \v, \f, \r: the last five are contiguous in ASCII. */
static inline int isspace(int c) { return c == ' ' || (c >= '\t' && c <= '\r'); }
static inline int isprint(int c) { return c >= 0x20 && c < 0x7f; }
static inline int toupper(int c) { return islower(c) ? c - 'a' + 'A' : c; }
static inline int tolower(int c) { return isupper(c) ? c - 'A' + 'a' : c; }

#endif
