/*
 * Memory, string and number-parsing routines for guests (see
 * guest/include/mica/string.h). Plain portable C: guests are small and
 * these are rarely hot, so clarity wins over hand-tuned assembly, but bulk
 * copies and fills move 8 bytes at a time when the alignment allows it.
 */
#include "host_test_names.h" /* renames everything for host tests only */

/* Relative paths so host tests build with the top-level Makefile's flags,
 * which do not add the kit's include directories. */
#include "../include/libc/ctype.h"
#include "../include/libc/errno.h"
#include "../include/libc/stdlib.h"
#include "../include/libc/string.h"

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

/*
 * gcc recognises byte loops that look like memcpy/memset and replaces them
 * with calls to those very functions, which inside memcpy itself would be
 * infinite recursion. -ffreestanding does not stop that, so turn the
 * pattern matcher off for the functions that implement the patterns.
 */
#if defined(__GNUC__) && !defined(__clang__)
#define NO_LIBCALL __attribute__((optimize("no-tree-loop-distribute-patterns")))
#else
#define NO_LIBCALL
#endif

/* Word-sized access to arbitrary bytes without breaking aliasing rules. */
typedef uint64_t __attribute__((may_alias)) word_t;
#define WORD sizeof(word_t)

static bool both_aligned(const void *a, const void *b)
{
    return (((uintptr_t)a | (uintptr_t)b) & (WORD - 1)) == 0;
}

/* Front to back; also correct for overlap when dst < src, because each
 * word is read before anything at or above it is written. */
NO_LIBCALL static void copy_forward(unsigned char *d, const unsigned char *s, size_t n)
{
    if (both_aligned(d, s)) {
        for (; n >= WORD; n -= WORD, d += WORD, s += WORD)
            *(word_t *)d = *(const word_t *)s;
    }
    while (n--)
        *d++ = *s++;
}

/* Back to front, for overlapping moves with dst > src. */
NO_LIBCALL static void copy_backward(unsigned char *d, const unsigned char *s, size_t n)
{
    d += n;
    s += n;
    if (both_aligned(d, s)) {
        for (; n >= WORD; n -= WORD) {
            d -= WORD;
            s -= WORD;
            *(word_t *)d = *(const word_t *)s;
        }
    }
    while (n--)
        *--d = *--s;
}

NO_LIBCALL void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
    copy_forward(dst, src, n);
    return dst;
}

NO_LIBCALL void *memmove(void *dst, const void *src, size_t n)
{
    /* Compare as integers: relational operators on pointers into
     * different objects are undefined in C. */
    if ((uintptr_t)dst <= (uintptr_t)src || (uintptr_t)dst >= (uintptr_t)src + n)
        copy_forward(dst, src, n);
    else
        copy_backward(dst, src, n);
    return dst;
}

NO_LIBCALL void *memset(void *dst, int c, size_t n)
{
    unsigned char *d = dst;
    unsigned char byte = (unsigned char)c;

    if (both_aligned(d, d)) {
        word_t pattern = 0x0101010101010101ull * byte;
        for (; n >= WORD; n -= WORD, d += WORD)
            *(word_t *)d = pattern;
    }
    while (n--)
        *d++ = byte;
    return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a, *y = b;

    for (size_t i = 0; i < n; i++) {
        if (x[i] != y[i])
            return x[i] < y[i] ? -1 : 1;
    }
    return 0;
}

void *memchr(const void *s, int c, size_t n)
{
    const unsigned char *p = s;

    for (size_t i = 0; i < n; i++) {
        if (p[i] == (unsigned char)c)
            return (void *)(p + i);
    }
    return NULL;
}

NO_LIBCALL size_t strlen(const char *s)
{
    const char *p = s;

    while (*p)
        p++;
    return (size_t)(p - s);
}

NO_LIBCALL size_t strnlen(const char *s, size_t max)
{
    size_t n = 0;

    while (n < max && s[n])
        n++;
    return n;
}

/* Comparisons are on unsigned char values, as ISO C requires. */
int strcmp(const char *a, const char *b)
{
    const unsigned char *x = (const unsigned char *)a;
    const unsigned char *y = (const unsigned char *)b;

    while (*x && *x == *y) {
        x++;
        y++;
    }
    return (*x > *y) - (*x < *y);
}

int strncmp(const char *a, const char *b, size_t n)
{
    const unsigned char *x = (const unsigned char *)a;
    const unsigned char *y = (const unsigned char *)b;

    for (; n > 0; n--, x++, y++) {
        if (*x != *y || *x == '\0')
            return (*x > *y) - (*x < *y);
    }
    return 0;
}

/* The terminator counts as part of the string, so strchr(s, 0) finds it. */
char *strchr(const char *s, int c)
{
    char ch = (char)c;

    for (;; s++) {
        if (*s == ch)
            return (char *)s;
        if (*s == '\0')
            return NULL;
    }
}

char *strrchr(const char *s, int c)
{
    char ch = (char)c;
    const char *last = NULL;

    for (;; s++) {
        if (*s == ch)
            last = s;
        if (*s == '\0')
            return (char *)last;
    }
}

char *strcpy(char *restrict dst, const char *restrict src)
{
    memcpy(dst, src, strlen(src) + 1);
    return dst;
}

char *strncpy(char *restrict dst, const char *restrict src, size_t n)
{
    size_t len = strnlen(src, n);

    memcpy(dst, src, len);
    memset(dst + len, 0, n - len);
    return dst;
}

size_t strlcpy(char *restrict dst, const char *restrict src, size_t size)
{
    size_t len = strlen(src);

    if (size > 0) {
        size_t n = len < size - 1 ? len : size - 1;
        memcpy(dst, src, n);
        dst[n] = '\0';
    }
    return len;
}

char *strcat(char *restrict dst, const char *restrict src)
{
    strcpy(dst + strlen(dst), src);
    return dst;
}

/* Appends at most n bytes of src, and always a terminator. */
char *strncat(char *restrict dst, const char *restrict src, size_t n)
{
    char *end = dst + strlen(dst);
    size_t len = strnlen(src, n);

    memcpy(end, src, len);
    end[len] = '\0';
    return dst;
}

char *strndup(const char *s, size_t n)
{
    size_t len = strnlen(s, n);
    char *copy = malloc(len + 1);

    if (copy == NULL) {
        errno = ENOMEM;
        return NULL;
    }
    memcpy(copy, s, len);
    copy[len] = '\0';
    return copy;
}

char *strdup(const char *s) { return strndup(s, SIZE_MAX); }

/* The sets of strspn and friends as a 256-bit map: one pass over each string. */
struct byte_set {
    uint64_t bits[4];
};

static struct byte_set make_set(const char *chars)
{
    struct byte_set set = { { 0, 0, 0, 0 } };

    for (const unsigned char *p = (const unsigned char *)chars; *p; p++)
        set.bits[*p >> 6] |= 1ull << (*p & 63);
    return set;
}

static bool in_set(const struct byte_set *set, unsigned char c)
{
    return set->bits[c >> 6] >> (c & 63) & 1;
}

/* The length of s's first run of bytes that are (or are not) in chars. */
static size_t span(const char *s, const char *chars, bool member)
{
    struct byte_set set = make_set(chars);
    size_t n = 0;

    while (s[n] && in_set(&set, (unsigned char)s[n]) == member)
        n++;
    return n;
}

size_t strspn(const char *s, const char *accept) { return span(s, accept, true); }
size_t strcspn(const char *s, const char *reject) { return span(s, reject, false); }

char *strpbrk(const char *s, const char *accept)
{
    s += strcspn(s, accept);
    return *s ? (char *)s : NULL;
}

/* Quadratic in the worst case, which is fine for a guest's strings. */
char *strstr(const char *haystack, const char *needle)
{
    size_t n = strlen(needle);

    for (; *haystack; haystack++) {
        if (strncmp(haystack, needle, n) == 0)
            return (char *)haystack;
    }
    return n == 0 ? (char *)haystack : NULL;
}

char *strtok_r(char *restrict s, const char *restrict delim, char **restrict save)
{
    if (s == NULL)
        s = *save;
    if (s == NULL)
        return NULL;
    s += strspn(s, delim);
    if (*s == '\0') {
        *save = NULL;
        return NULL;
    }
    char *end = s + strcspn(s, delim);
    *save = *end ? end + 1 : NULL;
    *end = '\0';
    return s;
}

char *strtok(char *restrict s, const char *restrict delim)
{
    static char *save;

    return strtok_r(s, delim, &save);
}

int strncasecmp(const char *a, const char *b, size_t n)
{
    const unsigned char *x = (const unsigned char *)a;
    const unsigned char *y = (const unsigned char *)b;

    for (; n > 0; n--, x++, y++) {
        int cx = tolower(*x), cy = tolower(*y);
        if (cx != cy || cx == '\0')
            return (cx > cy) - (cx < cy);
    }
    return 0;
}

int strcasecmp(const char *a, const char *b) { return strncasecmp(a, b, SIZE_MAX); }
int strcoll(const char *a, const char *b) { return strcmp(a, b); }

/* ---- number parsing ---------------------------------------------------- */

/* The value of c as a digit in bases up to 36, or 36 if it is none. */
static int digit_value(int c)
{
    if (isdigit(c))
        return c - '0';
    if (isalpha(c))
        return tolower(c) - 'a' + 10;
    return 36;
}

/* Applies base 0's auto-detection and skips a "0x" prefix, but only when
 * a hex digit follows: in "0xg" the number is just the "0". */
static int take_base_prefix(const char **p, int base)
{
    const char *s = *p;
    bool hex_prefix = s[0] == '0' && tolower(s[1]) == 'x' && digit_value(s[2]) < 16;

    if ((base == 0 || base == 16) && hex_prefix) {
        *p = s + 2;
        return 16;
    }
    if (base == 0)
        return s[0] == '0' ? 8 : 10;
    return base;
}

struct parsed {
    unsigned long magnitude; /* saturated at ULONG_MAX on overflow */
    bool negative;
    bool overflow;
    const char *end; /* first unparsed character, or the input if none */
};

/* The common part of strtoul and strtol: everything but the final range. */
static struct parsed parse_number(const char *s, int base)
{
    struct parsed r = { 0, false, false, s };
    const char *p = s;

    if (base != 0 && (base < 2 || base > 36))
        return r;
    while (isspace((unsigned char)*p))
        p++;
    if (*p == '+' || *p == '-')
        r.negative = *p++ == '-';
    base = take_base_prefix(&p, base);

    const char *digits = p;
    for (int d; (d = digit_value((unsigned char)*p)) < base; p++) {
        if (r.magnitude > (ULONG_MAX - (unsigned long)d) / (unsigned long)base)
            r.overflow = true;
        else
            r.magnitude = r.magnitude * (unsigned long)base + (unsigned long)d;
    }
    if (p != digits)
        r.end = p;
    if (r.overflow)
        r.magnitude = ULONG_MAX;
    return r;
}

static void set_end(char **endptr, const char *end)
{
    if (endptr)
        *endptr = (char *)end;
}

/* ISO C: a '-' negates the value in unsigned arithmetic, so "-1" yields
 * ULONG_MAX; an overflowing magnitude yields ULONG_MAX whatever the sign. */
unsigned long strtoul(const char *restrict s, char **restrict endptr, int base)
{
    struct parsed r = parse_number(s, base);

    set_end(endptr, r.end);
    if (r.overflow) {
        errno = ERANGE;
        return ULONG_MAX;
    }
    return r.negative ? 0 - r.magnitude : r.magnitude;
}

long strtol(const char *restrict s, char **restrict endptr, int base)
{
    struct parsed r = parse_number(s, base);
    const unsigned long max_pos = (unsigned long)LONG_MAX;

    set_end(endptr, r.end);
    const unsigned long limit = r.negative ? max_pos + 1 : max_pos;
    if (r.overflow || r.magnitude > limit) {
        errno = ERANGE;
        return r.negative ? LONG_MIN : LONG_MAX;
    }
    if (!r.negative)
        return (long)r.magnitude;
    /* Written so that -(LONG_MAX + 1) never overflows a long. */
    return r.magnitude == 0 ? 0 : -(long)(r.magnitude - 1) - 1;
}

/* long and long long are the same 64 bits on x86-64. */
long long strtoll(const char *restrict s, char **restrict endptr, int base)
{
    return strtol(s, endptr, base);
}

unsigned long long strtoull(const char *restrict s, char **restrict endptr, int base)
{
    return strtoul(s, endptr, base);
}

long atol(const char *s) { return strtol(s, NULL, 10); }
long long atoll(const char *s) { return strtol(s, NULL, 10); }

/* atoi's result is undefined on overflow in ISO C; here it saturates at
 * INT_MIN/INT_MAX, so a caller never sees a wrapped value. */
int atoi(const char *s)
{
    long v = strtol(s, NULL, 10);

    if (v > INT_MAX)
        return INT_MAX;
    if (v < INT_MIN)
        return INT_MIN;
    return (int)v;
}
