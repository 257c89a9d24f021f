/* <stdlib.h> for guests: memory (the kit's heap, see <mica/malloc.h>),
 * number parsing, sorting, pseudo-random numbers and leaving the program. */
#ifndef MICA_LIBC_STDLIB_H
#define MICA_LIBC_STDLIB_H

#include <stddef.h>

#define EXIT_SUCCESS 0
#define EXIT_FAILURE 1
#define RAND_MAX 2147483647

typedef struct { int quot, rem; } div_t;
typedef struct { long quot, rem; } ldiv_t;
typedef struct { long long quot, rem; } lldiv_t;

void *malloc(size_t n); /* malloc(0) returns a unique, freeable pointer */
void free(void *p);
void *calloc(size_t count, size_t size); /* NULL if count*size overflows */
void *realloc(void *p, size_t n);

/*
 * ISO C number parsing: leading white space, an optional sign, then digits
 * in `base` (2..36), or with base 0 a "0x"/"0X" prefix selects 16 and a
 * leading "0" selects 8. Out of range: the limit, and errno = ERANGE.
 * With no digits, 0 is returned and *endptr = s.
 */
long strtol(const char *restrict s, char **restrict endptr, int base);
unsigned long strtoul(const char *restrict s, char **restrict endptr, int base);
long long strtoll(const char *restrict s, char **restrict endptr, int base);
unsigned long long strtoull(const char *restrict s, char **restrict endptr, int base);
/* Decimal (with an exponent), "inf", "infinity", "nan": correctly
 * rounded. Hexadecimal floating constants ("0x1p3") are not read: only
 * their "0" is. Overflow gives HUGE_VAL, underflow 0, both with ERANGE. */
double strtod(const char *restrict s, char **restrict endptr);
float strtof(const char *restrict s, char **restrict endptr);
/* atoi and atol saturate where ISO C leaves overflow undefined. */
int atoi(const char *s);
long atol(const char *s);
long long atoll(const char *s);
double atof(const char *s);

int abs(int v);
long labs(long v);
long long llabs(long long v);
div_t div(int num, int den);
ldiv_t ldiv(long num, long den);
lldiv_t lldiv(long long num, long long den);

/* Sorts in place (not stable); compar as for ISO C qsort. */
void qsort(void *base, size_t count, size_t size, int (*compar)(const void *, const void *));
void *bsearch(const void *key, const void *base, size_t count, size_t size,
              int (*compar)(const void *, const void *));

/* A small, fast generator (not for secrets): the same sequence for the
 * same seed; srand(1) is the start. */
int rand(void);
void srand(unsigned seed);

/* Runs the atexit functions (last first; up to 32), flushes the console
 * and powers off with the code (0..123: it is mica's exit status). */
__attribute__((noreturn)) void exit(int code);
__attribute__((noreturn)) void _Exit(int code);
int atexit(void (*fn)(void));
/* Says so on the console and crashes the guest on purpose: mica prints
 * the crash report and exits with 139, as a Unix abort() dumps core. */
__attribute__((noreturn)) void abort(void);
/* Guests have no environment: always NULL. */
char *getenv(const char *name);

#endif
